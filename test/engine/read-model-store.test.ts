import { describe, expect, it } from 'vitest';
import { SimulatedClock, initialTransition, transition } from 'xstate';
import type { AnyEventObject, AnyMachineSnapshot } from 'xstate';
import {
  ReadModel,
  applyFacts,
  countEvents,
  countOrders,
  createReadStore,
  eventsPerSecond,
  initialReadModel,
  ordersOf,
} from '../../src/engine/read-model.js';
import type { OrderFact, OrderView, PositionFact, ReadModelContext } from '../../src/engine/read-model.js';
import { orderMachine } from '../../src/machines/order.machine.js';
import type { OrderInput } from '../../src/machines/order.machine.js';
import { positionBookMachine } from '../../src/machines/position-book.machine.js';
import type { CommittedTransition } from '../../src/runtime/types.js';

/** The read model's pure parts: its reducers, its store, and the feed from committed transitions. */

const T0 = 1_000_000;

function order(clientOrderId: string, over: Partial<OrderView> = {}): OrderView {
  return {
    clientOrderId,
    side: 'buy',
    price: '100',
    quantity: '0.1',
    filled: '0',
    state: 'open',
    level: 'bid-0',
    rev: 1,
    ...over,
  };
}

const fact = (symbol: string, view: OrderView, live = true): OrderFact => ({ symbol, live, order: view });

function position(symbol: string, rev: number, quantity: string): PositionFact {
  return {
    symbol,
    position: {
      quantity,
      averagePrice: '100',
      realizedPnl: '0.5',
      fees: { USDT: '0.01' },
      fillCount: rev,
      rev,
    },
  };
}

/** A symbol's live orders by state, as plain objects. */
const orders = (context: ReadModelContext, symbol: string) =>
  Object.fromEntries(
    Object.entries(context.symbols[symbol]?.orders ?? {}).map(([state, group]) => [
      state,
      Object.fromEntries(group),
    ]),
  );

describe('applyFacts', () => {
  it('groups live orders by state, moves them between groups and drops them when they end', () => {
    let c = initialReadModel(T0);
    c = applyFacts(c, {
      orders: [fact('A', order('o1', { state: 'submitting' })), fact('A', order('o2'))],
      positions: [],
    });
    expect(orders(c, 'A')).toEqual({
      submitting: { o1: order('o1', { state: 'submitting' }) },
      open: { o2: order('o2') },
    });

    c = applyFacts(c, { orders: [fact('A', order('o1', { state: 'open', rev: 2 }))], positions: [] });
    expect(orders(c, 'A')).toEqual({ open: { o1: order('o1', { rev: 2 }), o2: order('o2') } });

    const partly = order('o2', { state: 'partiallyFilled', filled: '0.04', rev: 3 });
    c = applyFacts(c, { orders: [fact('A', partly)], positions: [] });
    expect(orders(c, 'A')).toEqual({
      open: { o1: order('o1', { rev: 2 }) },
      partiallyFilled: { o2: partly },
    });
    expect(countOrders(c, ['open', 'partiallyFilled'])).toBe(2);

    c = applyFacts(c, {
      orders: [fact('A', order('o2', { state: 'filled', rev: 4 }), false)],
      positions: [],
    });
    expect(orders(c, 'A')).toEqual({ open: { o1: order('o1', { rev: 2 }) } });
    expect(ordersOf(c.symbols.A!).map((o) => o.clientOrderId)).toEqual(['o1']);
  });

  it('applies several facts of one order in one call in revision order', () => {
    const c = applyFacts(initialReadModel(T0), {
      orders: [
        fact('A', order('o1', { state: 'pendingNew', rev: 1 })),
        fact('A', order('o1', { state: 'submitting', rev: 2 })),
        fact('A', order('o1', { state: 'open', rev: 3 })),
        fact('A', order('o2', { state: 'pendingNew', rev: 1 })),
        fact('A', order('o2', { state: 'cancelled', rev: 2 }), false),
      ],
      positions: [],
    });
    expect(orders(c, 'A')).toEqual({ open: { o1: order('o1', { rev: 3 }) } });
  });

  it('ignores a fact it already has or an older one, and an ended order it never saw', () => {
    const c = applyFacts(initialReadModel(T0), {
      orders: [fact('A', order('o1', { rev: 5 }))],
      positions: [position('A', 3, '1')],
    });
    const same = applyFacts(c, {
      orders: [fact('A', order('o1', { state: 'submitting', rev: 4 })), fact('A', order('o1', { rev: 5 }))],
      positions: [position('A', 2, '7'), position('A', 3, '7')],
    });
    expect(same).toBe(c);
    expect(
      applyFacts(c, { orders: [fact('A', order('gone', { state: 'filled' }), false)], positions: [] }),
    ).toBe(c);
  });

  it('keeps the identity of every symbol and group it does not change', () => {
    let c = applyFacts(initialReadModel(T0), {
      orders: [
        fact('A', order('a1')),
        fact('A', order('a2', { state: 'pendingCancel' })),
        fact('B', order('b1')),
      ],
      positions: [position('A', 1, '0.1'), position('B', 1, '0.2')],
    });
    const before = c;
    c = applyFacts(c, { orders: [fact('A', order('a3'))], positions: [] });
    expect(c.symbols.B).toBe(before.symbols.B);
    expect(c.symbols.A!.position).toBe(before.symbols.A!.position);
    expect(c.symbols.A!.orders.pendingCancel).toBe(before.symbols.A!.orders.pendingCancel);
    expect([...c.symbols.A!.orders.open!.keys()]).toEqual(['a1', 'a3']);
    expect([...before.symbols.A!.orders.open!.keys()]).toEqual(['a1']); // the older context is untouched
  });

  it('takes a newer position book and keeps decimals as strings', () => {
    let c = applyFacts(initialReadModel(T0), { orders: [], positions: [position('A', 1, '0.1')] });
    c = applyFacts(c, { orders: [], positions: [position('A', 2, '-0.30000000000000000001')] });
    expect(c.symbols.A!.position).toEqual(position('A', 2, '-0.30000000000000000001').position);
    expect(c.symbols.A!.mid).toBeNull();
  });
});

