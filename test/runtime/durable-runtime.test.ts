import { beforeEach, describe, expect, it } from 'vitest';
import type { AnyEventObject, SimulatedClock } from 'xstate';
import { onOrderUpdate } from '../../src/engine/on-order-update.js';
import { parseVenueEvent } from '../../src/adapters/venue-event-schema.js';
import { orderActorId } from '../../src/machines/messages.js';
import type { OrderContext } from '../../src/machines/order.machine.js';
import { openEngineDatabaseReadOnly } from '../../src/persistence/open-database.js';
import type { OutboxRow } from '../../src/runtime/types.js';
import {
  SYMBOL,
  ScriptedEffects,
  T0,
  VENUE,
  advance,
  deferred,
  doneEvent,
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
  venueFile,
  venueView,
} from '../support/engine-harness.js';
import type { EffectsFactory, EngineHandle } from '../support/engine-harness.js';
import { tempDirPerTest } from '../support/test-dir.js';
import { dialectMatrix } from '../support/dialects.js';

const tmp = tempDirPerTest('runtime');
const { cleanups } = tmp;
let clock: SimulatedClock;

beforeEach(() => {
  clock = newClock();
});

async function engine(
  effects: ScriptedEffects | EffectsFactory,
  at: SimulatedClock = clock,
): Promise<EngineHandle> {
  const e = await openEngine({ file: target(), clock: at, effects });
  cleanups.push(() => e.close());
  await e.runtime.start();
  return e;
}

const O1 = orderActorId('o1');
const file = () => target();

/** The dialect matrix: `target()` is the current case's engine database (a SQLite file or a PostgreSQL URL). */
const matrix = dialectMatrix(() => engineFile(tmp.dir));
const target = matrix.target;

