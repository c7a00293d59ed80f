import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimulatedClock } from 'xstate';
import { machineRegistry } from '../../src/machines/registry.js';
import { adjusterActorId, bookActorId, orderActorId } from '../../src/machines/messages.js';
import type { AdjustOrdersInput } from '../../src/machines/adjust-orders.machine.js';
import type { PositionBookInput } from '../../src/machines/position-book.machine.js';
import { rebuildFromJournal } from '../../src/runtime/rebuild.js';
import type { OutboxRow } from '../../src/runtime/types.js';
import {
  SYMBOL,
  ScriptedEffects,
  T0,
  VENUE,
  doneEvent,
  engineFile,
  errorEvent,
  idle,
  newClock,
  openEngine,
  orderInput,
  venueView,
} from '../support/engine-harness.js';
import type { Answer, EngineHandle } from '../support/engine-harness.js';
import { tempDir } from '../support/tmp.js';
import { dialectMatrix } from '../support/dialects.js';

let tmp: { dir: string; cleanup: () => void };
let clock: SimulatedClock;
const open: EngineHandle[] = [];

beforeEach(() => {
  tmp = tempDir('roundtrip');
  clock = newClock();
});

afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
  tmp.cleanup();
});

async function engine(effects: ScriptedEffects): Promise<EngineHandle> {
  const e = await openEngine({ file: target(), clock, effects });
  open.push(e);
  return e;
}

async function closeEngine(e: EngineHandle): Promise<void> {
  open.splice(open.indexOf(e), 1);
  await e.close();
}

const cid = (row: OutboxRow) => row.actorId.slice('order/'.length);

/** The venue side of phase one: which orders get answers, and which calls hang "at the crash". */
function firstRunScript(row: OutboxRow): Answer {
  const now = clock.now();
  if (row.src === 'placeOrder') {
    if (cid(row) === 'o-unc')
      return errorEvent(row, { kind: 'unknown', message: 'connection reset', at: now });
    if (['o-open', 'o-part', 'o-cxl'].includes(cid(row)))
      return doneEvent(row, venueView(now, { venueOrderId: `v-${cid(row)}` }));
    return 'hang';
  }
  if (row.src === 'lookupOrder') return doneEvent(row, { order: null, sentAt: now, at: now });
  return 'hang';
}

const bookId = bookActorId(VENUE, SYMBOL);
const adjusterId = adjusterActorId(VENUE, SYMBOL);
const timeouts = { ackMs: 3000, cancelMs: 3000, lookupRetryMs: 1000, absenceProofMs: 10_000 };

async function buildEveryState(e: EngineHandle): Promise<void> {
  const { runtime } = e;
  for (const id of ['o-new', 'o-sub', 'o-open', 'o-part', 'o-cxl', 'o-unc'])
    await runtime.spawn(orderActorId(id), 'order', orderInput(id));
  for (const id of ['o-sub', 'o-open', 'o-part', 'o-cxl', 'o-unc'])
    await runtime.send(orderActorId(id), { type: 'SUBMIT' });
  await idle(runtime);
  await runtime.send(orderActorId('o-part'), {
    type: 'ORDER_FILLED',
    tradeId: 't1',
    venueOrderId: 'v-o-part',
    price: '99',
    quantity: '0.03',
    fee: '0.001',
    feeCurrency: 'USDT',
    at: T0 + 1,
  });
  await runtime.send(orderActorId('o-cxl'), { type: 'CANCEL_ORDER' });
  const bookInput: PositionBookInput = { venue: VENUE, symbol: SYMBOL, at: T0 };
  await runtime.spawn(bookId, 'positionBook', bookInput);
  for (const [tradeId, price, quantity] of [
    ['t1', '99', '0.03'],
    ['t2', '98', '0.02'],
  ] as const) {
    const fill = { tradeId, side: 'buy', price, quantity, fee: '0.001', feeCurrency: 'USDT', at: T0 + 2 };
    await runtime.send(bookId, { type: 'APPLY_FILL', ...fill });
  }
  const adjusterInput: AdjustOrdersInput = {
    venue: VENUE,
    symbol: SYMBOL,
    maxOpenOrders: 2,
    orderDefaults: { requestWindowMs: 5000, timeouts, maxAttempts: 2 },
    at: T0,
  };
  await runtime.spawn(adjusterId, 'adjustOrders', adjusterInput);
  await runtime.send(adjusterId, {
    type: 'ADJUST_ORDERS',
    idPrefix: 'p-',
    desired: [
      { side: 'buy', price: '98', quantity: '0.1', level: 'bid-0' },
      { side: 'sell', price: '102', quantity: '0.1', level: 'ask-0' },
    ],
  });
  await idle(runtime);
}

/** The dialect matrix: `target()` is the current case's engine database (a SQLite file or a PostgreSQL URL). */
const matrix = dialectMatrix(() => engineFile(tmp.dir));
const target = matrix.target;

