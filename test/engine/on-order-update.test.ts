import { beforeEach, describe, expect, it } from 'vitest';
import type { SimulatedClock } from 'xstate';
import type { PaperVenueOptions } from '../../src/adapters/paper/paper-venue-options.js';
import { onOrderUpdate } from '../../src/engine/on-order-update.js';
import { parseVenueEvent } from '../../src/adapters/venue-event-schema.js';
import { bookActorId, orderActorId } from '../../src/machines/messages.js';
import type { OrderContext } from '../../src/machines/order.machine.js';
import type { PositionBookInput } from '../../src/machines/position-book.machine.js';
import {
  SYMBOL,
  T0,
  VENUE,
  advance,
  dumpTables,
  engineFile,
  idle,
  newClock,
  openEngine,
  openPaper,
  orderInput,
  paperEffects,
  rawFill,
  rawOrder,
  requestKinds,
  venueFile,
} from '../support/engine-harness.js';
import type { EngineHandle } from '../support/engine-harness.js';
import { tempDirPerTest } from '../support/test-dir.js';
import { readOrder } from '../../src/persistence/operator-queries.js';
import { readStatus } from '../../src/persistence/status-query.js';
import { workCommand } from '../../src/runtime/types.js';
import { dialectMatrix } from '../support/dialects.js';

const tmp = tempDirPerTest('on-order-update');
const { cleanups } = tmp;
let clock: SimulatedClock;

beforeEach(() => {
  clock = newClock();
});

const O1 = orderActorId('o1');
const BOOK = bookActorId(VENUE, SYMBOL);

/** An engine on the real paper venue with the position book and order o1 (not yet submitted). */
async function setup(venueOptions: Partial<PaperVenueOptions> = {}): Promise<EngineHandle> {
  const venue = openPaper(venueFile(tmp.dir), clock, venueOptions);
  cleanups.push(() => venue.close());
  const e = await openEngine({ file: target(), clock, effects: paperEffects(venue, clock) });
  cleanups.push(() => e.close());
  await e.runtime.start();
  const book: PositionBookInput = { venue: VENUE, symbol: SYMBOL, at: T0 };
  await e.runtime.spawn(BOOK, 'positionBook', book);
  await e.runtime.spawn(O1, 'order', orderInput('o1'));
  return e;
}

/** setup() and o1 submitted and acknowledged by the venue as venue order '1'. */
async function openOrder(): Promise<EngineHandle> {
  const e = await setup();
  await e.runtime.send(O1, { type: 'SUBMIT' });
  await e.runtime.settle(5000);
  expect(e.runtime.actor(O1)!.snapshot.value).toBe('open');
  return e;
}

const apply = (e: EngineHandle, raw: unknown) =>
  e.runtime.enqueue(onOrderUpdate(VENUE, e.store, parseVenueEvent(raw)));

const orderContext = async (e: EngineHandle): Promise<{ value: unknown; context: OrderContext }> => {
  const row = await e.db.db.selectFrom('actors').selectAll().where('id', '=', O1).executeTakeFirstOrThrow();
  return JSON.parse(row.snapshot) as { value: unknown; context: OrderContext };
};

const positions = (e: EngineHandle) =>
  e.db.db.selectFrom('positions').select(['quantity', 'average_price', 'fill_count']).execute();

const fillStatuses = (e: EngineHandle) =>
  e.db.db.selectFrom('fills').select(['trade_id', 'client_order_id', 'status']).orderBy('trade_id').execute();

/** The dialect matrix: `target()` is the current case's engine database (a SQLite file or a PostgreSQL URL). */
const matrix = dialectMatrix(() => engineFile(tmp.dir));
const target = matrix.target;

