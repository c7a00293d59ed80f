import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimulatedClock } from 'xstate';
import { readTradingState } from '../../src/persistence/trading-state.js';
import { readStatus } from '../../src/persistence/status-query.js';
import { RiskChecker } from '../../src/engine/risk.js';
import type { RiskConfig } from '../../src/engine/risk.js';
import { TradingGate } from '../../src/engine/trading-gate.js';
import { orderActorId } from '../../src/machines/messages.js';
import type { OrderInput } from '../../src/machines/order.machine.js';
import type { CallGate } from '../../src/runtime/types.js';
import {
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
import { simDesk } from '../support/engine-on-sim.js';
import type { SimDesk } from '../support/engine-on-sim.js';
import { tempDirPerTest } from '../support/test-dir.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { dialectMatrix } from '../support/dialects.js';

/**
 * The pre-trade risk checks run in the runtime's gate: a place that breaches a limit is never written to
 * the outbox, its order gets PLACE_DENIED naming the rule (journaled) and ends `denied` with the reason
 * `denied by risk: <rule> (...)`, `status --json` counts it under `orders.denied`, and enough denials
 * within the window halt trading (written by the engine after the commit).
 */

const tmp = tempDirPerTest('risk-gate');
let clock: SimulatedClock;
beforeEach(() => {
  clock = newClock();
});

const silent = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} };

/**
 * The denial the engine delivered before orders had a `denied` state: the place call's error result,
 * `rejected` with the gate's reason (the order ended `rejected: denied by risk: ...`).
 */
const legacyDenial: CallGate['denial'] = (row, reason, now) => ({
  type: `xstate.error.actor.${row.childId}`,
  error: { kind: 'rejected', message: reason, at: now },
  at: now,
});

async function riskEngine(
  config: Partial<RiskConfig>,
  answer: 'hang' | 'open' = 'hang',
  denial?: CallGate['denial'],
) {
  const effects = new ScriptedEffects((row) =>
    answer === 'hang'
      ? 'hang'
      : doneEvent(row, venueView(clock.now(), { status: row.src === 'cancelOrder' ? 'cancelled' : 'open' })),
  );
  const holder: { gate?: TradingGate } = {};
  const e = await openEngine({
    file: target(),
    clock,
    effects,
    gate: {
      guards: (src) => holder.gate!.guards(src),
      version: () => holder.gate!.version(),
      check: (row, tx) => holder.gate!.check(row, tx),
      denial: (row, reason, now) => (denial ?? holder.gate!.denial.bind(holder.gate))(row, reason, now),
    },
  });
  tmp.cleanups.push(() => e.close());
  const checker = new RiskChecker(Object.assign({ haltWindowMs: 60_000, symbols: {} }, config));
  holder.gate = new TradingGate(
    {
      venueId: VENUE,
      logger: silent as never,
      read: () => readTradingState(e.db.db),
      onChange: () => {},
      risk: { checker, mid: () => '100', liveOrders: () => [] },
    },
    await readTradingState(e.db.db),
  );
  await e.runtime.start();
  const place = async (id: string, over: Partial<OrderInput> = {}) => {
    await e.runtime.spawn(orderActorId(id), 'order', orderInput(id, over));
    await e.runtime.send(orderActorId(id), { type: 'SUBMIT' });
    await idle(e.runtime);
  };
  const placed = async () =>
    (
      await e.db.db.selectFrom('outbox').select(['src', 'actor_id']).where('src', '=', 'placeOrder').execute()
    ).map((r) => r.actor_id);
  return { e, effects, checker, place, placed };
}

/** The dialect matrix: `target()` is the current case's engine database (a SQLite file or a PostgreSQL URL). */
const matrix = dialectMatrix(() => engineFile(tmp.dir));
const target = matrix.target;

