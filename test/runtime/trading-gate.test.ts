import { beforeEach, describe, expect, it } from 'vitest';
import type { SimulatedClock } from 'xstate';
import { TradingGate } from '../../src/engine/trading-gate.js';
import type { TradingStateChange } from '../../src/domain/trading-state.js';
import { bookActorId, orderActorId } from '../../src/machines/messages.js';
import type { OrderContext } from '../../src/machines/order.machine.js';
import { openEngineDatabaseForOperator } from '../../src/persistence/open-database.js';
import { readTradingState, writeTradingState } from '../../src/persistence/trading-state.js';
import type { HostedActor } from '../../src/runtime/hosted-actor.js';
import type { OutboxRow, TxApi } from '../../src/runtime/types.js';
import {
  SYMBOL,
  ScriptedEffects,
  VENUE,
  doneEvent,
  engineFile,
  idle,
  newClock,
  openEngine,
  orderInput,
  venueView,
} from '../support/engine-harness.js';
import { tempDirPerTest } from '../support/test-dir.js';
import { dialectMatrix } from '../support/dialects.js';

/**
 * The desk's trading state gates order placements inside the runtime: a place the engine's view denies is
 * never written, and one it allowed is still refused by the commit if an operator changed the stored state
 * in between (the insert of the intent is conditional on the state's version, in the same transaction).
 */

const tmp = tempDirPerTest('trading-gate');
let clock: SimulatedClock;
beforeEach(() => {
  clock = newClock();
});

const silent = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} };

/** Writes the trading state as an operator command does: its own connection, its own transaction. */
async function operatorWrites(change: TradingStateChange): Promise<void> {
  const db = await openEngineDatabaseForOperator(target());
  try {
    await writeTradingState(db, change, clock.now());
  } finally {
    await db.destroy();
  }
}

async function gatedEngine(before?: TradingStateChange) {
  const effects = new ScriptedEffects((row) => doneEvent(row, venueView(clock.now())));
  const holder: { gate?: TradingGate } = {};
  const e = await openEngine({
    file: target(),
    clock,
    effects,
    gate: {
      guards: (src) => holder.gate!.guards(src),
      version: () => holder.gate!.version(),
      check: (row, tx) => holder.gate!.check(row, tx),
      denial: (row, reason, now) => holder.gate!.denial(row, reason, now),
    },
  });
  tmp.cleanups.push(() => e.close());
  if (before !== undefined) await operatorWrites(before);
  const gate = new TradingGate(
    { venueId: VENUE, logger: silent as never, read: () => readTradingState(e.db.db), onChange: () => {} },
    await readTradingState(e.db.db),
  );
  holder.gate = gate;
  await e.runtime.start();
  return { e, effects, gate };
}

async function outboxSrcs(e: Awaited<ReturnType<typeof gatedEngine>>['e']): Promise<string[]> {
  const rows = await e.db.db.selectFrom('outbox').select('src').execute();
  return rows.map((r) => r.src);
}

const O1 = orderActorId('o1');

/** The dialect matrix: `target()` is the current case's engine database (a SQLite file or a PostgreSQL URL). */
const matrix = dialectMatrix(() => engineFile(tmp.dir));
const target = matrix.target;

