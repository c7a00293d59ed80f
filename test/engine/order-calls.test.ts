import path from 'node:path';
import { createActor, waitFor } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { createPaperVenue } from '../../src/adapters/paper/paper-venue.js';
import type { PaperVenue } from '../../src/adapters/paper/paper-venue.js';
import { systemClock } from '../../src/domain/clock.js';
import { venueOrderCalls } from '../../src/engine/order-calls.js';
import { orderMachineWith } from '../../src/machines/order.machine.js';
import { MARKET, orderInput } from '../support/engine-harness.js';
import { tempDirPerTest } from '../support/test-dir.js';

/**
 * The order machine outside the durable runtime: `createActor` with the real calls supplied through
 * `orderMachineWith` (machine.provide), against the real paper venue. Nothing is durable here; it is how
 * a simulation or a notebook runs the same machine the engine hosts.
 */

const tmp = tempDirPerTest('order-calls');
let venue: PaperVenue | null = null;
afterEach(async () => {
  await venue?.close();
  venue = null;
});

function paper(): PaperVenue {
  venue = createPaperVenue({
    dbPath: path.join(tmp.dir, 'paper.db'),
    seed: 3,
    clock: systemClock,
    markets: [MARKET],
  });
  return venue;
}

describe('orderMachineWith: the order machine with real promise actors', () => {
  it('places at the venue, rests open, cancels', async () => {
    const v = paper();
    const actor = createActor(orderMachineWith(venueOrderCalls(v, systemClock)), {
      input: orderInput('direct-1', { at: Date.now() }),
    }).start();
    actor.send({ type: 'SUBMIT', at: Date.now() });
    const open = await waitFor(actor, (s) => s.value === 'open', { timeout: 5000 });
    expect(open.context.venueOrderId).not.toBeNull();
    expect((await v.fetchOpenOrders('BTC/USDT')).map((o) => o.clientOrderId)).toEqual(['direct-1']);
    actor.send({ type: 'CANCEL_ORDER', at: Date.now() });
    await waitFor(actor, (s) => s.value === 'cancelled', { timeout: 5000 });
    expect(await v.fetchOpenOrders('BTC/USDT')).toEqual([]);
    actor.stop();
  });

  it('a refusal is a CallFailure the machine reads: rejected, with the reason', async () => {
    const actor = createActor(orderMachineWith(venueOrderCalls(paper(), systemClock)), {
      input: orderInput('direct-2', { price: '99.05', at: Date.now() }), // off the 0.1 tick
    }).start();
    actor.send({ type: 'SUBMIT', at: Date.now() });
    const rejected = await waitFor(actor, (s) => s.value === 'rejected', { timeout: 5000 });
    expect(rejected.context.reason).toMatch(/^rejected: .*price/);
    actor.stop();
  });
});