matrix.each(() => {
  describe('risk checks in the runtime', () => {
    it('maxPosition counts unanswered places as filled: the breaching place never reaches the outbox', async () => {
      const { e, effects, checker, place, placed } = await riskEngine({ maxPosition: '0.2' });
      await place('o1'); // 0.1, no answer: outcome unknown
      await place('o2'); // worst case 0.2: at the limit
      await place('o3'); // worst case 0.3: denied
      expect(effects.calls.map((c) => c.actorId)).toEqual([orderActorId('o1'), orderActorId('o2')]);
      expect(await placed()).toEqual([orderActorId('o1'), orderActorId('o2')]);
      const o3 = await e.db.db
        .selectFrom('orders')
        .selectAll()
        .where('client_order_id', '=', 'o3')
        .executeTakeFirstOrThrow();
      expect(o3.state).toBe('denied');
      expect(o3.reason).toBe('denied by risk: maxPosition (worst-case position 0.3 beyond ±0.2)');
      const journal = await e.db.db
        .selectFrom('journal')
        .select(['event_type', 'event', 'state'])
        .where('actor_id', '=', orderActorId('o3'))
        .orderBy('rev')
        .execute();
      expect(journal.map((j) => [j.event_type, j.state])).toEqual([
        ['xstate.init', 'pendingNew'],
        ['SUBMIT', 'submitting'],
        ['PLACE_DENIED', 'denied'],
      ]);
      expect(JSON.parse(String(journal[2]!.event))).toMatchObject({
        type: 'PLACE_DENIED',
        rule: 'maxPosition',
        reason: 'denied by risk: maxPosition (worst-case position 0.3 beyond ±0.2)',
      });
      expect(e.runtime.actor(orderActorId('o3'))).toBeUndefined(); // terminal: left memory
      // A sell only moves the short side: allowed.
      await place('o4', { side: 'sell', price: '101' });
      expect(await placed()).toContain(orderActorId('o4'));
      const status = await readStatus(e.db.db);
      expect(status.orders.denied).toBe(1);
      expect(status.orders.rejected).toBeUndefined();
      expect(checker.denials.get('maxPosition')).toBe(1);
    });

    it('status counts as denied the orders an older engine ended `rejected` for a risk denial', async () => {
      const old = await riskEngine({ maxOrderQuantity: '0.1' }, 'hang', legacyDenial);
      await old.place('o1', { quantity: '0.2' });
      await old.e.close();
      const { e, place } = await riskEngine({ maxOrderQuantity: '0.1' });
      await place('o2', { quantity: '0.2' });
      const orders = await e.db.db
        .selectFrom('orders')
        .select(['client_order_id', 'state', 'reason'])
        .orderBy('client_order_id')
        .execute();
      expect(orders).toEqual([
        {
          client_order_id: 'o1',
          state: 'rejected',
          reason: 'rejected: denied by risk: maxOrderQuantity (quantity 0.2 > 0.1)',
        },
        {
          client_order_id: 'o2',
          state: 'denied',
          reason: 'denied by risk: maxOrderQuantity (quantity 0.2 > 0.1)',
        },
      ]);
      const status = await readStatus(e.db.db);
      expect(status.orders.denied).toBe(2);
      expect(status.orders.rejected).toBeUndefined();
    });

    it('an order that ends frees its share of the position limit', async () => {
      const { e, place, placed } = await riskEngine({ maxPosition: '0.1' }, 'open');
      await place('o1');
      await e.runtime.send(orderActorId('o1'), { type: 'CANCEL_ORDER', at: clock.now() });
      await idle(e.runtime);
      await place('o2');
      expect(await placed()).toEqual([orderActorId('o1'), orderActorId('o2')]);
    });

    it('maxOrderNotional and priceBandBps deny before the outbox, and denials trip the halt', async () => {
      const { e, checker, place, placed } = await riskEngine({
        maxOrderNotional: '10',
        priceBandBps: '200',
        haltAfterDenials: 3,
        haltWindowMs: 10_000,
      });
      await place('o1', { price: '100', quantity: '0.1' }); // notional 10: at the limit
      await place('o2', { price: '100', quantity: '0.11' }); // notional 11
      await place('o3', { price: '98', quantity: '0.01' }); // 200 bps below the mid: at the band
      await place('o4', { price: '97.99', quantity: '0.01' }); // beyond it
      expect(await placed()).toEqual([orderActorId('o1'), orderActorId('o3')]);
      expect(checker.takeTrip()).toBeNull();
      await place('o5', { price: '102.01', quantity: '0.01' });
      expect(checker.takeTrip()).toEqual({ rule: 'priceBandBps', denials: 3, windowMs: 10_000 });
      const status = await readStatus(e.db.db);
      expect(status.orders.denied).toBe(3);
      const denied = await e.db.db
        .selectFrom('orders')
        .select(['client_order_id', 'state', 'reason'])
        .where('state', '=', 'denied')
        .orderBy('client_order_id')
        .execute();
      expect(denied.map((o) => [o.client_order_id, o.reason?.split(' (')[0]])).toEqual([
        ['o2', 'denied by risk: maxOrderNotional'],
        ['o4', 'denied by risk: priceBandBps'],
        ['o5', 'denied by risk: priceBandBps'],
      ]);
    });

    it('maxSubmitsPerSecond counts the places allowed in 1 s of the batch clock', async () => {
      const { place, placed } = await riskEngine({ maxSubmitsPerSecond: 2 });
      await place('o1');
      await place('o2');
      await place('o3');
      expect(await placed()).toHaveLength(2);
      clock.increment(1000);
      await place('o4');
      expect(await placed()).toHaveLength(3);
    });
  });

  describe('risk denials halt a running engine', () => {
    let desk: SimDesk;
    let dir: { dir: string; cleanup: () => void };
    beforeEach(async () => {
      dir = tempDir('risk-halt');
      desk = await simDesk(dir.dir);
    });
    afterEach(async () => {
      await desk.close();
      dir.cleanup();
    });

    it('denies every quote over maxOrderQuantity, logs RISK_DENIED and halts after haltAfterDenials', async () => {
      const e = await desk.open('engine.sqlite', {
        risk: { maxOrderQuantity: '0.001', haltAfterDenials: 3, haltWindowMs: 60_000, symbols: {} },
      });
      await waitFor(
        'the halt',
        async () => (await readTradingState(e.engine.database.db)).state === 'halted',
      );
      await e.engine.riskIdle();
      const state = await readTradingState(e.engine.database.db);
      expect(state.reason).toMatch(/^risk: 3 denials within 60000 ms, the last by maxOrderQuantity/);
      expect(e.engine.gate.current.state).toBe('halted');
      const denied = e.coded('RISK_DENIED');
      expect(denied.length).toBeGreaterThan(0);
      expect(denied[0]!.obj['rule']).toBe('maxOrderQuantity');
      expect(e.coded('TRADING_HALTED').length).toBeGreaterThan(0);
      const places = await e.engine.database.db
        .selectFrom('outbox')
        .select('src')
        .where('src', '=', 'placeOrder')
        .execute();
      expect(places).toEqual([]);
      expect(await desk.openAtVenue()).toEqual([]);
      const status = await readStatus(e.engine.database.db);
      expect(status.orders.denied).toBeGreaterThanOrEqual(3);
      expect(status.orders.rejected).toBeUndefined();
      const orders = await e.engine.database.db.selectFrom('orders').select(['state', 'reason']).execute();
      expect(orders.length).toBeGreaterThanOrEqual(3);
      for (const o of orders) {
        expect(o.state).toBe('denied');
        expect(o.reason).toMatch(/^denied by (risk: maxOrderQuantity \(|the trading state: halted)/);
      }
      expect(status.tradingState).toBe('halted');
      expect(e.engine.riskDenials().get('maxOrderQuantity')).toBeGreaterThanOrEqual(3);
    });
  });
});
