import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/domain/clock.js';
import { VenueEffects } from '../../../src/engine/venue-effects.js';
import { orderActorId } from '../../../src/machines/messages.js';
import { newClock, openEngine, orderInput } from '../../support/engine-harness.js';
import type { EngineHandle } from '../../support/engine-harness.js';
import { startVenueOnSim } from '../../support/ccxt-venue.js';
import type { VenueOnSim } from '../../support/ccxt-venue.js';
import { tempDir } from '../../support/tmp.js';

/**
 * The ccxt adapter's error classes as the order machine sees them: the real durable runtime and
 * VenueEffects on a real SQLite file, orders sent through ccxt to the simulator.
 */

let h: VenueOnSim | null = null;
let engine: EngineHandle | null = null;
const tmp = tempDir('ccxt-effects');
afterAll(() => tmp.cleanup());
afterEach(async () => {
  await engine?.close();
  await h?.close();
  engine = null;
  h = null;
});

async function setup() {
  h = await startVenueOnSim();
  await h.venue.loadMarkets();
  const clock = newClock(Date.now());
  const venue = h.venue;
  engine = await openEngine({
    file: path.join(tmp.dir, `engine-${Date.now()}.db`),
    clock,
    effects: (isAwaited) => new VenueEffects(venue, clock, isAwaited),
  });
  return { sim: h, engine };
}

/** Spawns an order actor for BTC/USDT through the engine, submits it and waits for the call to settle. */
async function submit(e: EngineHandle, cid: string, price: string, quantity: string) {
  const id = orderActorId(cid);
  await e.runtime.spawn(
    id,
    'order',
    orderInput(cid, { venue: 'binance', symbol: 'BTC/USDT', price, quantity }),
  );
  await e.runtime.send(id, { type: 'SUBMIT' });
  await e.runtime.settle(10_000);
  return e.db.db
    .selectFrom('orders')
    .selectAll()
    .where('client_order_id', '=', cid)
    .executeTakeFirstOrThrow();
}

describe('order machine events from ccxt errors (engine runtime + VenueEffects + CcxtVenue + simulator)', () => {
  it('a price off the tick size: rejected before sending, the reason names the field', async () => {
    const { sim, engine: e } = await setup();
    const row = await submit(e, 'e-tick', '49000.005', '0.001');
    expect(row.state).toBe('rejected');
    expect(row.reason).toMatch(/price: must be a multiple of tickSize 0.01, got 49000.005/);
    expect((await sim.admin.state()).orders).toEqual([]);
  });

  it('insufficient funds at the venue: rejected', async () => {
    const { sim, engine: e } = await setup();
    const row = await submit(e, 'e-funds', '49000', '100'); // 4.9M USDT; the account holds 1M
    expect(row.state).toBe('rejected');
    expect(row.reason).toMatch(/insufficient funds/);
    expect((await sim.admin.state()).orders).toEqual([]);
  });

  it('a duplicate clientOrderId at the venue is looked up, never a rejection', async () => {
    const { sim, engine: e } = await setup();
    await sim.venue.placeOrder({
      clientOrderId: 'e-dup',
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      price: '49000',
      quantity: '0.001',
    });
    const row = await submit(e, 'e-dup', '49000', '0.001');
    expect(row.state).toBe('open');
    expect((await sim.admin.state()).orders.map((o) => o.clientOrderId)).toEqual(['e-dup']);
  });

  it('a reply lost after the venue accepted (socket closed) is unconfirmed, then found by lookup', async () => {
    const { sim, engine: e } = await setup();
    await sim.admin.post('faults', { acceptThenDrop: { probability: 1 } });
    // The lookup is a GET: only state-changing requests are dropped.
    const row = await submit(e, 'e-lost', '49000', '0.001');
    expect(row.state).toBe('open');
    const venueOrders = (await sim.admin.state()).orders;
    expect(venueOrders.map((o) => [o.clientOrderId, o.status])).toEqual([['e-lost', 'NEW']]);
    const journal = await e.db.db
      .selectFrom('journal')
      .select('state')
      .where('actor_id', '=', orderActorId('e-lost'))
      .orderBy('rev')
      .execute();
    expect(journal.map((j) => j.state)).toContain('unconfirmed.lookingUp');
  });
});

describe('a rate limit (429/418) through VenueEffects and the ccxt adapter', () => {
  it("pauses the venue's one budget once and is tried again once after Retry-After, for a place and a lookup", async () => {
    h = await startVenueOnSim();
    await h.venue.loadMarkets();
    const effects = new VenueEffects(h.venue, systemClock);
    const row = (src: string, input: unknown) => ({
      key: `k-${src}`,
      actorId: 'order/r-1',
      childId: src,
      src,
      input,
      createdAt: Date.now(),
    });
    const pauses = () => h!.logger.lines.filter((l) => l.msg === 'venue rate limit: every request waits');
    // Banned for 300 ms; the venue's Retry-After says 1 s (its minimum): the first request is refused.
    await h.admin.post('faults', { ban418: { durationMs: 300, retryAfterSec: 1 } });
    let t0 = Date.now();
    const placed = await effects.execute(
      row('placeOrder', {
        clientOrderId: 'r-1',
        symbol: 'BTC/USDT',
        side: 'buy',
        type: 'limit',
        price: '49000',
        quantity: '0.001',
        attempt: 1,
      }),
    );
    let took = Date.now() - t0;
    expect(placed.type).toBe('xstate.done.actor.placeOrder');
    expect(pauses().map((l) => l.obj.pauseMs)).toEqual([1000]);
    // One wait of Retry-After in all: the budget's pause and the retry's wait are the same second.
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(1900);
    expect((await h.admin.state()).orders.map((o) => o.clientOrderId)).toEqual(['r-1']);

    await h.admin.post('faults', { ban418: { durationMs: 300, retryAfterSec: 1 } });
    t0 = Date.now();
    const found = await effects.execute(
      row('lookupOrder', {
        clientOrderId: 'r-1',
        symbol: 'BTC/USDT',
        venueOrderId: null,
        createdAt: Date.now(),
        search: false,
      }),
    );
    took = Date.now() - t0;
    expect(found).toMatchObject({
      type: 'xstate.done.actor.lookupOrder',
      output: { order: { status: 'open' } },
    });
    expect(pauses()).toHaveLength(2);
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(1900);
    await h.admin.post('reset-faults');
  });
});
