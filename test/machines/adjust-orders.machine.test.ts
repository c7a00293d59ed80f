import { initialTransition, transition } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import { adjustOrdersMachine } from '../../src/machines/adjust-orders.machine.js';
import type { AdjustOrdersEvent } from '../../src/machines/adjust-orders.machine.js';
import { orderMachine } from '../../src/machines/order.machine.js';
import type { OrderInput } from '../../src/machines/order.machine.js';
import type { DesiredOrder } from '../../src/domain/types.js';
import { emittedEvents, restoreSnapshot, type PureAction } from './helpers.js';

type Snap = SnapshotFrom<typeof adjustOrdersMachine>;

const ADJUSTER = 'adjust/paper/BTC/USDT';
const DEFAULTS = {
  requestWindowMs: 1_500,
  timeouts: { ackMs: 5_000, cancelMs: 4_000, lookupRetryMs: 2_000, absenceProofMs: 10_000 },
  maxAttempts: 3,
};

const bid = (level: string, price: string, quantity = '0.01'): DesiredOrder => ({
  side: 'buy',
  price,
  quantity,
  level,
});
const ask = (level: string, price: string, quantity = '0.01'): DesiredOrder => ({
  side: 'sell',
  price,
  quantity,
  level,
});

const B0 = bid('bid-0', '100');
const B1 = bid('bid-1', '99.5');
const A0 = ask('ask-0', '101');
const A1 = ask('ask-1', '101.5');

function create(maxOpenOrders: number): Snap {
  const [snap, actions] = initialTransition(adjustOrdersMachine, {
    venue: 'paper',
    symbol: 'BTC/USDT',
    maxOpenOrders,
    orderDefaults: DEFAULTS,
    at: 100,
  });
  expect(actions).toEqual([]);
  return snap;
}

function step(snap: Snap, event: AdjustOrdersEvent): { snap: Snap; commands: Record<string, unknown>[] } {
  const [next, actions] = transition(adjustOrdersMachine, snap, event);
  const pure: PureAction[] = actions;
  return { snap: next, commands: emittedEvents(pure) };
}

const adjust = (desired: DesiredOrder[], at: number, idPrefix: string): AdjustOrdersEvent => ({
  type: 'ADJUST_ORDERS',
  at,
  desired,
  idPrefix,
});
const changed = (clientOrderId: string, state: string, terminal: boolean, at: number): AdjustOrdersEvent => ({
  type: 'ORDER_STATE_CHANGED',
  at,
  clientOrderId,
  state,
  terminal,
  filledQuantity: '0',
});

const spawnCmd = (clientOrderId: string, d: DesiredOrder, at: number) => ({
  type: 'engine.spawn',
  machine: 'order',
  id: `order/${clientOrderId}`,
  input: {
    clientOrderId,
    venue: 'paper',
    symbol: 'BTC/USDT',
    side: d.side,
    type: 'limit',
    price: d.price,
    quantity: d.quantity,
    level: d.level,
    owner: ADJUSTER,
    requestWindowMs: DEFAULTS.requestWindowMs,
    timeouts: DEFAULTS.timeouts,
    maxAttempts: DEFAULTS.maxAttempts,
    at,
  },
});
const submitCmd = (clientOrderId: string) => ({ type: 'SUBMIT', to: `order/${clientOrderId}` });
const place = (clientOrderId: string, d: DesiredOrder, at: number) => [
  spawnCmd(clientOrderId, d, at),
  submitCmd(clientOrderId),
];
const cancelCmd = (clientOrderId: string) => ({
  type: 'CANCEL_ORDER',
  to: `order/${clientOrderId}`,
  reason: 'not in desired set',
});
const tracked = (clientOrderId: string, d: DesiredOrder, cancelling = false) => ({
  clientOrderId,
  side: d.side,
  price: d.price,
  quantity: d.quantity,
  level: d.level,
  cancelling,
});