matrix.each(() => {
  describe('trading state gate in the runtime', () => {
    it('places while active', async () => {
      const { e, effects } = await gatedEngine();
      await e.runtime.spawn(O1, 'order', orderInput('o1'));
      await e.runtime.send(O1, { type: 'SUBMIT' });
      await idle(e.runtime);
      expect(effects.srcs()).toEqual(['placeOrder']);
      expect(await outboxSrcs(e)).toEqual(['placeOrder']);
    });

    it('denies a place while the view is halted: no intent written, the order denied and journaled', async () => {
      const { e, effects, gate } = await gatedEngine({
        state: 'halted',
        reason: 'desk check',
        cancelRequested: false,
      });
      expect(gate.current.state).toBe('halted');
      await e.runtime.spawn(O1, 'order', orderInput('o1'));
      await e.runtime.send(O1, { type: 'SUBMIT' });
      await idle(e.runtime);
      expect(effects.calls).toEqual([]);
      expect(await outboxSrcs(e)).toEqual([]);
      const order = await e.db.db.selectFrom('orders').selectAll().executeTakeFirstOrThrow();
      expect(order.state).toBe('denied');
      expect(order.reason).toBe('denied by the trading state: halted (desk check)');
      const journal = await e.db.db
        .selectFrom('journal')
        .select(['event_type', 'event', 'state'])
        .where('actor_id', '=', O1)
        .orderBy('rev')
        .execute();
      expect(journal.map((j) => [j.event_type, j.state])).toEqual([
        ['xstate.init', 'pendingNew'],
        ['SUBMIT', 'submitting'],
        ['PLACE_DENIED', 'denied'],
      ]);
      const denial = JSON.parse(String(journal[2]!.event)) as Record<string, unknown>;
      expect(denial).toMatchObject({
        type: 'PLACE_DENIED',
        reason: 'denied by the trading state: halted (desk check)',
      });
      expect(denial).not.toHaveProperty('rule');
    });

    it('refuses at commit a place decided before a halt the engine has not read yet', async () => {
      const { e, effects, gate } = await gatedEngine();
      await e.runtime.spawn(O1, 'order', orderInput('o1'));
      await operatorWrites({ state: 'halted', reason: 'race', cancelRequested: false });
      expect(gate.current.state).toBe('active'); // the engine's view lags behind the database
      await e.runtime.send(O1, { type: 'SUBMIT' });
      await idle(e.runtime);
      expect(effects.calls).toEqual([]);
      expect(await outboxSrcs(e)).toEqual([]);
      const order = await e.db.db.selectFrom('orders').selectAll().executeTakeFirstOrThrow();
      expect(order.state).toBe('denied');
      expect(order.reason).toBe('denied by the trading state: changed before the commit');
      expect(e.runtime.failure).toBeNull();
      // Once read, the view follows: after `resume` the next order is placed.
      await operatorWrites({ state: 'active', reason: null, cancelRequested: false });
      await gate.refresh();
      const O2 = orderActorId('o2');
      await e.runtime.spawn(O2, 'order', orderInput('o2'));
      await e.runtime.send(O2, { type: 'SUBMIT' });
      await idle(e.runtime);
      expect(effects.srcs()).toEqual(['placeOrder']);
      const context = (e.runtime.actor(O2)?.snapshot.context ?? {}) as Partial<OrderContext>;
      expect(context.clientOrderId).toBe('o2');
    });

    it('reducing: a place with no position to shrink is denied', async () => {
      const { e, effects } = await gatedEngine({ state: 'reducing', reason: 'risk', cancelRequested: false });
      await e.runtime.spawn(O1, 'order', orderInput('o1'));
      await e.runtime.send(O1, { type: 'SUBMIT' });
      await idle(e.runtime);
      expect(effects.calls).toEqual([]);
      const order = await e.db.db.selectFrom('orders').selectAll().executeTakeFirstOrThrow();
      expect(order.state).toBe('denied');
      expect(order.reason).toBe(
        'denied by the trading state: reducing, the order would not shrink the position (risk)',
      );
    });
  });

  describe('reducing: only orders that shrink the absolute position', () => {
    const gate = (state: 'active' | 'reducing' | 'halted') =>
      new TradingGate(
        {
          venueId: VENUE,
          logger: silent as never,
          read: () => Promise.reject(new Error('unused')),
          onChange: () => {},
        },
        { state, reason: null, version: 1, cancelRequested: false, changedAt: 0 },
      );
    const txWithPosition = (quantity: string | null): TxApi =>
      ({
        actor: (id: string) =>
          id === bookActorId(VENUE, SYMBOL) && quantity !== null
            ? ({ snapshot: { context: { quantity } } } as unknown as HostedActor)
            : undefined,
      }) as unknown as TxApi;
    const place = (side: 'buy' | 'sell', quantity: string): OutboxRow => ({
      key: 'k',
      actorId: 'order/x',
      childId: 'placeOrder',
      src: 'placeOrder',
      input: { clientOrderId: 'x', symbol: SYMBOL, side, type: 'limit', price: '100', quantity, attempt: 1 },
      createdAt: 0,
    });

    it.each([
      ['sell', '0.1', '0.2', true],
      ['sell', '0.2', '0.2', true],
      ['sell', '0.3', '0.2', false],
      ['buy', '0.1', '0.2', false],
      ['buy', '0.1', '-0.2', true],
      ['buy', '0.3', '-0.2', false],
      ['sell', '0.1', '-0.2', false],
      ['sell', '0.1', '0', false],
      ['buy', '0.1', null, false],
    ] as const)('%s %s with position %s: allowed %s', (side, quantity, position, allowed) => {
      const reason = gate('reducing').check(place(side, quantity), txWithPosition(position));
      expect(reason === null).toBe(allowed);
    });

    it('active allows everything, halted nothing; only placeOrder is guarded', () => {
      expect(gate('active').check(place('buy', '1'), txWithPosition(null))).toBeNull();
      expect(gate('halted').check(place('sell', '0.1'), txWithPosition('0.2'))).toMatch(/halted/);
      expect(gate('halted').guards('placeOrder')).toBe(true);
      expect(gate('halted').guards('cancelOrder')).toBe(false);
      expect(gate('halted').guards('lookupOrder')).toBe(false);
    });
  });
});