matrix.each(() => {
  describe('snapshot round trip through close and a new runtime', () => {
    it('restores every machine, in every kind of state, exactly; the journal replays to the same snapshot', async () => {
      const first = await engine(new ScriptedEffects(firstRunScript));
      await buildEveryState(first);

      const expectedStates: Record<string, unknown> = {
        [orderActorId('o-new')]: 'pendingNew',
        [orderActorId('o-sub')]: 'submitting',
        [orderActorId('o-open')]: 'open',
        [orderActorId('o-part')]: 'partiallyFilled',
        [orderActorId('o-cxl')]: 'pendingCancel',
        [orderActorId('o-unc')]: { unconfirmed: 'waiting' },
        [orderActorId('p-0')]: 'submitting',
        [orderActorId('p-1')]: 'submitting',
        [bookId]: 'long',
        [adjusterId]: 'idle',
      };
      const before = new Map<string, { value: unknown; context: unknown; persisted: unknown }>();
      for (const id of Object.keys(expectedStates)) {
        const actor = first.runtime.actor(id);
        expect(actor, id).toBeDefined();
        before.set(id, {
          value: actor!.snapshot.value,
          context: structuredClone(actor!.snapshot.context),
          persisted: JSON.parse(JSON.stringify(actor!.entry.machine.getPersistedSnapshot(actor!.snapshot))),
        });
      }
      expect(Object.fromEntries([...before].map(([id, b]) => [id, b.value]))).toEqual(expectedStates);
      // the in-flight invoke is part of the persisted snapshot
      expect(Object.keys(first.runtime.actor(orderActorId('o-sub'))!.snapshot.children)).toEqual([
        'placeOrder',
      ]);
      expect(Object.keys(first.runtime.actor(orderActorId('o-cxl'))!.snapshot.children)).toEqual([
        'cancelOrder',
      ]);
      await closeEngine(first);

      // phase two: a new runtime on the same file; every call hangs, so nothing can move the snapshots
      const second = await engine(new ScriptedEffects(() => 'hang'));
      const report = await second.runtime.start();
      await idle(second.runtime);
      expect(report).toEqual({ actors: 10, resumedCalls: 4, timers: 5, migrated: 0 });
      for (const [id, b] of before) {
        const restored = second.runtime.actor(id);
        expect(restored, id).toBeDefined();
        expect(restored!.snapshot.value, id).toEqual(b.value);
        expect(restored!.snapshot.context, id).toEqual(b.context);
        expect(
          JSON.parse(JSON.stringify(restored!.entry.machine.getPersistedSnapshot(restored!.snapshot))),
          id,
        ).toEqual(b.persisted);
      }
      expect(Object.keys(second.runtime.actor(orderActorId('o-sub'))!.snapshot.children)).toEqual([
        'placeOrder',
      ]);

      const rows = await second.db.db.selectFrom('actors').selectAll().orderBy('id').execute();
      expect(rows.map((r) => r.id).sort()).toEqual(Object.keys(expectedStates).sort());
      for (const row of rows) {
        expect(JSON.parse(row.snapshot), row.id).toEqual(before.get(row.id)!.persisted);
        const journal = await second.store.journalOf(row.id);
        expect(
          journal.map((j) => j.rev),
          row.id,
        ).toEqual(Array.from({ length: row.rev }, (_, i) => i + 1));
        const rebuilt = rebuildFromJournal(machineRegistry[row.machine]!, journal);
        expect(JSON.parse(JSON.stringify(rebuilt)), row.id).toEqual(JSON.parse(row.snapshot));
      }
    });

    it('restores the durable timers and open calls with their rows, not by re-running the machine', async () => {
      const first = await engine(new ScriptedEffects(firstRunScript));
      await buildEveryState(first);
      const timersBefore = await first.db.db.selectFrom('timers').selectAll().orderBy('actor_id').execute();
      await closeEngine(first);

      const effects = new ScriptedEffects(() => 'hang');
      const second = await engine(effects);
      await second.runtime.start();
      await idle(second.runtime);
      expect(timersBefore.map((t) => [t.actor_id, t.timer_id, t.due_at])).toEqual([
        [orderActorId('o-cxl'), 'xstate.after.CANCEL_TIMEOUT.order.pendingCancel', T0 + 3000],
        [orderActorId('o-sub'), 'xstate.after.ACK_TIMEOUT.order.submitting', T0 + 3000],
        [orderActorId('o-unc'), 'xstate.after.LOOKUP_RETRY.order.unconfirmed.waiting', T0 + 1000],
        [orderActorId('p-0'), 'xstate.after.ACK_TIMEOUT.order.submitting', T0 + 3000],
        [orderActorId('p-1'), 'xstate.after.ACK_TIMEOUT.order.submitting', T0 + 3000],
      ]);
      expect(await second.db.db.selectFrom('timers').selectAll().orderBy('actor_id').execute()).toEqual(
        timersBefore,
      );
      // each open call was offered to recovery exactly once, and nothing else was called
      expect(effects.recovered.map((r) => r.key).sort()).toEqual([
        `${orderActorId('o-cxl')}/cancelOrder/4`,
        `${orderActorId('o-sub')}/placeOrder/2`,
        `${orderActorId('p-0')}/placeOrder/2`,
        `${orderActorId('p-1')}/placeOrder/2`,
      ]);
      expect(effects.calls.map((r) => r.key).sort()).toEqual(effects.recovered.map((r) => r.key).sort());
    });
  });
});