describe('adjust-orders machine', () => {
  it('starts idle with nothing tracked', () => {
    const snap = create(4);
    expect(snap.value).toBe('idle');
    expect(snap.context).toEqual({
      venue: 'paper',
      symbol: 'BTC/USDT',
      maxOpenOrders: 4,
      orderDefaults: DEFAULTS,
      idPrefix: '',
      seq: 0,
      generation: 0,
      desired: [],
      orders: {},
      updatedAt: 100,
    });
  });

  it('ADJUST_ORDERS from idle: engine.spawn + SUBMIT for each desired order, then settles to idle', () => {
    const { snap, commands } = step(create(4), adjust([B0, A0], 1_000, 'a-'));
    expect(commands).toEqual([...place('a-0', B0, 1_000), ...place('a-1', A0, 1_000)]);
    expect(snap.value).toBe('idle');
    expect(snap.context).toMatchObject({
      idPrefix: 'a-',
      seq: 2,
      generation: 1,
      updatedAt: 1_000,
      desired: [
        { ...B0, clientOrderId: 'a-0' },
        { ...A0, clientOrderId: 'a-1' },
      ],
      orders: { 'a-0': tracked('a-0', B0), 'a-1': tracked('a-1', A0) },
    });
  });

  it('clientOrderId = idPrefix + base36 sequence number', () => {
    const desired = Array.from({ length: 38 }, (_, i) => bid(`bid-${i}`, String(100 - i)));
    const { snap, commands } = step(create(40), adjust(desired, 1_000, 'run7-'));
    const ids = commands.filter((c) => c.type === 'SUBMIT').map((c) => c.to);
    expect(ids).toHaveLength(38);
    expect(ids.slice(0, 3)).toEqual(['order/run7-0', 'order/run7-1', 'order/run7-2']);
    expect(ids.slice(9, 11)).toEqual(['order/run7-9', 'order/run7-a']);
    expect(ids.slice(35)).toEqual(['order/run7-z', 'order/run7-10', 'order/run7-11']);
    expect(snap.context.seq).toBe(38);
  });

  it('the sequence continues under a new idPrefix', () => {
    const first = step(create(4), adjust([B0], 1_000, 'a-')).snap;
    const { snap, commands } = step(first, adjust([B0, A0], 2_000, 'b-'));
    expect(commands).toEqual(place('b-1', A0, 2_000));
    expect(snap.context.desired).toEqual([
      { ...B0, clientOrderId: 'a-0' },
      { ...A0, clientOrderId: 'b-1' },
    ]);
  });

  it('respects maxOpenOrders: places only up to the limit', () => {
    const { snap, commands } = step(create(2), adjust([B0, B1, A0, A1], 1_000, 'a-'));
    expect(commands).toEqual([...place('a-0', B0, 1_000), ...place('a-1', B1, 1_000)]);
    expect(snap.value).toBe('idle');
    expect(snap.context.desired.map((d) => d.clientOrderId)).toEqual(['a-0', 'a-1', null, null]);
    expect(Object.keys(snap.context.orders)).toEqual(['a-0', 'a-1']);
  });

  it('a second identical ADJUST_ORDERS keeps the exact matches and emits nothing', () => {
    const first = step(create(4), adjust([B0, A0], 1_000, 'a-')).snap;
    // the same prices written differently are the same order
    const same = [bid('bid-0', '100.00', '0.010'), ask('ask-0', '101.0')];
    const { snap, commands } = step(first, adjust(same, 2_000, 'b-'));
    expect(commands).toEqual([]);
    expect(snap.value).toBe('idle');
    expect(snap.context.orders).toEqual(first.context.orders);
    expect(snap.context.seq).toBe(2);
    expect(snap.context.generation).toBe(2);
    expect(snap.context.desired.map((d) => d.clientOrderId)).toEqual(['a-0', 'a-1']);
  });

  it('a newer desired set cancels orders not in it, keeps matches and places new ones while room remains', () => {
    const first = step(create(3), adjust([B0, A0], 1_000, 'a-')).snap;
    const A0b = ask('ask-0', '102');
    const second = step(first, adjust([B0, A0b], 2_000, 'b-'));
    // a-1 still counts against the limit while it is being cancelled: 2 + 1 = 3
    expect(second.commands).toEqual([cancelCmd('a-1'), ...place('b-2', A0b, 2_000)]);
    expect(second.snap.value).toBe('adjusting');
    expect(second.snap.context.orders).toEqual({
      'a-0': tracked('a-0', B0),
      'a-1': tracked('a-1', A0, true),
      'b-2': tracked('b-2', A0b),
    });
    // the order reporting pendingCancel for a cancel we asked for changes nothing
    const pending = step(second.snap, changed('a-1', 'pendingCancel', false, 2_100));
    expect(pending.snap).toBe(second.snap);
    // once it is gone, nothing is left to do
    const done = step(second.snap, changed('a-1', 'cancelled', true, 2_200));
    expect(done.commands).toEqual([]);
    expect(done.snap.value).toBe('idle');
    expect(Object.keys(done.snap.context.orders).sort()).toEqual(['a-0', 'b-2']);
  });

  it('places the rest only once cancels complete (orders being cancelled count against the limit)', () => {
    const first = step(create(2), adjust([B0, A0], 1_000, 'a-')).snap;
    const second = step(first, adjust([B1, A1], 2_000, 'b-'));
    expect(second.commands).toEqual([cancelCmd('a-0'), cancelCmd('a-1')]);
    expect(second.snap.value).toBe('adjusting');
    expect(second.snap.context.desired.map((d) => d.clientOrderId)).toEqual([null, null]);

    const third = step(second.snap, changed('a-0', 'cancelled', true, 3_000));
    expect(third.commands).toEqual(place('b-2', B1, 3_000));
    expect(third.snap.value).toBe('adjusting');

    const fourth = step(third.snap, changed('a-1', 'filled', true, 4_000));
    expect(fourth.commands).toEqual(place('b-3', A1, 4_000));
    expect(fourth.snap.value).toBe('idle');
    expect(fourth.snap.context.orders).toEqual({ 'b-2': tracked('b-2', B1), 'b-3': tracked('b-3', A1) });
    expect(fourth.snap.context.desired.map((d) => d.clientOrderId)).toEqual(['b-2', 'b-3']);
    expect(fourth.snap.context.updatedAt).toBe(4_000);
  });

  it('the newest desired set wins while an adjustment is in flight: older orders still submitting are cancelled', () => {
    const first = step(create(3), adjust([B0], 1_000, 'a-')).snap;
    const second = step(first, adjust([B1, A0], 2_000, 'b-'));
    expect(second.commands).toEqual([
      cancelCmd('a-0'),
      ...place('b-1', B1, 2_000),
      ...place('b-2', A0, 2_000),
    ]);
    expect(second.snap.value).toBe('adjusting');

    // b-1 and b-2 have not even reported `submitting` yet
    const third = step(second.snap, adjust([A1], 2_500, 'c-'));
    expect(third.commands).toEqual([cancelCmd('b-1'), cancelCmd('b-2')]);
    expect(third.snap.value).toBe('adjusting');
    expect(third.snap.context.generation).toBe(3);
    expect(third.snap.context.desired).toEqual([{ ...A1, clientOrderId: null }]);

    // a late `submitting` from an order being cancelled is irrelevant
    expect(step(third.snap, changed('b-1', 'submitting', false, 2_600)).snap).toBe(third.snap);

    const fourth = step(third.snap, changed('a-0', 'cancelled', true, 3_000));
    expect(fourth.commands).toEqual(place('c-3', A1, 3_000));
    expect(fourth.snap.value).toBe('adjusting');

    const fifth = step(fourth.snap, changed('b-1', 'cancelled', true, 3_100));
    expect(fifth.commands).toEqual([]);
    expect(fifth.snap.value).toBe('adjusting');

    const sixth = step(fifth.snap, changed('b-2', 'cancelled', true, 3_200));
    expect(sixth.commands).toEqual([]);
    expect(sixth.snap.value).toBe('idle');
    expect(sixth.snap.context.orders).toEqual({ 'c-3': tracked('c-3', A1) });
    expect(sixth.snap.context.desired).toEqual([{ ...A1, clientOrderId: 'c-3' }]);
  });

  it('a terminal ORDER_STATE_CHANGED in idle just forgets the order (no re-place)', () => {
    const first = step(create(4), adjust([B0, A0], 1_000, 'a-')).snap;
    const { snap, commands } = step(first, changed('a-0', 'filled', true, 5_000));
    expect(commands).toEqual([]);
    expect(snap.value).toBe('idle');
    expect(snap.context.orders).toEqual({ 'a-1': tracked('a-1', A0) });
    expect(snap.context.desired).toEqual(first.context.desired);
    expect(snap.context.seq).toBe(2);
    expect(snap.context.updatedAt).toBe(5_000);
  });

  it('an order cancelled by someone else (pendingCancel) is marked cancelling and still counts', () => {
    const first = step(create(2), adjust([B0, A0], 1_000, 'a-')).snap;
    const { snap, commands } = step(first, changed('a-0', 'pendingCancel', false, 5_000));
    expect(commands).toEqual([]);
    expect(snap.value).toBe('idle');
    expect(snap.context.orders['a-0']).toEqual(tracked('a-0', B0, true));
    // the same desired set again: a-0 cannot be kept (it is going), and there is no room until it has gone
    const again = step(snap, adjust([B0, A0], 6_000, 'b-'));
    expect(again.commands).toEqual([]);
    expect(again.snap.value).toBe('adjusting');
    const gone = step(again.snap, changed('a-0', 'cancelled', true, 7_000));
    expect(gone.commands).toEqual(place('b-2', B0, 7_000));
    expect(gone.snap.value).toBe('idle');
  });

  it('irrelevant ORDER_STATE_CHANGED events return the same snapshot object', () => {
    const idle = step(create(2), adjust([B0, A0], 1_000, 'a-')).snap;
    const adjusting = step(idle, adjust([B1], 2_000, 'b-')).snap;
    expect(adjusting.value).toBe('adjusting');
    for (const snap of [idle, adjusting]) {
      for (const event of [
        changed('a-0', 'open', false, 3_000),
        changed('a-1', 'submitting', false, 3_000),
        changed('a-0', 'partiallyFilled', false, 3_000),
        changed('zz-unknown', 'cancelled', true, 3_000),
        changed('zz-unknown', 'pendingCancel', false, 3_000),
      ]) {
        const [next, actions] = transition(adjustOrdersMachine, snap, event);
        expect(next).toBe(snap);
        expect(actions).toEqual([]);
      }
    }
  });

  it('its commands drive real order actors, whose notifications come back to it', () => {
    const { snap, commands } = step(create(2), adjust([B0], 1_000, 'a-'));
    const spawn = commands[0] as { type: string; machine: string; id: string; input: OrderInput };
    expect(spawn.type).toBe('engine.spawn');
    const [order0] = initialTransition(orderMachine, spawn.input);
    expect(order0.value).toBe('pendingNew');
    const [order1, actions] = transition(orderMachine, order0, { type: 'SUBMIT', at: 1_001 });
    expect(order1.value).toBe('submitting');
    const [note] = emittedEvents(actions);
    expect(note).toEqual({
      type: 'ORDER_STATE_CHANGED',
      to: ADJUSTER,
      clientOrderId: 'a-0',
      state: 'submitting',
      terminal: false,
      filledQuantity: '0',
    });
    // the runtime removes `to` and stamps `at`
    const { to: _to, ...routed } = note as { to: string } & Record<string, unknown>;
    const event = { ...routed, at: 1_002 } as AdjustOrdersEvent;
    expect(step(snap, event).snap).toBe(snap);
    const [order2, cancelActions] = transition(orderMachine, order1, { type: 'CANCEL_ORDER', at: 1_003 });
    expect(order2.context.cancelRequested).toBe(true);
    expect(emittedEvents(cancelActions)).toEqual([]);
  });

  it('an order the engine denied (never sent) ends its tracking like a rejected one: its slot frees', () => {
    const first = step(create(2), adjust([B0, A0], 1_000, 'a-'));
    const spawn = first.commands[0] as { input: OrderInput };
    const [order0] = initialTransition(orderMachine, spawn.input);
    const [order1] = transition(orderMachine, order0, { type: 'SUBMIT', at: 1_001 });
    const [order2, actions] = transition(orderMachine, order1, {
      type: 'PLACE_DENIED',
      at: 1_002,
      reason: 'denied by risk: maxOrderQuantity (0.01 beyond 0.001)',
      rule: 'maxOrderQuantity',
    });
    expect(order2.value).toBe('denied');
    const [note] = emittedEvents(actions);
    expect(note).toMatchObject({ clientOrderId: 'a-0', state: 'denied', terminal: true });
    const { to: _to, ...routed } = note as { to: string } & Record<string, unknown>;
    const { snap, commands } = step(first.snap, { ...routed, at: 1_003 } as AdjustOrdersEvent);
    expect(commands).toEqual([]);
    expect(snap.context.orders).toEqual({ 'a-1': tracked('a-1', A0) });
    // The next desired set places the slot again (the gate decides again).
    const again = step(snap, adjust([B0, A0], 2_000, 'b-'));
    expect(again.commands).toEqual(place('b-2', B0, 2_000));
  });

  it('an adjusting snapshot round-trips through JSON and createActor(...).getSnapshot()', () => {
    const first = step(create(2), adjust([B0, A0], 1_000, 'a-')).snap;
    const adjusting = step(first, adjust([B1, A1], 2_000, 'b-')).snap;
    const json = JSON.stringify(adjustOrdersMachine.getPersistedSnapshot(adjusting));
    const restored = restoreSnapshot(adjustOrdersMachine, json);
    expect(restored.status).toBe('active');
    expect(restored.value).toBe('adjusting');
    expect(restored.context).toEqual(adjusting.context);
    const next = step(restored, changed('a-0', 'cancelled', true, 3_000));
    expect(next.commands).toEqual(place('b-2', B1, 3_000));
  });
});