matrix.each(() => {
  describe('OnOrderUpdate: fills', () => {
    it('applies a fill to order, fill ledger, position book and positions in one batch', async () => {
      const e = await openOrder();
      const seqBefore = (await e.db.db.selectFrom('journal').select('seq').execute()).length;

      expect(await apply(e, rawFill())).toBe('applied');

      const order = e.runtime.actor(O1)!;
      expect(order.snapshot.value).toBe('partiallyFilled');
      const c = order.snapshot.context as OrderContext;
      expect([c.filledQuantity, c.filledNotional, c.fees, c.tradeIds]).toEqual([
        '0.04',
        '3.96',
        { USDT: '0.000396' },
        ['t1'],
      ]);
      expect(e.runtime.actor(BOOK)!.snapshot.value).toBe('long');
      expect(await e.db.db.selectFrom('fills').selectAll().execute()).toEqual([
        {
          venue: VENUE,
          trade_id: 't1',
          client_order_id: 'o1',
          venue_order_id: '1',
          symbol: SYMBOL,
          side: 'buy',
          price: '99',
          quantity: '0.04',
          fee: '0.000396',
          fee_currency: 'USDT',
          liquidity: 'maker',
          at: T0 + 10,
          status: 'applied',
          recorded_at: T0,
        },
      ]);
      expect(await e.db.db.selectFrom('positions').selectAll().execute()).toEqual([
        {
          venue: VENUE,
          symbol: SYMBOL,
          quantity: '0.04',
          average_price: '99',
          realized_pnl: '0',
          fees: JSON.stringify({ USDT: '0.000396' }),
          fill_count: 1,
          updated_at: T0 + 10,
        },
      ]);
      expect(await e.db.db.selectFrom('orders').select(['state']).execute()).toEqual([
        { state: 'partiallyFilled' },
      ]);
      const journal = await e.db.db.selectFrom('journal').selectAll().orderBy('seq').execute();
      const added = journal.slice(seqBefore);
      expect(added.map((j) => [j.actor_id, j.event_type, j.state])).toEqual([
        [O1, 'ORDER_FILLED', 'partiallyFilled'],
        [BOOK, 'APPLY_FILL', 'long'],
      ]);
      expect(new Set(added.map((j) => j.batch)).size).toBe(1);
      // pushed fills never move the trade cursor: only a completed gap-fill does (see reconcile.ts)
      expect(await e.store.getMeta(`tradeCursor/${VENUE}/${SYMBOL}`)).toBeUndefined();
    });

    it('rewrites the orders row on lifecycle changes only, not on every fill', async () => {
      const e = await openOrder();
      const ordersRow = () =>
        e.db.db.selectFrom('orders').select(['state', 'updated_at']).executeTakeFirstOrThrow();
      expect(await apply(e, rawFill({ tradeId: 't1', at: T0 + 10 }))).toBe('applied');
      expect(await ordersRow()).toEqual({ state: 'partiallyFilled', updated_at: T0 + 10 });
      expect(await apply(e, rawFill({ tradeId: 't2', at: T0 + 20 }))).toBe('applied');
      expect(await ordersRow()).toEqual({ state: 'partiallyFilled', updated_at: T0 + 10 });
      expect((e.runtime.actor(O1)!.snapshot.context as OrderContext).filledQuantity).toBe('0.08');
      expect(await apply(e, rawFill({ tradeId: 't3', quantity: '0.02', at: T0 + 30 }))).toBe('applied');
      expect(await ordersRow()).toEqual({ state: 'filled', updated_at: T0 + 30 });
    });

    it('ignores the same fill (same tradeId) delivered again: no new rows at all', async () => {
      const e = await openOrder();
      expect(await apply(e, rawFill())).toBe('applied');
      const before = await dumpTables(e.db.db);
      expect(await apply(e, rawFill())).toBe('duplicate');
      expect(await apply(e, rawFill({ at: T0 + 99 }))).toBe('duplicate');
      expect(await dumpTables(e.db.db)).toEqual(before);
    });

    it('ignores a duplicate that arrives in the same batch as the original', async () => {
      const e = await openOrder();
      const batches = e.runtime.stats.batches;
      const outcomes = await Promise.all([apply(e, rawFill()), apply(e, rawFill())]);
      expect(outcomes).toEqual(['applied', 'duplicate']);
      expect(e.runtime.stats.batches - batches).toBe(1);
      expect(await fillStatuses(e)).toEqual([{ trade_id: 't1', client_order_id: 'o1', status: 'applied' }]);
      expect(await positions(e)).toEqual([{ quantity: '0.04', average_price: '99', fill_count: 1 }]);
      expect((e.runtime.actor(O1)!.snapshot.context as OrderContext).filledQuantity).toBe('0.04');
      const journal = await e.db.db.selectFrom('journal').select('event_type').execute();
      expect(journal.filter((j) => j.event_type === 'ORDER_FILLED')).toHaveLength(1);
      expect(journal.filter((j) => j.event_type === 'APPLY_FILL')).toHaveLength(1);
    });

    it('applies an overfill (the venue traded it): order filled past its quantity, position moved, alert recorded', async () => {
      const e = await openOrder();
      expect(await apply(e, rawFill({ tradeId: 't1', quantity: '0.08' }))).toBe('applied');
      expect(await apply(e, rawFill({ tradeId: 't2', quantity: '0.05' }))).toBe('applied');

      expect(await fillStatuses(e)).toEqual([
        { trade_id: 't1', client_order_id: 'o1', status: 'applied' },
        { trade_id: 't2', client_order_id: 'o1', status: 'applied' },
      ]);
      expect(await positions(e)).toEqual([{ quantity: '0.13', average_price: '99', fill_count: 2 }]);
      const anomalies = await e.db.db.selectFrom('anomalies').selectAll().execute();
      expect(anomalies.map((a) => [a.kind, a.subject, a.count, a.acknowledged_at])).toEqual([
        ['order-overfilled', 'paper:o1', 1, null],
      ]);
      expect(JSON.parse(anomalies[0]!.detail)).toEqual({
        clientOrderId: 'o1',
        quantity: '0.1',
        filledQuantity: '0.13',
        tradeId: 't2',
      });
      const { value, context: c } = await orderContext(e);
      expect([value, c.filledQuantity, c.tradeIds]).toEqual(['filled', '0.13', ['t1', 't2']]);
      expect(await e.db.db.selectFrom('orders').select(['state', 'anomalies']).execute()).toEqual([
        { state: 'filled', anomalies: 1 },
      ]);

      const before = await dumpTables(e.db.db);
      expect(await apply(e, rawFill({ tradeId: 't2', quantity: '0.05' }))).toBe('duplicate');
      expect(await dumpTables(e.db.db)).toEqual(before);
    });

    it('holds a reused trade id with other content as contested: recorded, not applied, both versions in the anomaly', async () => {
      const e = await openOrder();
      expect(await apply(e, rawFill({ tradeId: 't1', quantity: '0.04' }))).toBe('applied');
      expect(await apply(e, rawFill({ tradeId: 't1', quantity: '0.03', price: '98.5' }))).toBe('contested');
      const rows = await e.db.db
        .selectFrom('fills')
        .select(['trade_id', 'status', 'quantity'])
        .orderBy('recorded_at')
        .execute();
      expect(rows[0]).toEqual({ trade_id: 't1', status: 'applied', quantity: '0.04' });
      expect(rows[1]).toMatchObject({ status: 'contested', quantity: '0.03' });
      expect(rows[1]!.trade_id).toMatch(/^t1~[0-9a-f]{12}$/);
      expect(await positions(e)).toEqual([{ quantity: '0.04', average_price: '99', fill_count: 1 }]);
      const anomalies = await e.db.db.selectFrom('anomalies').selectAll().execute();
      expect(anomalies.map((a) => [a.kind, a.subject])).toEqual([['trade-id-reused', 'paper:t1']]);
      const detail = JSON.parse(anomalies[0]!.detail) as {
        recorded: { quantity: string };
        reported: { price: string };
      };
      expect([detail.recorded.quantity, detail.reported.price]).toEqual(['0.04', '98.5']);
      // either version delivered again is a duplicate
      const before = await dumpTables(e.db.db);
      expect(await apply(e, rawFill({ tradeId: 't1', quantity: '0.03', price: '98.5' }))).toBe('duplicate');
      expect(await apply(e, rawFill({ tradeId: 't1', quantity: '0.04' }))).toBe('duplicate');
      expect(await dumpTables(e.db.db)).toEqual(before);
    });

    it('records a fill of an unknown clientOrderId as an anomaly and still moves the position', async () => {
      const e = await openOrder();
      const ghost = rawFill({
        tradeId: 't-ghost',
        clientOrderId: 'ghost',
        venueOrderId: '999',
        quantity: '0.02',
      });
      expect(await apply(e, ghost)).toBe('orphan');
      expect(await fillStatuses(e)).toEqual([
        { trade_id: 't-ghost', client_order_id: 'ghost', status: 'orphan' },
      ]);
      const anomalies = await e.db.db.selectFrom('anomalies').select(['kind', 'subject', 'count']).execute();
      expect(anomalies).toEqual([{ kind: 'unknown-order-fill', subject: 'paper:t-ghost', count: 1 }]);
      expect(await positions(e)).toEqual([{ quantity: '0.02', average_price: '99', fill_count: 1 }]);
      expect(e.runtime.actor(orderActorId('ghost'))).toBeUndefined();
      const ids = await e.db.db.selectFrom('actors').select('id').orderBy('id').execute();
      expect(ids.map((r) => r.id)).toEqual([BOOK, O1]);
      expect((e.runtime.actor(O1)!.snapshot.context as OrderContext).filledQuantity).toBe('0');
    });

    it("takes the fill's clientOrderId as the venue port delivers it: null (the venue names no order of ours) is never guessed from the venueOrderId", async () => {
      // The adapter maps venue order ids to clientOrderIds (asking the venue when it must): a fill that still
      // has none is of an order placed elsewhere. It moves the position and is recorded, not matched here.
      const e = await openOrder();
      expect(await apply(e, rawFill({ clientOrderId: null, venueOrderId: '1' }))).toBe('orphan');
      expect(await fillStatuses(e)).toEqual([{ trade_id: 't1', client_order_id: null, status: 'orphan' }]);
      expect((e.runtime.actor(O1)!.snapshot.context as OrderContext).filledQuantity).toBe('0');
      const anomalies = await e.db.db.selectFrom('anomalies').select(['kind', 'subject']).execute();
      expect(anomalies).toEqual([{ kind: 'unknown-order-fill', subject: 'paper:t1' }]);
      expect(await positions(e)).toEqual([{ quantity: '0.04', average_price: '99', fill_count: 1 }]);
    });

    it('a fill of an order that is terminal (not in memory) loads it; a fill after the cancel is an anomaly', async () => {
      const e = await openOrder();
      expect(await apply(e, rawOrder({ status: 'cancelled', filledQuantity: '0' }))).toBe('applied');
      expect(e.runtime.actor(O1)).toBeUndefined();
      expect(await apply(e, rawFill())).toBe('applied');
      expect(await fillStatuses(e)).toEqual([{ trade_id: 't1', client_order_id: 'o1', status: 'applied' }]);
      expect((await orderContext(e)).context.filledQuantity).toBe('0.04');
      const anomalies = await e.db.db.selectFrom('anomalies').selectAll().execute();
      expect(anomalies.map((a) => [a.kind, a.subject])).toEqual([['fill-after-close', 'paper:t1']]);
      expect(JSON.parse(anomalies[0]!.detail)).toMatchObject({ clientOrderId: 'o1', state: 'cancelled' });
      expect(await positions(e)).toEqual([{ quantity: '0.04', average_price: '99', fill_count: 1 }]);
    });
  });

  describe('OnOrderUpdate: order reports and ordering', () => {
    it('records a report of an unknown clientOrderId as an anomaly and changes no actor', async () => {
      const e = await openOrder();
      const actorsBefore = await e.db.db.selectFrom('actors').selectAll().execute();
      const report = rawOrder({ clientOrderId: 'ghost', venueOrderId: '998' });
      expect(await apply(e, report)).toBe('orphan');
      const anomalies = await e.db.db.selectFrom('anomalies').select(['kind', 'subject', 'count']).execute();
      expect(anomalies).toEqual([{ kind: 'unknown-order', subject: 'paper:998', count: 1 }]);
      expect(await apply(e, report)).toBe('orphan');
      expect(await e.db.db.selectFrom('anomalies').select('count').execute()).toEqual([{ count: 2 }]);
      expect(await e.db.db.selectFrom('actors').selectAll().execute()).toEqual(actorsBefore);
    });

    it('a fill that arrives before the place reply: the order, book and late reply end consistent', async () => {
      const e = await setup({ latencyMs: { min: 50, max: 50 } });
      await e.runtime.send(O1, { type: 'SUBMIT' });
      await advance(clock, e.runtime, 50); // the request reaches the venue; its reply is still on the way
      expect(requestKinds(venueFile(tmp.dir))).toEqual([['place', 'accepted']]);
      expect(e.runtime.actor(O1)!.snapshot.value).toBe('submitting');

      expect(await apply(e, rawFill())).toBe('applied');
      expect(e.runtime.actor(O1)!.snapshot.value).toBe('partiallyFilled');
      await advance(clock, e.runtime, 50); // the place reply arrives late: recorded, applied to nobody
      const place = await e.db.db.selectFrom('outbox').select(['status', 'result']).executeTakeFirstOrThrow();
      expect(place.status).toBe('abandoned');
      expect(JSON.parse(place.result!)).toMatchObject({
        type: 'xstate.done.actor.placeOrder',
        output: { venueOrderId: '1', status: 'open' },
      });
      expect(await apply(e, rawOrder({ status: 'open', filledQuantity: '0' }))).toBe('ignored');

      const { value, context } = await orderContext(e);
      expect([value, context.filledQuantity, context.venueOrderId]).toEqual(['partiallyFilled', '0.04', '1']);
      expect(await positions(e)).toEqual([{ quantity: '0.04', average_price: '99', fill_count: 1 }]);
      expect(await e.db.db.selectFrom('orders').select(['state', 'venue_order_id']).execute()).toEqual([
        { state: 'partiallyFilled', venue_order_id: '1' },
      ]);
      await idle(e.runtime);
      expect(e.runtime.openCalls).toBe(0);
    });

    it('a cancelled report before the late fill: the order ends cancelled with the fill, the position moved', async () => {
      const e = await openOrder();
      expect(await apply(e, rawOrder({ status: 'cancelled', filledQuantity: '0.04' }))).toBe('applied');
      expect(e.runtime.actor(O1)).toBeUndefined();
      expect(await apply(e, rawFill())).toBe('applied');

      const { value, context } = await orderContext(e);
      expect([value, context.filledQuantity, context.venueFilledQuantity, context.tradeIds]).toEqual([
        'cancelled',
        '0.04',
        '0.04',
        ['t1'],
      ]);
      expect(await fillStatuses(e)).toEqual([{ trade_id: 't1', client_order_id: 'o1', status: 'applied' }]);
      expect(await positions(e)).toEqual([{ quantity: '0.04', average_price: '99', fill_count: 1 }]);
      expect(await e.db.db.selectFrom('orders').select(['state']).execute()).toEqual([
        { state: 'cancelled' },
      ]);
      // a repeated cancelled report changes nothing but leaves its trace as an ignored fact
      const before = await dumpTables(e.db.db);
      expect(await apply(e, rawOrder({ status: 'cancelled', filledQuantity: '0.04' }))).toBe('ignored');
      const after = await dumpTables(e.db.db);
      expect(after.ignored_facts).toHaveLength(1);
      expect({ ...after, ignored_facts: [] }).toEqual(before);
    });

    it('a venue fact the order does not take is recorded with the state it met and why; snapshot and journal stay', async () => {
      const e = await openOrder();
      expect(await apply(e, rawOrder({ status: 'cancelled', filledQuantity: '0' }))).toBe('applied');
      const { rev } = await e.db.db
        .selectFrom('actors')
        .select('rev')
        .where('id', '=', O1)
        .executeTakeFirstOrThrow();
      const before = await dumpTables(e.db.db);
      // an acceptance report overtaken by the cancel: the cancelled order does not take it
      expect(await apply(e, rawOrder({ status: 'open', filledQuantity: '0' }))).toBe('ignored');

      const after = await dumpTables(e.db.db);
      expect({ ...after, ignored_facts: [] }).toEqual(before);
      const rows = await e.db.db.selectFrom('ignored_facts').selectAll().execute();
      expect(rows.map((r) => [r.actor_id, Number(r.rev), r.event_type, r.state, r.reason])).toEqual([
        [
          O1,
          Number(rev),
          'ORDER_ACCEPTED',
          'cancelled',
          "'cancelled' does not take ORDER_ACCEPTED (no transition, or its guards refused it)",
        ],
      ]);
      expect(JSON.parse(rows[0]!.event)).toMatchObject({
        type: 'ORDER_ACCEPTED',
        venueOrderId: '1',
        filledQuantity: '0',
      });

      // the operator's view of the order shows it, and the status report counts it
      const shown = await readOrder(e.db.db, 'o1', O1);
      expect(shown!.ignoredFacts.map((f) => [f.eventType, f.state])).toEqual([
        ['ORDER_ACCEPTED', 'cancelled'],
      ]);
      expect((await readStatus(e.db.db)).ignoredFacts).toBe(1);
      // a command the state does not handle is no venue fact: no row
      await e.runtime.enqueue(
        workCommand<undefined>({
          kind: 'work',
          name: 'test.submitAgain',
          actorIds: [O1],
          run: (tx) => tx.send(O1, { type: 'SUBMIT', at: T0 }),
        }),
      );
      expect(await e.db.db.selectFrom('ignored_facts').selectAll().execute()).toHaveLength(1);
    });
  });
});
