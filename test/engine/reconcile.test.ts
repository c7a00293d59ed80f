import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PaperVenue } from '../../src/adapters/paper/paper-venue.js';
import { onOrderUpdate } from '../../src/engine/on-order-update.js';
import { gapFill, reconcileOpenOrders, tradeCursorKey } from '../../src/engine/reconcile.js';
import type { ReconcileDeps } from '../../src/engine/reconcile.js';
import { parseVenueEvent } from '../../src/adapters/venue-event-schema.js';
import { orderActorId } from '../../src/machines/messages.js';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import {
  SYMBOL,
  T0,
  VENUE,
  engineFile,
  idle,
  newClock,
  openEngine,
  openPaper,
  orderInput,
  paperEffects,
  rawFill,
  venueFile,
} from '../support/engine-harness.js';
import type { EngineHandle } from '../support/engine-harness.js';
import { tempDir } from '../support/tmp.js';
import { dialects, engineTargetPerTest } from '../support/dialects.js';

let tmp: ReturnType<typeof tempDir>;
let venue: PaperVenue;
let engine: EngineHandle;
let deps: ReconcileDeps;
let clock = newClock();

async function place(cid: string, price: string): Promise<void> {
  await engine.runtime.spawn(orderActorId(cid), 'order', orderInput(cid, { price }));
  await engine.runtime.send(orderActorId(cid), { type: 'SUBMIT' });
  await idle(engine.runtime);
}

/** The current case's engine database: a SQLite file or a PostgreSQL schema (see engineTargetPerTest). */
let target = (): string => engineFile(tmp.dir);

describe.each(dialects)('$name', (dialect) => {
  beforeEach(() => {
    tmp = tempDir('reconcile');
  });
  const engineDb = engineTargetPerTest(dialect, () => engineFile(tmp.dir));
  beforeEach(() => {
    target = () => engineDb.target;
  });

  beforeEach(async () => {
    clock = newClock();
    // Nobody subscribes to the venue's stream: every pushed update is "lost"; only reconciliation can tell.
    venue = openPaper(venueFile(tmp.dir), clock);
    engine = await openEngine({ file: target(), clock, effects: paperEffects(venue, clock) });
    await engine.runtime.start();
    deps = {
      venue,
      runtime: engine.runtime,
      store: engine.store,
      ownPrefix: 'sfmine-',
      policy: 'cancel-own',
      installedAt: T0,
      timeouts: { ackMs: 3000, cancelMs: 3000, lookupRetryMs: 1000, absenceProofMs: 10_000 },
      clock,
    };
  });

  afterEach(async () => {
    await engine.close();
    await venue.close();
    tmp.cleanup();
  });

  describe('gap-fill', () => {
    it('finds a fill the stream never delivered, although newer fills were pushed since', async () => {
      await place('o1', '200'); // crosses the ask: fills at once, as taker
      const [trade] = openPaperVenueStore(venueFile(tmp.dir)).allTrades();
      expect(trade).toBeDefined();
      // Two minutes later a newer fill (of an order nobody knows) arrives through the stream.
      clock.increment(120_000);
      const pushed = rawFill({
        tradeId: 'later-1',
        clientOrderId: 'x',
        venueOrderId: '999',
        at: T0 + 120_000,
      });
      expect(await engine.runtime.enqueue(onOrderUpdate(VENUE, engine.store, parseVenueEvent(pushed)))).toBe(
        'orphan',
      );
      expect(await engine.store.getMeta(tradeCursorKey(VENUE, SYMBOL))).toBeUndefined();

      expect(await gapFill(deps, SYMBOL)).toBe(1);
      const fills = await engine.db.db
        .selectFrom('fills')
        .select(['trade_id', 'status'])
        .orderBy('trade_id')
        .execute();
      expect(fills).toEqual([
        { trade_id: trade!.tradeId, status: 'applied' },
        { trade_id: 'later-1', status: 'orphan' },
      ]);
      expect(await engine.store.getMeta(tradeCursorKey(VENUE, SYMBOL))).toBe(String(T0 + 120_000 - 5_000));
      expect(await gapFill(deps, SYMBOL)).toBe(0);
      expect(engine.runtime.actor(orderActorId('o1'))).toBeUndefined(); // filled: terminal, left memory
    });
  });

  describe('open orders', () => {
    it('looks up local open orders the venue does not list, adopts and cancels our unknown ones, reports foreign ones', async () => {
      await place('o1', '99'); // rests
      await venue.cancelOrder({ clientOrderId: 'o1', symbol: SYMBOL }); // cancelled behind our back
      await venue.placeOrder({
        clientOrderId: 'sfmine-1-9',
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        price: '98',
        quantity: '0.1',
      });
      await venue.placeOrder({
        clientOrderId: 'by-hand',
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        price: '97',
        quantity: '0.1',
      });

      const report = await reconcileOpenOrders(deps, SYMBOL);
      expect(report).toEqual({ lookedUp: ['o1'], adopted: ['sfmine-1-9'], reported: ['by-hand'] });
      await engine.runtime.settle(5_000);
      await idle(engine.runtime);

      const orders = await engine.db.db
        .selectFrom('orders')
        .select(['client_order_id', 'state'])
        .orderBy('client_order_id')
        .execute();
      expect(orders).toEqual([
        { client_order_id: 'o1', state: 'cancelled' },
        { client_order_id: 'sfmine-1-9', state: 'cancelled' },
      ]);
      const atVenue = openPaperVenueStore(venueFile(tmp.dir));
      expect(atVenue.openOrders().map((o) => o.clientOrderId)).toEqual(['by-hand']);
      const anomalies = await engine.db.db
        .selectFrom('anomalies')
        .select(['kind', 'detail'])
        .orderBy('detail')
        .execute();
      expect(anomalies.map((a) => [a.kind, (JSON.parse(a.detail) as { action: string }).action])).toEqual([
        ['unknown-open-order', 'adopted and cancelled'],
        ['unknown-open-order', 'reported'],
      ]);
      atVenue.close();
    });
  });
});