matrix.each(() => {
  describe('intent before effect', () => {
    it('has committed the outbox row and the submitting snapshot when the call is executed', async () => {
      const seen: unknown[] = [];
      const effects = new ScriptedEffects((row: OutboxRow) =>
        (async (): Promise<AnyEventObject> => {
          const ro = await openEngineDatabaseReadOnly(file()); // a separate connection sees only committed data
          try {
            const outbox = await ro.selectFrom('outbox').selectAll().execute();
            const actor = await ro.selectFrom('actors').selectAll().where('id', '=', row.actorId).execute();
            const journal = await ro.selectFrom('journal').select(['rev', 'event_type', 'state']).execute();
            const snapshot = JSON.parse(actor[0]!.snapshot) as { value: unknown; children: object };
            seen.push({
              outbox,
              actor: actor.map((a) => [a.rev, a.state]),
              value: snapshot.value,
              children: Object.keys(snapshot.children),
              journal,
            });
          } finally {
            await ro.destroy();
          }
          return doneEvent(row, venueView(clock.now()));
        })(),
      );
      const { runtime, db } = await engine(effects);
      await runtime.spawn(O1, 'order', orderInput('o1'));
      await runtime.send(O1, { type: 'SUBMIT' });
      await runtime.settle(5000);

      const key = `${O1}/placeOrder/2`;
      const input = { clientOrderId: 'o1', symbol: SYMBOL, side: 'buy', type: 'limit', price: '99' };
      expect(seen).toEqual([
        {
          outbox: [
            {
              key,
              actor_id: O1,
              child_id: 'placeOrder',
              src: 'placeOrder',
              input: JSON.stringify({ ...input, quantity: '0.1', attempt: 1 }),
              status: 'pending',
              created_at: T0,
              closed_at: null,
              result: null,
            },
          ],
          actor: [[2, 'submitting']],
          value: 'submitting',
          children: ['placeOrder'],
          journal: [
            { rev: 1, event_type: 'xstate.init', state: 'pendingNew' },
            { rev: 2, event_type: 'SUBMIT', state: 'submitting' },
          ],
        },
      ]);
      expect(effects.calls.map((c) => c.key)).toEqual([key]);
      const after = await db.db.selectFrom('outbox').select(['status', 'result']).execute();
      expect(after).toEqual([
        { status: 'done', result: JSON.stringify(doneEvent(effects.calls[0]!, venueView(T0))) },
      ]);
      expect(runtime.actor(O1)!.snapshot.value).toBe('open');
    });
  });

  describe('group commit', () => {
    it('commits commands enqueued together in one transaction (one journal batch)', async () => {
      const { runtime, db } = await engine(new ScriptedEffects(() => 'hang'));
      const ids = Array.from({ length: 8 }, (_, i) => `g${i}`);
      const batchesBefore = runtime.stats.batches;
      await Promise.all(ids.map((id) => runtime.spawn(orderActorId(id), 'order', orderInput(id))));
      await Promise.all(ids.map((id) => runtime.send(orderActorId(id), { type: 'SUBMIT' })));
      expect(runtime.stats.batches - batchesBefore).toBe(2);

      const rows = await db.db
        .selectFrom('journal')
        .select(['batch', 'event_type as eventType'])
        .orderBy('seq')
        .execute();
      const batchesOf = (type: string) => [
        ...new Set(rows.filter((r) => r.eventType === type).map((r) => r.batch)),
      ];
      expect(rows).toHaveLength(16);
      expect(batchesOf('xstate.init')).toEqual([1]);
      expect(batchesOf('SUBMIT')).toEqual([2]);
      expect(await db.db.selectFrom('outbox').select('key').orderBy('key').execute()).toEqual(
        ids.map((id) => ({ key: `${orderActorId(id)}/placeOrder/2` })),
      );
    });

    it('numbers batches on from the newest journal row after a restart', async () => {
      const first = await engine(new ScriptedEffects(() => 'hang'));
      await first.runtime.spawn(O1, 'order', orderInput('o1'));
      await first.runtime.send(O1, { type: 'SUBMIT' });
      await first.runtime.send(O1, { type: 'CANCEL_ORDER' });
      await first.close();
      const second = await engine(new ScriptedEffects(() => 'hang'));
      await second.runtime.spawn(orderActorId('o2'), 'order', orderInput('o2'));
      const rows = await second.db.db.selectFrom('journal').select(['batch']).orderBy('seq').execute();
      expect(rows.map((r) => Number(r.batch))).toEqual([1, 2, 3, 4]);
    });
  });

  describe('durable timers', () => {
    const ACK = 'xstate.after.ACK_TIMEOUT.order.submitting';
    const lookupHangs = () => new ScriptedEffects(() => 'hang');

    async function submitAndClose(): Promise<void> {
      const first = await engine(lookupHangs());
      await first.runtime.spawn(O1, 'order', orderInput('o1'));
      await first.runtime.send(O1, { type: 'SUBMIT' });
      await advance(clock, first.runtime, 2999); // not due yet
      expect(first.runtime.actor(O1)!.snapshot.value).toBe('submitting');
      expect(await first.db.db.selectFrom('timers').selectAll().execute()).toEqual([
        { actor_id: O1, timer_id: ACK, event: JSON.stringify({ type: ACK }), due_at: T0 + 3000 },
      ]);
      await first.close();
    }

    it('stores the ACK timeout, keeps it across a restart, and fires it once the new clock is past due', async () => {
      await submitAndClose();
      const later = newClock(T0 + 10_000);
      const effects = lookupHangs();
      const second = await engine(effects, later);
      later.increment(1);
      await idle(second.runtime);

      const order = second.runtime.actor(O1)!;
      expect(order.snapshot.value).toEqual({ unconfirmed: 'lookingUp' });
      expect((order.snapshot.context as OrderContext).landingDeadline).toBe(T0 + 10_001 + 5000);
      // the recovered place was offered to recovery (the double re-dispatches it); then the lookup went out
      expect(effects.srcs()).toEqual(['placeOrder', 'lookupOrder']);
      expect(effects.calls[1]!.input).toEqual({
        clientOrderId: 'o1',
        symbol: SYMBOL,
        venueOrderId: null,
        createdAt: T0,
        search: false,
      });
      expect(await second.db.db.selectFrom('timers').selectAll().execute()).toEqual([]);
      const journal = await second.store.journalOf(O1);
      expect(journal.slice(2).map((j) => [j.eventType, j.state, j.at])).toEqual([
        [ACK, 'unconfirmed.lookingUp', T0 + 10_001],
      ]);
      const outbox = await second.db.db
        .selectFrom('outbox')
        .select(['src', 'status'])
        .orderBy('created_at')
        .execute();
      expect(outbox).toEqual([
        { src: 'placeOrder', status: 'abandoned' },
        { src: 'lookupOrder', status: 'pending' },
      ]);
    });

    it('fires a restored timer exactly at its stored due time, not earlier', async () => {
      await submitAndClose();
      const later = newClock(T0 + 2000);
      const second = await engine(lookupHangs(), later);
      await advance(later, second.runtime, 999);
      expect(second.runtime.actor(O1)!.snapshot.value).toBe('submitting');
      await advance(later, second.runtime, 1);
      expect(second.runtime.actor(O1)!.snapshot.value).toEqual({ unconfirmed: 'lookingUp' });
    });
  });

  describe('durable timers set and cancelled in one batch', () => {
    const CANCEL_TIMEOUT = 'xstate.after.CANCEL_TIMEOUT.order.pendingCancel';

    it('leave no timer row: a cancel request and the fill that completes the order, committed together', async () => {
      const { runtime, db } = await engine(new ScriptedEffects(() => 'hang'));
      await runtime.spawn(O1, 'order', orderInput('o1'));
      await runtime.send(O1, { type: 'ORDER_ACCEPTED', venueOrderId: 'v1', filledQuantity: '0' });
      const batches = runtime.stats.batches;
      // One burst, one batch: pendingCancel arms CANCEL_TIMEOUT, the completing fill leaves it (and disarms it).
      await Promise.all([
        runtime.send(O1, { type: 'CANCEL_ORDER' }),
        runtime.send(O1, {
          type: 'ORDER_FILLED',
          venueOrderId: 'v1',
          tradeId: 't1',
          price: '99',
          quantity: '0.1',
          fee: '0',
          feeCurrency: 'USDT',
        }),
      ]);
      expect(runtime.stats.batches).toBe(batches + 1);
      const journal = await db.db
        .selectFrom('journal')
        .select(['event_type', 'state'])
        .where('actor_id', '=', O1)
        .orderBy('rev')
        .execute();
      expect(journal.slice(-2)).toEqual([
        { event_type: 'CANCEL_ORDER', state: 'pendingCancel' },
        { event_type: 'ORDER_FILLED', state: 'filled' },
      ]);
      expect(await db.db.selectFrom('timers').selectAll().execute()).toEqual([]);
    });

    it('a stale timer of a terminal actor (left by an earlier version) is dropped at its first firing, quietly', async () => {
      const first = await engine(new ScriptedEffects(() => 'hang'));
      await first.runtime.spawn(O1, 'order', orderInput('o1'));
      await first.runtime.send(O1, { type: 'CANCEL_ORDER' }); // pendingNew -> cancelled: terminal
      // What the earlier version left behind: the timer row of a state the actor has left.
      await first.db.db
        .insertInto('timers')
        .values({
          actor_id: O1,
          timer_id: CANCEL_TIMEOUT,
          event: JSON.stringify({ type: CANCEL_TIMEOUT }),
          due_at: T0,
        })
        .execute();
      await first.close();

      const second = await engine(new ScriptedEffects(() => 'hang'));
      clock.increment(1);
      await idle(second.runtime);
      expect(second.errors).toEqual([]);
      expect(await second.db.db.selectFrom('timers').selectAll().execute()).toEqual([]);
      const row = await second.db.db
        .selectFrom('actors')
        .selectAll()
        .where('id', '=', O1)
        .executeTakeFirstOrThrow();
      expect([row.state, row.live, row.rev]).toEqual(['cancelled', 0, 2]);
    });
  });

  describe('terminal actors', () => {
    async function paperEngine(): Promise<EngineHandle> {
      const venue = openPaper(venueFile(tmp.dir), clock);
      cleanups.push(() => venue.close());
      return engine(paperEffects(venue, clock));
    }

    it('leave memory once cancelled, and a late fill still applies to them from the database', async () => {
      const { runtime, db, store } = await paperEngine();
      await runtime.spawn(O1, 'order', orderInput('o1'));
      await runtime.send(O1, { type: 'SUBMIT' });
      await runtime.settle(5000);
      await runtime.send(O1, { type: 'CANCEL_ORDER' });
      await runtime.settle(5000);
      expect(runtime.actor(O1)).toBeUndefined();
      const row = () => db.db.selectFrom('actors').selectAll().where('id', '=', O1).executeTakeFirstOrThrow();
      const cancelled = await row();
      expect([cancelled.state, cancelled.live]).toEqual(['cancelled', 0]);

      const fill = parseVenueEvent(rawFill({ tradeId: 't-late', quantity: '0.04' }));
      expect(await runtime.enqueue(onOrderUpdate(VENUE, store, fill))).toBe('applied');
      const after = await row();
      expect([after.rev, after.state, after.live]).toEqual([cancelled.rev + 1, 'cancelled', 0]);
      const context = (JSON.parse(after.snapshot) as { context: OrderContext }).context;
      expect([context.filledQuantity, context.tradeIds]).toEqual(['0.04', ['t-late']]);
      expect(runtime.actor(O1)).toBeUndefined();
      const orders = await db.db.selectFrom('orders').select(['state']).execute();
      expect(orders).toEqual([{ state: 'cancelled' }]);
      expect(await db.db.selectFrom('fills').select(['trade_id', 'status']).execute()).toEqual([
        { trade_id: 't-late', status: 'applied' },
      ]);
    });

    it('leave memory once filled; a late report is loaded, ignored, changes nothing, and is recorded as ignored', async () => {
      const { runtime, db, store } = await paperEngine();
      await runtime.spawn(O1, 'order', orderInput('o1'));
      await runtime.send(O1, { type: 'SUBMIT' });
      await runtime.settle(5000);
      const fill = parseVenueEvent(rawFill({ tradeId: 't-all', quantity: '0.1' }));
      expect(await runtime.enqueue(onOrderUpdate(VENUE, store, fill))).toBe('applied');
      expect(runtime.actor(O1)).toBeUndefined();
      const before = await dumpTables(db.db);
      expect(before.actors!.filter((a) => (a as { id: string }).id === O1)).toMatchObject([
        { state: 'filled', live: 0 },
      ]);

      const report = parseVenueEvent(rawOrder({ status: 'filled', filledQuantity: '0.1' }));
      expect(await runtime.enqueue(onOrderUpdate(VENUE, store, report))).toBe('ignored');
      expect(runtime.actor(O1)).toBeUndefined();
      const after = await dumpTables(db.db);
      expect({ ...after, ignored_facts: [] }).toEqual(before);
      expect(after.ignored_facts).toMatchObject([
        { actor_id: O1, event_type: 'ORDER_COMPLETED', state: 'filled' },
      ]);
    });
  });

  describe('actor ids', () => {
    it('refuses to spawn over a terminal actor that is no longer in memory, without halting', async () => {
      const { runtime, db } = await engine(new ScriptedEffects(() => 'hang'));
      await runtime.spawn(O1, 'order', orderInput('o1'));
      await runtime.send(O1, { type: 'CANCEL_ORDER' }); // pendingNew -> cancelled: terminal, leaves memory
      expect(runtime.actor(O1)).toBeUndefined();
      const before = await dumpTables(db.db);

      const outcome = await runtime.spawn(O1, 'order', orderInput('o1')).then(
        () => null,
        (err: unknown) => err as { code?: string; message?: string },
      );
      expect(outcome).toMatchObject({ code: 'INVALID_INPUT', message: `actor ${O1} already exists` });
      expect(runtime.failure).toBeNull();
      expect(await dumpTables(db.db)).toEqual(before);
      expect(await runtime.spawn(orderActorId('o2'), 'order', orderInput('o2'))).toBe(orderActorId('o2'));
    });
  });

  describe('late call results', () => {
    it('records a result that arrives for an abandoned outbox row and changes no actor', async () => {
      const place = deferred<AnyEventObject>();
      const effects = new ScriptedEffects((row) => {
        if (row.src === 'placeOrder') return place.promise;
        const now = clock.now();
        return doneEvent(row, { order: venueView(now, { venueOrderId: '1' }), sentAt: now, at: now });
      });
      const { runtime, db } = await engine(effects);
      await runtime.spawn(O1, 'order', orderInput('o1'));
      await runtime.send(O1, { type: 'SUBMIT' });
      await advance(clock, runtime, 3000); // ACK timeout -> unconfirmed -> lookup finds it -> open
      expect(runtime.actor(O1)!.snapshot.value).toBe('open');
      const placeKey = `${O1}/placeOrder/2`;
      const placeRow = () =>
        db.db
          .selectFrom('outbox')
          .select(['status', 'result', 'closed_at'])
          .where('key', '=', placeKey)
          .executeTakeFirstOrThrow();
      expect(await placeRow()).toEqual({ status: 'abandoned', result: null, closed_at: T0 + 3000 });
      const actorsBefore = await db.db.selectFrom('actors').selectAll().execute();
      const journalBefore = await db.db.selectFrom('journal').selectAll().execute();
      const revBefore = runtime.actor(O1)!.rev;

      const late = doneEvent(effects.calls[0]!, venueView(T0, { venueOrderId: '1' }));
      place.resolve(late);
      await idle(runtime);

      expect(await placeRow()).toEqual({
        status: 'abandoned',
        result: JSON.stringify(late),
        closed_at: T0 + 3000,
      });
      expect(await db.db.selectFrom('actors').selectAll().execute()).toEqual(actorsBefore);
      expect(await db.db.selectFrom('journal').selectAll().execute()).toEqual(journalBefore);
      expect(runtime.actor(O1)!.rev).toBe(revBefore);
      expect(runtime.failure).toBeNull();
    });
  });

  describe('stop', () => {
    it('applies no answer that comes after the stop: the intent stays open for the next start, nothing fails', async () => {
      const answer = deferred<AnyEventObject>();
      let call: OutboxRow | undefined;
      const effects = new ScriptedEffects((row) => {
        call = row;
        return answer.promise;
      });
      const e = await engine(effects);
      await e.runtime.spawn(O1, 'order', orderInput('o1'));
      await e.runtime.send(O1, { type: 'SUBMIT' });
      expect(call?.src).toBe('placeOrder');
      await e.runtime.stop();
      // The venue answers once the runtime has stopped (the engine closes the database right after it).
      answer.resolve(doneEvent(call!, venueView(clock.now())));
      await new Promise((r) => setImmediate(r));
      expect(e.runtime.failure).toBeNull();
      expect(e.errors).toEqual([]);
      await expect(e.runtime.send(O1, { type: 'CANCEL_ORDER' })).rejects.toMatchObject({
        code: 'RUNTIME_STOPPED',
      });
      await e.close();
      const ro = await openEngineDatabaseReadOnly(file());
      try {
        const outbox = await ro.selectFrom('outbox').select(['src', 'status']).execute();
        expect(outbox).toEqual([{ src: 'placeOrder', status: 'pending' }]);
      } finally {
        await ro.destroy();
      }
    });
  });
});