describe('the event rate', () => {
  it('counts committed events per slot and gives events per second over the window', () => {
    let w = initialReadModel(T0, 500, 10).events; // a 5 s window of 500 ms slots
    expect(eventsPerSecond(w, T0 + 1000)).toBe(0);
    w = countEvents(w, T0 + 100, 30);
    w = countEvents(w, T0 + 400, 20);
    w = countEvents(w, T0 + 900, 50);
    expect(w.counts).toEqual([
      { slot: (T0 + 100) / 500 - 0.2, count: 50 },
      { slot: (T0 + 500) / 500, count: 50 },
    ]);
    // 100 events in the first second of counting.
    expect(eventsPerSecond(w, T0 + 1000)).toBe(100);
    // Later the window is the last 10 slots, the current one counting as far as it has run.
    w = countEvents(w, T0 + 4900, 150);
    expect(eventsPerSecond(w, T0 + 4999)).toBe((250 * 1000) / 4999);
    expect(eventsPerSecond(w, T0 + 5000)).toBe((200 * 1000) / 4500); // the first slot has left it
    expect(eventsPerSecond(w, T0 + 5500)).toBe((150 * 1000) / 4500);
    expect(eventsPerSecond(w, T0 + 20_000)).toBe(0);
    // Old slots are forgotten as events arrive.
    w = countEvents(w, T0 + 20_000, 1);
    expect(w.counts).toEqual([{ slot: (T0 + 20_000) / 500, count: 1 }]);
    expect(countEvents(w, T0 + 20_100, 0)).toBe(w);
  });
});

describe('the store', () => {
  it('records mids, and a trading state that stays halted once halted', () => {
    const store = createReadStore(initialReadModel(T0));
    store.trigger.midSeen({ symbol: 'A', mid: '100.5' });
    const after = store.getSnapshot();
    store.trigger.midSeen({ symbol: 'A', mid: '100.5' });
    expect(store.getSnapshot()).toBe(after);
    expect(after.context.symbols.A).toMatchObject({ symbol: 'A', mid: '100.5', orders: {} });
    for (const state of ['ready', 'trading', 'halted', 'stopping', 'stopped'] as const)
      store.trigger.trading({ state });
    expect(store.getSnapshot().context.trading).toBe('halted');
  });

  it('tells a selection only when what it selects changes', () => {
    const store = createReadStore(initialReadModel(T0));
    const seen: (string | undefined)[] = [];
    const quantity = store.select((c) => c.symbols.A?.position.quantity);
    quantity.subscribe((q) => seen.push(q));
    store.trigger.committed({ at: T0, events: 3, orders: [fact('A', order('o1'))], positions: [] });
    store.trigger.committed({ at: T0, events: 1, orders: [], positions: [position('A', 1, '0.1')] });
    store.trigger.midSeen({ symbol: 'A', mid: '99' });
    store.trigger.committed({ at: T0, events: 1, orders: [], positions: [position('A', 2, '0.2')] });
    expect(seen).toEqual(['0', '0.1', '0.2']);
    expect(store.getSnapshot().context.events.counts).toEqual([{ slot: T0 / 500, count: 5 }]);
  });
});

describe('ReadModel fed with committed transitions of the real machines', () => {
  const input = (clientOrderId: string, venue = 'paper'): OrderInput => ({
    clientOrderId,
    venue,
    symbol: 'BTC/USDT',
    side: 'sell',
    type: 'limit',
    price: '101',
    quantity: '0.2',
    level: 'ask-0',
    owner: null,
    requestWindowMs: 5000,
    timeouts: { ackMs: 3000, cancelMs: 3000, lookupRetryMs: 1000, absenceProofMs: 10_000 },
    maxAttempts: 2,
    at: T0,
  });
  const committed = (
    actorId: string,
    machine: string,
    rev: number,
    event: AnyEventObject,
    snapshot: AnyMachineSnapshot,
  ): CommittedTransition => ({
    actorId,
    machine,
    rev,
    event,
    state: typeof snapshot.value === 'string' ? snapshot.value : Object.keys(snapshot.value as object)[0]!,
    snapshot,
  });

  it('shows orders and positions of its venue, and counts every committed event', () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const model = new ReadModel(clock, 'paper');
    const [created] = initialTransition(orderMachine, input('o1'));
    const [submitting] = transition(orderMachine, created, { type: 'SUBMIT', at: T0 });
    const [other] = initialTransition(orderMachine, input('x1', 'elsewhere'));
    const [book] = initialTransition(positionBookMachine, { venue: 'paper', symbol: 'BTC/USDT', at: T0 });
    const [filled] = transition(positionBookMachine, book, {
      type: 'APPLY_FILL',
      tradeId: 't1',
      side: 'buy',
      price: '100',
      quantity: '0.3',
      fee: '0.03',
      feeCurrency: 'USDT',
      at: T0,
    });
    model.committed(
      [
        committed('order/o1', 'order', 1, { type: 'xstate.init' }, created),
        committed('order/o1', 'order', 2, { type: 'SUBMIT' }, submitting),
        committed('order/x1', 'order', 1, { type: 'xstate.init' }, other),
        committed('book/paper/BTC/USDT', 'positionBook', 1, { type: 'xstate.init' }, book),
        committed('book/paper/BTC/USDT', 'positionBook', 2, { type: 'APPLY_FILL' }, filled),
      ],
      [],
    );
    const view = model.symbol('BTC/USDT')!;
    expect(orders(model.context, 'BTC/USDT')).toEqual({
      submitting: {
        o1: {
          clientOrderId: 'o1',
          side: 'sell',
          price: '101',
          quantity: '0.2',
          filled: '0',
          state: 'submitting',
          level: 'ask-0',
          rev: 2,
        },
      },
    });
    expect(view.position).toEqual({
      quantity: '0.3',
      averagePrice: '100',
      realizedPnl: '0',
      fees: { USDT: '0.03' },
      fillCount: 1,
      rev: 2,
    });
    clock.increment(1000);
    expect(model.eventsPerSecond()).toBe(5);

    const [cancelled] = transition(orderMachine, created, { type: 'CANCEL_ORDER', at: T0 });
    model.committed([committed('order/o1', 'order', 3, { type: 'CANCEL_ORDER' }, cancelled)], []);
    expect(orders(model.context, 'BTC/USDT')).toEqual({});
    model.tradingState('ready');
    expect(model.context.trading).toBe('ready');
  });
});
