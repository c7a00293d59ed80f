import { initialTransition, transition } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import { orderMachine } from '../../src/machines/order.machine.js';
import type { CallFailure, OrderEvent, OrderInput } from '../../src/machines/order.machine.js';
import type { VenueOrderStatus } from '../../src/domain/types.js';
import {
  armedTimers,
  cancelledTimers,
  emittedEvents,
  restoreSnapshot,
  spawnedCalls,
  stoppedCalls,
  type PureAction,
} from './helpers.js';

type Snap = SnapshotFrom<typeof orderMachine>;
/** Timer events are not part of OrderEvent: the runtime fires them with `at` stamped. */
type TimerEvent = { type: `xstate.after.${string}`; at: number };
type AnyEvent = OrderEvent | TimerEvent;

const OWNER = 'adjust/paper/BTC/USDT';
const CID = 'ord-1';
const VID = 'V-1';
const WINDOW = 10_000;
const TIMEOUTS = { ackMs: 5_000, cancelMs: 3_000, lookupRetryMs: 2_000, absenceProofMs: 10_000 };
const INPUT: OrderInput = {
  clientOrderId: CID,
  venue: 'paper',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  price: '100.5',
  quantity: '1',
  level: 'bid-0',
  owner: OWNER,
  requestWindowMs: WINDOW,
  timeouts: TIMEOUTS,
  maxAttempts: 2,
  at: 1_000,
};

const T_SUBMIT = 2_000;
const T_ACK = 2_100;
/** When the ACK timeout fires in the timeout scenarios, and the landing deadline it implies. */
const T_ACK_TIMEOUT = 7_000;
const DEADLINE = T_ACK_TIMEOUT + WINDOW;

const ACK_TIMER = 'xstate.after.ACK_TIMEOUT.order.submitting';
const CANCEL_TIMER = 'xstate.after.CANCEL_TIMEOUT.order.pendingCancel';
const LOOKUP_TIMER = 'xstate.after.LOOKUP_RETRY.order.unconfirmed.waiting';

const PLACE_INPUT = {
  clientOrderId: CID,
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  price: '100.5',
  quantity: '1',
};

// ---- events -------------------------------------------------------------------------------------------

const submit = (at = T_SUBMIT): OrderEvent => ({ type: 'SUBMIT', at });
const cancelOrder = (at: number): OrderEvent => ({ type: 'CANCEL_ORDER', at, reason: 'test' });
const reconcile = (at: number): OrderEvent => ({ type: 'RECONCILE_ORDER', at });
const placeDone = (status: VenueOrderStatus, filledQuantity = '0', at = T_ACK): OrderEvent => ({
  type: 'xstate.done.actor.placeOrder',
  output: { venueOrderId: VID, status, filledQuantity, sentAt: T_SUBMIT, at },
});
const failure = (kind: CallFailure['kind'], at: number, notAfter?: number): CallFailure =>
  notAfter === undefined ? { kind, message: 'boom', at } : { kind, message: 'boom', at, notAfter };
const placeError = (kind: CallFailure['kind'], at = T_ACK, notAfter?: number): OrderEvent => ({
  type: 'xstate.error.actor.placeOrder',
  error: failure(kind, at, notAfter),
});
const cancelDone = (status: VenueOrderStatus, at: number, filledQuantity = '0'): OrderEvent => ({
  type: 'xstate.done.actor.cancelOrder',
  output: { venueOrderId: VID, status, filledQuantity, sentAt: at - 50, at },
});
const cancelError = (kind: CallFailure['kind'], at: number): OrderEvent => ({
  type: 'xstate.error.actor.cancelOrder',
  error: failure(kind, at),
});
const lookupFound = (status: VenueOrderStatus, sentAt: number, filledQuantity = '0'): OrderEvent => ({
  type: 'xstate.done.actor.lookupOrder',
  output: {
    order: { venueOrderId: VID, status, filledQuantity, sentAt, at: sentAt + 50 },
    sentAt,
    at: sentAt + 50,
  },
});
const lookupMissing = (sentAt: number): OrderEvent => ({
  type: 'xstate.done.actor.lookupOrder',
  output: { order: null, searched: true, sentAt, at: sentAt + 50 },
});
const lookupError = (at: number): OrderEvent => ({
  type: 'xstate.error.actor.lookupOrder',
  error: failure('unknown', at),
});
const ackTimeout = (at = T_ACK_TIMEOUT): TimerEvent => ({ type: ACK_TIMER, at });
const cancelTimeout = (at: number): TimerEvent => ({ type: CANCEL_TIMER, at });
const lookupRetry = (at: number): TimerEvent => ({ type: LOOKUP_TIMER, at });
const fill = (
  tradeId: string,
  quantity: string,
  at: number,
  price = '100.5',
  fee = '0.01',
  feeCurrency = 'USDT',
): OrderEvent => ({ type: 'ORDER_FILLED', tradeId, price, quantity, fee, feeCurrency, at });

/** The lookupOrder call the machine starts (the order created at 1_000), as `spawnedCalls` shows it. */
const lookupCall = (venueOrderId: string | null, search: boolean) => ({
  id: 'lookupOrder',
  src: 'lookupOrder',
  input: { clientOrderId: CID, symbol: 'BTC/USDT', venueOrderId, createdAt: 1_000, search },
});

// ---- driving the machine ------------------------------------------------------------------------------

function create(overrides: Partial<OrderInput> = {}): Snap {
  const [snap, actions] = initialTransition(orderMachine, { ...INPUT, ...overrides });
  expect(actions).toEqual([]);
  return snap;
}

/** One pure transition: the next snapshot and the actions the runtime would execute. */
function step(snap: Snap, event: AnyEvent): { snap: Snap; actions: PureAction[] } {
  const [next, actions] = transition(orderMachine, snap, event as OrderEvent);
  return { snap: next, actions };
}

/** Applies events one by one; each one must be accepted (a new snapshot object). */
function run(snap: Snap, ...events: AnyEvent[]): Snap {
  let current = snap;
  for (const event of events) {
    const next = step(current, event).snap;
    expect(next, `event ${event.type} was not accepted in ${JSON.stringify(current.value)}`).not.toBe(
      current,
    );
    current = next;
  }
  return current;
}

/** The ORDER_STATE_CHANGED notification expected for entering `state`. */
const note = (state: string, terminal: boolean, filledQuantity = '0', to: string = OWNER) => ({
  type: 'ORDER_STATE_CHANGED',
  to,
  clientOrderId: CID,
  state,
  terminal,
  filledQuantity,
});

// ---- reachable snapshots ------------------------------------------------------------------------------

const submitting = (overrides: Partial<OrderInput> = {}) => run(create(overrides), submit());
const opened = (overrides: Partial<OrderInput> = {}) => run(submitting(overrides), placeDone('open'));
const partiallyFilled = () => run(opened(), fill('T-1', '0.4', 3_000));
const cancelling = () => run(opened(), cancelOrder(4_000));
const lookingUp = (overrides: Partial<OrderInput> = {}) => run(submitting(overrides), ackTimeout());
const waiting = () => run(lookingUp(), lookupMissing(T_ACK_TIMEOUT + 100));

describe('order machine: creation and submit', () => {
  it('starts in pendingNew with the intent and empty venue facts', () => {
    const snap = create();
    expect(snap.value).toBe('pendingNew');
    expect(snap.status).toBe('active');
    expect(snap.hasTag('working')).toBe(true);
    expect(snap.context).toEqual({
      clientOrderId: CID,
      venue: 'paper',
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      price: '100.5',
      quantity: '1',
      level: 'bid-0',
      owner: OWNER,
      requestWindowMs: WINDOW,
      timeouts: TIMEOUTS,
      maxAttempts: 2,
      venueOrderId: null,
      filledQuantity: '0',
      filledNotional: '0',
      fees: {},
      venueFilledQuantity: '0',
      tradeIds: [],
      quarantinedTradeIds: [],
      cancelRequested: false,
      attempt: 0,
      landingDeadline: null,
      absentSince: null,
      absentAnswers: 0,
      createdAt: 1_000,
      updatedAt: 1_000,
      reason: null,
      anomalies: [],
    });
  });

  it('pendingNew -SUBMIT-> submitting: spawns placeOrder with the intent, arms the ACK timer, notifies', () => {
    const { snap, actions } = step(create(), submit());
    expect(snap.value).toBe('submitting');
    expect(snap.context.attempt).toBe(1);
    expect(snap.context.updatedAt).toBe(T_SUBMIT);
    expect(spawnedCalls(actions)).toEqual([
      { id: 'placeOrder', src: 'placeOrder', input: { ...PLACE_INPUT, attempt: 1 } },
    ]);
    expect(armedTimers(actions)).toEqual([{ id: ACK_TIMER, event: { type: ACK_TIMER }, delay: 5_000 }]);
    expect(emittedEvents(actions)).toEqual([note('submitting', false)]);
    expect(Object.keys(snap.children)).toEqual(['placeOrder']);
  });

  it('ignores events pendingNew does not accept (same snapshot object, no actions)', () => {
    const snap = create();
    for (const event of [placeDone('open'), fill('T-1', '0.1', 1_500), reconcile(1_500), ackTimeout(1_500)]) {
      const result = step(snap, event);
      expect(result.snap).toBe(snap);
      expect(result.actions).toEqual([]);
    }
  });

  it('CANCEL_ORDER in pendingNew -> cancelled without any venue call', () => {
    const { snap, actions } = step(create(), cancelOrder(1_500));
    expect(snap.value).toBe('cancelled');
    expect(snap.hasTag('terminal')).toBe(true);
    expect(snap.context.cancelRequested).toBe(true);
    expect(snap.context.attempt).toBe(0);
    expect(snap.context.updatedAt).toBe(1_500);
    expect(spawnedCalls(actions)).toEqual([]);
    expect(armedTimers(actions)).toEqual([]);
    expect(emittedEvents(actions)).toEqual([note('cancelled', true)]);
  });

  it('ORDER_ACCEPTED in pendingNew adopts an order the venue already has -> open', () => {
    const snap = run(create(), { type: 'ORDER_ACCEPTED', at: 1_500, venueOrderId: VID, filledQuantity: '0' });
    expect(snap.value).toBe('open');
    expect(snap.context.venueOrderId).toBe(VID);
  });
});

describe('order machine: place outcome', () => {
  it('done(open) -> open: records the venue order id, disarms the ACK timer, stops waiting', () => {
    const { snap, actions } = step(submitting(), placeDone('open'));
    expect(snap.value).toBe('open');
    expect(snap.context.venueOrderId).toBe(VID);
    expect(snap.context.venueFilledQuantity).toBe('0');
    expect(snap.context.updatedAt).toBe(T_ACK);
    expect(snap.context.landingDeadline).toBeNull();
    expect(cancelledTimers(actions)).toEqual([ACK_TIMER]);
    expect(stoppedCalls(actions)).toEqual(['placeOrder']);
    expect(spawnedCalls(actions)).toEqual([]);
    expect(emittedEvents(actions)).toEqual([note('open', false)]);
    expect(snap.children).toEqual({});
  });

  it.each([
    ['filled', 'filled', '1'],
    ['cancelled', 'cancelled', '0'],
    ['rejected', 'rejected', '0'],
    ['expired', 'expired', '0'],
  ] as const)('done(status %s) -> %s', (status, target, venueFilled) => {
    const { snap, actions } = step(submitting(), placeDone(status, venueFilled));
    expect(snap.value).toBe(target);
    expect(snap.hasTag('terminal')).toBe(true);
    expect(snap.context.venueOrderId).toBe(VID);
    expect(snap.context.venueFilledQuantity).toBe(venueFilled);
    // our own filled quantity only moves with applied fills
    expect(snap.context.filledQuantity).toBe('0');
    expect(cancelledTimers(actions)).toEqual([ACK_TIMER]);
    expect(emittedEvents(actions)).toEqual([note(target, true)]);
  });

  it('done(partiallyFilled) before any fill is applied -> open, the venue count runs ahead', () => {
    const snap = run(submitting(), placeDone('partiallyFilled', '0.3'));
    expect(snap.value).toBe('open');
    expect(snap.context.venueFilledQuantity).toBe('0.3');
    expect(snap.context.filledQuantity).toBe('0');
  });

  it("error kind 'rejected' -> rejected with the reason", () => {
    const { snap, actions } = step(submitting(), placeError('rejected'));
    expect(snap.value).toBe('rejected');
    expect(snap.context.reason).toBe('rejected: boom');
    expect(snap.context.landingDeadline).toBeNull();
    expect(snap.context.updatedAt).toBe(T_ACK);
    expect(spawnedCalls(actions)).toEqual([]);
    expect(emittedEvents(actions)).toEqual([note('rejected', true)]);
  });

  it("error kind 'unknown' -> unconfirmed.lookingUp with landingDeadline = notAfter, spawns lookupOrder", () => {
    const { snap, actions } = step(submitting(), placeError('unknown', T_ACK, 12_345));
    expect(snap.value).toEqual({ unconfirmed: 'lookingUp' });
    expect(snap.context.landingDeadline).toBe(12_345);
    expect(snap.context.reason).toBe('unknown: boom');
    expect(snap.context.updatedAt).toBe(T_ACK);
    expect(spawnedCalls(actions)).toEqual([lookupCall(null, false)]);
    expect(cancelledTimers(actions)).toEqual([ACK_TIMER]);
    expect(emittedEvents(actions)).toEqual([note('unconfirmed', false)]);
  });

  it('ACK timeout -> unconfirmed.lookingUp with landingDeadline = event.at + requestWindowMs', () => {
    const { snap, actions } = step(submitting(), ackTimeout(T_ACK_TIMEOUT));
    expect(snap.value).toEqual({ unconfirmed: 'lookingUp' });
    expect(snap.context.landingDeadline).toBe(DEADLINE);
    expect(snap.context.reason).toBe('no reply before timeout');
    expect(snap.context.updatedAt).toBe(T_ACK_TIMEOUT);
    expect(stoppedCalls(actions)).toEqual(['placeOrder']);
    expect(spawnedCalls(actions)).toEqual([lookupCall(null, false)]);
    expect(emittedEvents(actions)).toEqual([note('unconfirmed', false)]);
  });

  it('ORDER_ACCEPTED pushed before the place reply -> open; the late reply then changes nothing', () => {
    const accepted = run(submitting(), {
      type: 'ORDER_ACCEPTED',
      at: 2_050,
      venueOrderId: VID,
      filledQuantity: '0',
    });
    expect(accepted.value).toBe('open');
    expect(accepted.context.venueOrderId).toBe(VID);
    expect(step(accepted, placeDone('open')).snap).toBe(accepted);
  });

  it('ORDER_REJECTED pushed while submitting -> rejected with the venue reason', () => {
    const snap = run(submitting(), { type: 'ORDER_REJECTED', at: 2_050, reason: 'insufficient balance' });
    expect(snap.value).toBe('rejected');
    expect(snap.context.reason).toBe('insufficient balance');
  });

  it('PLACE_DENIED while submitting -> denied (terminal): the reason kept, the ACK timer disarmed, the call dropped', () => {
    const reason = 'denied by risk: maxPosition (worst-case position 0.3 beyond ±0.2)';
    const { snap, actions } = step(submitting(), {
      type: 'PLACE_DENIED',
      at: 2_010,
      reason,
      rule: 'maxPosition',
    });
    expect(snap.value).toBe('denied');
    expect(snap.status).toBe('active'); // terminal by tag: a late fill is still applied
    expect(snap.hasTag('terminal')).toBe(true);
    expect(snap.context.reason).toBe(reason);
    expect(snap.context.venueOrderId).toBeNull();
    expect(snap.context.landingDeadline).toBeNull();
    expect(snap.context.updatedAt).toBe(2_010);
    expect(stoppedCalls(actions)).toEqual(['placeOrder']);
    expect(cancelledTimers(actions)).toEqual([ACK_TIMER]);
    expect(spawnedCalls(actions)).toEqual([]);
    expect(emittedEvents(actions)).toEqual([note('denied', true)]);
  });

  it('PLACE_DENIED is taken only while submitting: a placed, pending or ended order ignores it', () => {
    const denial: OrderEvent = {
      type: 'PLACE_DENIED',
      at: 2_010,
      reason: 'denied by the trading state: halted',
    };
    for (const snap of [create(), opened(), lookingUp(), run(submitting(), placeError('rejected'))])
      expect(step(snap, denial).snap).toBe(snap);
    const denied = run(submitting(), denial);
    expect(denied.value).toBe('denied');
    expect(denied.context.reason).toBe('denied by the trading state: halted');
    expect(step(denied, denial).snap).toBe(denied);
    expect(step(denied, placeDone('open')).snap).toBe(denied);
  });

  it('a stale ACK timer after the ack changes nothing', () => {
    const snap = opened();
    const result = step(snap, ackTimeout());
    expect(result.snap).toBe(snap);
    expect(result.actions).toEqual([]);
  });
});

describe('order machine: unconfirmed (lookups)', () => {
  it.each([
    ['open', 'open', false],
    ['filled', 'filled', true],
    ['cancelled', 'cancelled', true],
    ['rejected', 'rejected', true],
    ['expired', 'expired', true],
  ] as const)('lookingUp: found %s -> %s', (status, target, terminal) => {
    const { snap, actions } = step(lookingUp(), lookupFound(status, T_ACK_TIMEOUT + 100));
    expect(snap.value).toBe(target);
    expect(snap.context.venueOrderId).toBe(VID);
    expect(snap.context.updatedAt).toBe(T_ACK_TIMEOUT + 150);
    expect(stoppedCalls(actions)).toEqual(['lookupOrder']);
    expect(emittedEvents(actions)).toEqual([note(target, terminal)]);
  });

  it('lookingUp: found partiallyFilled with fills applied -> partiallyFilled', () => {
    const before = run(partiallyFilled(), reconcile(5_000));
    expect(before.value).toEqual({ unconfirmed: 'lookingUp' });
    const { snap, actions } = step(before, lookupFound('partiallyFilled', 5_100, '0.4'));
    expect(snap.value).toBe('partiallyFilled');
    expect(snap.context.filledQuantity).toBe('0.4');
    expect(snap.context.venueFilledQuantity).toBe('0.4');
    expect(emittedEvents(actions)).toEqual([note('partiallyFilled', false, '0.4')]);
  });

  it('lookingUp: found partiallyFilled before its fills are applied -> open (venue count recorded)', () => {
    const snap = run(lookingUp(), lookupFound('partiallyFilled', T_ACK_TIMEOUT + 100, '0.25'));
    expect(snap.value).toBe('open');
    expect(snap.context.venueFilledQuantity).toBe('0.25');
  });

  it('lookingUp: found while a cancel was requested -> pendingCancel, which sends the cancel', () => {
    const before = run(submitting(), cancelOrder(2_050), ackTimeout());
    expect(before.context.cancelRequested).toBe(true);
    const { snap, actions } = step(before, lookupFound('open', T_ACK_TIMEOUT + 100));
    expect(snap.value).toBe('pendingCancel');
    expect(spawnedCalls(actions)).toEqual([
      {
        id: 'cancelOrder',
        src: 'cancelOrder',
        input: { clientOrderId: CID, symbol: 'BTC/USDT', venueOrderId: VID },
      },
    ]);
    expect(armedTimers(actions)).toEqual([{ id: CANCEL_TIMER, event: { type: CANCEL_TIMER }, delay: 3_000 }]);
    expect(emittedEvents(actions)).toEqual([note('pendingCancel', false)]);
  });

  it('lookingUp: not found before the landing deadline -> waiting (LOOKUP_RETRY armed), context untouched', () => {
    const before = lookingUp();
    const { snap, actions } = step(before, lookupMissing(T_ACK_TIMEOUT + 100));
    expect(snap.value).toEqual({ unconfirmed: 'waiting' });
    expect(snap.context).toEqual(before.context);
    expect(armedTimers(actions)).toEqual([{ id: LOOKUP_TIMER, event: { type: LOOKUP_TIMER }, delay: 2_000 }]);
    expect(spawnedCalls(actions)).toEqual([]);
    // moving between sub-states of unconfirmed is not a state change for the owner
    expect(emittedEvents(actions)).toEqual([]);
  });

  it('lookingUp: not found exactly at the landing deadline is not yet proof of absence -> waiting', () => {
    const snap = run(lookingUp(), lookupMissing(DEADLINE));
    expect(snap.value).toEqual({ unconfirmed: 'waiting' });
  });

  it('after the landing deadline, only a lookup that also searched the open orders and the history proves absence', () => {
    const unsearched: OrderEvent = {
      type: 'xstate.done.actor.lookupOrder',
      output: { order: null, sentAt: DEADLINE + 1, at: DEADLINE + 51 },
    };
    const waited = run(lookingUp(), unsearched);
    expect(waited.value).toEqual({ unconfirmed: 'waiting' });
    // the lookup the retry starts after the deadline asks for the search
    const { snap, actions } = step(waited, lookupRetry(DEADLINE + 2_100));
    expect(spawnedCalls(actions)).toEqual([lookupCall(null, true)]);
    expect(run(snap, lookupMissing(DEADLINE + 2_150)).value).toBe('submitting');
  });

  it('waiting -LOOKUP_RETRY-> lookingUp: looks up again', () => {
    const { snap, actions } = step(waiting(), lookupRetry(T_ACK_TIMEOUT + 2_150));
    expect(snap.value).toEqual({ unconfirmed: 'lookingUp' });
    expect(spawnedCalls(actions)).toEqual([lookupCall(null, false)]);
    expect(emittedEvents(actions)).toEqual([]);
  });

  it('lookup error -> waiting, the failure recorded', () => {
    const { snap, actions } = step(lookingUp(), lookupError(T_ACK_TIMEOUT + 200));
    expect(snap.value).toEqual({ unconfirmed: 'waiting' });
    expect(snap.context.reason).toBe('unknown: boom');
    expect(snap.context.landingDeadline).toBe(DEADLINE);
    expect(snap.context.updatedAt).toBe(T_ACK_TIMEOUT + 200);
    expect(armedTimers(actions)).toEqual([{ id: LOOKUP_TIMER, event: { type: LOOKUP_TIMER }, delay: 2_000 }]);
  });

  it('not found after the deadline with attempts left -> submitting again (attempt 2)', () => {
    const { snap, actions } = step(waiting(), lookupRetry(DEADLINE));
    expect(snap.value).toEqual({ unconfirmed: 'lookingUp' });
    expect(spawnedCalls(actions).map((c) => c.id)).toEqual(['lookupOrder']);
    const again = step(snap, lookupMissing(DEADLINE + 1));
    expect(again.snap.value).toBe('submitting');
    expect(again.snap.context.attempt).toBe(2);
    expect(again.snap.context.updatedAt).toBe(DEADLINE + 51);
    expect(spawnedCalls(again.actions)).toEqual([
      { id: 'placeOrder', src: 'placeOrder', input: { ...PLACE_INPUT, attempt: 2 } },
    ]);
    expect(armedTimers(again.actions)).toEqual([{ id: ACK_TIMER, event: { type: ACK_TIMER }, delay: 5_000 }]);
    expect(emittedEvents(again.actions)).toEqual([note('submitting', false)]);
    expect(stoppedCalls(again.actions)).toEqual(['lookupOrder']);
  });

  it('not found after the deadline with no attempts left -> rejected (never placed)', () => {
    const { snap, actions } = step(lookingUp({ maxAttempts: 1 }), lookupMissing(DEADLINE + 1));
    expect(snap.value).toBe('rejected');
    expect(snap.context.reason).toBe('venue never received the order (1 attempt(s))');
    expect(snap.context.updatedAt).toBe(DEADLINE + 51);
    expect(spawnedCalls(actions)).toEqual([]);
    expect(emittedEvents(actions)).toEqual([note('rejected', true)]);
  });

  it('second attempt also lost -> rejected after maxAttempts (2) place attempts', () => {
    const second = run(lookingUp(), lookupMissing(DEADLINE + 1));
    expect(second.value).toBe('submitting');
    const t2 = DEADLINE + 5_051;
    const snap = run(second, ackTimeout(t2), lookupMissing(t2 + WINDOW + 1));
    expect(snap.value).toBe('rejected');
    expect(snap.context.attempt).toBe(2);
    expect(snap.context.landingDeadline).toBe(t2 + WINDOW);
    expect(snap.context.reason).toBe('venue never received the order (2 attempt(s))');
  });

  it('not found after the deadline when a cancel was requested -> cancelled, without a call', () => {
    const before = run(submitting(), cancelOrder(2_050), ackTimeout());
    const { snap, actions } = step(before, lookupMissing(DEADLINE + 1));
    expect(snap.value).toBe('cancelled');
    expect(spawnedCalls(actions)).toEqual([]);
    expect(emittedEvents(actions)).toEqual([note('cancelled', true)]);
  });

  it('a known order (venue id recorded) not found once is not gone: waiting, still live, looked up again', () => {
    // ack timed out (deadline set), the lookup found it open (venue id known), a later reconcile misses it
    const known = run(lookingUp(), lookupFound('open', T_ACK_TIMEOUT + 100));
    expect(known.context.venueOrderId).toBe(VID);
    const before = run(known, reconcile(DEADLINE + 1_000));
    expect(before.value).toEqual({ unconfirmed: 'lookingUp' });
    const { snap, actions } = step(before, lookupMissing(DEADLINE + 1_100));
    expect(snap.value).toEqual({ unconfirmed: 'waiting' });
    expect(snap.hasTag('terminal')).toBe(false);
    expect(snap.hasTag('atVenue')).toBe(true);
    expect(snap.context.absentSince).toBe(DEADLINE + 1_100);
    expect(snap.context.absentAnswers).toBe(1);
    expect(snap.context.anomalies).toEqual([]);
    expect(emittedEvents(actions)).toEqual([]);
    // the next lookup waits longer while the order is not found (2 s doubled)
    expect(armedTimers(actions)).toEqual([{ id: LOOKUP_TIMER, event: { type: LOOKUP_TIMER }, delay: 2_500 }]);
    // and the order shows up again: open, the absence streak forgotten
    const back = run(snap, lookupRetry(DEADLINE + 3_700), lookupFound('open', DEADLINE + 3_800));
    expect(back.value).toBe('open');
    expect(back.context.absentSince).toBeNull();
    expect(back.context.absentAnswers).toBe(0);
  });

  it('a known order is expired (vanished) only when searched lookups find it nowhere, 3 times and over absenceProofMs', () => {
    const known = run(lookingUp(), lookupFound('open', T_ACK_TIMEOUT + 100), reconcile(20_000));
    const first = run(known, lookupMissing(20_100));
    expect(first.context.absentSince).toBe(20_100);
    // three answers, but within 10 s of the first: not proof
    const third = run(
      first,
      lookupRetry(22_600),
      lookupMissing(22_700),
      lookupRetry(25_200),
      lookupMissing(25_300),
    );
    expect(third.value).toEqual({ unconfirmed: 'waiting' });
    expect(third.context.absentAnswers).toBe(3);
    // a lookup that could not search the open orders and the history is no proof either
    const unsearched: OrderEvent = {
      type: 'xstate.done.actor.lookupOrder',
      output: { order: null, sentAt: 40_000, at: 40_050 },
    };
    const notProof = run(third, lookupRetry(27_800), unsearched);
    expect(notProof.value).toEqual({ unconfirmed: 'waiting' });
    // a searched answer 10 s after the first, the fifth in a row: gone
    const { snap, actions } = step(run(notProof, lookupRetry(42_600)), lookupMissing(42_700));
    expect(snap.value).toBe('expired');
    expect(snap.context.reason).toBe(
      'the venue no longer knows this order: 5 lookups over 22650 ms found it nowhere (order, open orders, order history)',
    );
    expect(snap.context.anomalies).toEqual([`order ${VID} vanished at the venue`]);
    expect(emittedEvents(actions)).toEqual([note('expired', true)]);
  });

  it('a fill while a known order is not found ends the absence streak', () => {
    const known = run(lookingUp(), lookupFound('open', T_ACK_TIMEOUT + 100), reconcile(20_000));
    const absent = run(known, lookupMissing(20_100));
    const filled = run(absent, fill('T-1', '0.4', 20_200));
    expect(filled.value).toBe('partiallyFilled');
    expect(filled.context.absentAnswers).toBe(0);
    expect(filled.context.absentSince).toBeNull();
  });

  it('CANCEL_ORDER while unconfirmed records the request; a later find goes to pendingCancel', () => {
    const requested = run(lookingUp(), cancelOrder(T_ACK_TIMEOUT + 10));
    expect(requested.value).toEqual({ unconfirmed: 'lookingUp' });
    expect(requested.context.cancelRequested).toBe(true);
    expect(run(requested, lookupFound('open', T_ACK_TIMEOUT + 100)).value).toBe('pendingCancel');
  });

  it('venue facts pushed while unconfirmed resolve it', () => {
    expect(
      run(lookingUp(), { type: 'ORDER_ACCEPTED', at: 7_100, venueOrderId: VID, filledQuantity: '0' }).value,
    ).toBe('open');
    expect(run(lookingUp(), { type: 'ORDER_REJECTED', at: 7_100, reason: 'no' }).value).toBe('rejected');
    expect(run(waiting(), fill('T-1', '0.5', 7_200)).value).toBe('partiallyFilled');
    expect(run(waiting(), fill('T-1', '1', 7_200)).value).toBe('filled');
  });
});

describe('order machine: cancel path', () => {
  it('open -CANCEL_ORDER-> pendingCancel: spawns cancelOrder, arms CANCEL_TIMEOUT, notifies', () => {
    const { snap, actions } = step(opened(), cancelOrder(4_000));
    expect(snap.value).toBe('pendingCancel');
    expect(snap.context.cancelRequested).toBe(true);
    expect(snap.context.updatedAt).toBe(4_000);
    expect(spawnedCalls(actions)).toEqual([
      {
        id: 'cancelOrder',
        src: 'cancelOrder',
        input: { clientOrderId: CID, symbol: 'BTC/USDT', venueOrderId: VID },
      },
    ]);
    expect(armedTimers(actions)).toEqual([{ id: CANCEL_TIMER, event: { type: CANCEL_TIMER }, delay: 3_000 }]);
    expect(emittedEvents(actions)).toEqual([note('pendingCancel', false)]);
  });

  it('partiallyFilled -CANCEL_ORDER-> pendingCancel', () => {
    const { snap, actions } = step(partiallyFilled(), cancelOrder(4_000));
    expect(snap.value).toBe('pendingCancel');
    expect(spawnedCalls(actions).map((c) => c.id)).toEqual(['cancelOrder']);
    expect(emittedEvents(actions)).toEqual([note('pendingCancel', false, '0.4')]);
  });

  it('a second CANCEL_ORDER while pendingCancel changes nothing (no second cancel call)', () => {
    const snap = cancelling();
    const result = step(snap, cancelOrder(4_100));
    expect(result.snap).toBe(snap);
    expect(result.actions).toEqual([]);
  });

  it('cancel done(cancelled) -> cancelled', () => {
    const { snap, actions } = step(cancelling(), cancelDone('cancelled', 4_200));
    expect(snap.value).toBe('cancelled');
    expect(snap.context.updatedAt).toBe(4_200);
    expect(cancelledTimers(actions)).toEqual([CANCEL_TIMER]);
    expect(stoppedCalls(actions)).toEqual(['cancelOrder']);
    expect(emittedEvents(actions)).toEqual([note('cancelled', true)]);
  });

  it('cancel done(filled) -> filled (it filled before the cancel landed)', () => {
    const { snap, actions } = step(cancelling(), cancelDone('filled', 4_200, '1'));
    expect(snap.value).toBe('filled');
    expect(snap.context.venueFilledQuantity).toBe('1');
    expect(emittedEvents(actions)).toEqual([note('filled', true)]);
  });

  it('cancel done(expired) -> expired; done(open) -> unconfirmed', () => {
    expect(run(cancelling(), cancelDone('expired', 4_200)).value).toBe('expired');
    expect(run(cancelling(), cancelDone('open', 4_200)).value).toEqual({ unconfirmed: 'lookingUp' });
  });

  it('cancel error -> unconfirmed (lookup), the failure recorded', () => {
    const { snap, actions } = step(cancelling(), cancelError('unknown', 4_200));
    expect(snap.value).toEqual({ unconfirmed: 'lookingUp' });
    expect(snap.context.reason).toBe('unknown: boom');
    expect(snap.context.cancelRequested).toBe(true);
    expect(spawnedCalls(actions)).toEqual([lookupCall(VID, true)]);
  });

  it('CANCEL_TIMEOUT -> unconfirmed with landingDeadline = at + requestWindowMs; found -> cancel again', () => {
    const { snap, actions } = step(cancelling(), cancelTimeout(7_000));
    expect(snap.value).toEqual({ unconfirmed: 'lookingUp' });
    expect(snap.context.reason).toBe('no reply before timeout');
    expect(snap.context.landingDeadline).toBe(7_000 + WINDOW);
    expect(stoppedCalls(actions)).toEqual(['cancelOrder']);
    expect(spawnedCalls(actions).map((c) => c.id)).toEqual(['lookupOrder']);
    const again = step(snap, lookupFound('open', 7_100));
    expect(again.snap.value).toBe('pendingCancel');
    expect(spawnedCalls(again.actions).map((c) => c.id)).toEqual(['cancelOrder']);
  });

  it('RECONCILE_ORDER from open, partiallyFilled and pendingCancel -> unconfirmed', () => {
    for (const snap of [opened(), partiallyFilled(), cancelling()]) {
      const { snap: next, actions } = step(snap, reconcile(9_000));
      expect(next.value).toEqual({ unconfirmed: 'lookingUp' });
      expect(spawnedCalls(actions).map((c) => c.id)).toEqual(['lookupOrder']);
    }
  });

  it('closing facts pushed by the venue while working', () => {
    const completed = run(opened(), {
      type: 'ORDER_COMPLETED',
      at: 5_000,
      venueOrderId: VID,
      filledQuantity: '1',
    });
    expect(completed.value).toBe('filled');
    expect(completed.context.venueFilledQuantity).toBe('1');
    expect(
      run(partiallyFilled(), { type: 'ORDER_CANCELLED', at: 5_000, venueOrderId: VID, filledQuantity: '0.4' })
        .value,
    ).toBe('cancelled');
    expect(
      run(cancelling(), { type: 'ORDER_EXPIRED', at: 5_000, venueOrderId: VID, filledQuantity: '0' }).value,
    ).toBe('expired');
  });
});

describe('order machine: races and fills', () => {
  it('fill while submitting (before the ack) -> partiallyFilled; the late ack changes nothing', () => {
    const { snap, actions } = step(submitting(), fill('T-1', '0.4', 2_050));
    expect(snap.value).toBe('partiallyFilled');
    expect(snap.context.filledQuantity).toBe('0.4');
    expect(cancelledTimers(actions)).toEqual([ACK_TIMER]);
    expect(stoppedCalls(actions)).toEqual(['placeOrder']);
    expect(emittedEvents(actions)).toEqual([note('partiallyFilled', false, '0.4')]);
    const late = step(snap, placeDone('open'));
    expect(late.snap).toBe(snap);
    expect(late.actions).toEqual([]);
  });

  it('ack arriving after a complete fill changes nothing', () => {
    const filled = run(submitting(), fill('T-1', '1', 2_050));
    expect(filled.value).toBe('filled');
    const late = step(filled, placeDone('open'));
    expect(late.snap).toBe(filled);
    expect(late.actions).toEqual([]);
  });

  it('fill while pendingCancel: partial stays pendingCancel (no new cancel call), complete -> filled', () => {
    const partial = step(cancelling(), fill('T-1', '0.4', 4_100));
    expect(partial.snap.value).toBe('pendingCancel');
    expect(partial.snap.context.filledQuantity).toBe('0.4');
    expect(spawnedCalls(partial.actions)).toEqual([]);
    expect(emittedEvents(partial.actions)).toEqual([]);
    const complete = step(partial.snap, fill('T-2', '0.6', 4_200));
    expect(complete.snap.value).toBe('filled');
    expect(complete.snap.context.filledQuantity).toBe('1');
    expect(stoppedCalls(complete.actions)).toEqual(['cancelOrder']);
    expect(emittedEvents(complete.actions)).toEqual([note('filled', true, '1')]);
    // the cancel reply that arrives afterwards is ignored
    expect(step(complete.snap, cancelDone('cancelled', 4_300)).snap).toBe(complete.snap);
  });

  it('fill after cancelled is applied and stays cancelled; a completing fill -> filled', () => {
    const cancelled = run(cancelling(), cancelDone('cancelled', 4_200));
    const late = step(cancelled, fill('T-1', '0.4', 4_300));
    expect(late.snap.value).toBe('cancelled');
    expect(late.snap.context.filledQuantity).toBe('0.4');
    expect(late.snap.context.tradeIds).toEqual(['T-1']);
    expect(emittedEvents(late.actions)).toEqual([]);
    const complete = step(late.snap, fill('T-2', '0.6', 4_400));
    expect(complete.snap.value).toBe('filled');
    expect(complete.snap.context.filledQuantity).toBe('1');
    expect(emittedEvents(complete.actions)).toEqual([note('filled', true, '1')]);
  });

  it('late fills in filled and expired are applied; in rejected and denied they are applied and flagged', () => {
    const filled = run(opened(), {
      type: 'ORDER_COMPLETED',
      at: 5_000,
      venueOrderId: VID,
      filledQuantity: '1',
    });
    const f = run(filled, fill('T-1', '1', 5_100));
    expect(f.value).toBe('filled');
    expect(f.context.filledQuantity).toBe('1');
    const expired = run(opened(), {
      type: 'ORDER_EXPIRED',
      at: 5_000,
      venueOrderId: VID,
      filledQuantity: '0.2',
    });
    const e = run(expired, fill('T-1', '0.2', 5_100));
    expect(e.value).toBe('expired');
    expect(e.context.filledQuantity).toBe('0.2');
    const rejected = run(submitting(), placeError('rejected'));
    const r = run(rejected, fill('T-9', '0.1', 5_100));
    expect(r.value).toBe('rejected');
    expect(r.context.filledQuantity).toBe('0.1');
    expect(r.context.anomalies).toEqual(['fill T-9 on a rejected order']);
    const denied = run(submitting(), { type: 'PLACE_DENIED', at: 2_010, reason: 'denied by risk: x' });
    const d = run(denied, fill('T-8', '0.1', 5_100));
    expect(d.value).toBe('denied');
    expect(d.context.filledQuantity).toBe('0.1');
    expect(d.context.anomalies).toEqual(['fill T-8 on a denied order']);
  });

  it('CANCEL_ORDER while submitting sets cancelRequested; the ack then goes to pendingCancel', () => {
    const requested = step(submitting(), cancelOrder(2_050));
    expect(requested.snap.value).toBe('submitting');
    expect(requested.snap.context.cancelRequested).toBe(true);
    expect(requested.snap.context.updatedAt).toBe(2_050);
    expect(spawnedCalls(requested.actions)).toEqual([]);
    expect(cancelledTimers(requested.actions)).toEqual([]);
    const { snap, actions } = step(requested.snap, placeDone('open'));
    expect(snap.value).toBe('pendingCancel');
    expect(snap.context.venueOrderId).toBe(VID);
    expect(spawnedCalls(actions)).toEqual([
      {
        id: 'cancelOrder',
        src: 'cancelOrder',
        input: { clientOrderId: CID, symbol: 'BTC/USDT', venueOrderId: VID },
      },
    ]);
  });

  it('a partial fill while submitting with a cancel requested -> pendingCancel', () => {
    const snap = run(submitting(), cancelOrder(2_050), fill('T-1', '0.3', 2_060));
    expect(snap.value).toBe('pendingCancel');
    expect(snap.context.filledQuantity).toBe('0.3');
  });

  it('a duplicate fill (same tradeId) returns the same snapshot object, in every state that takes fills', () => {
    const once = run(opened(), fill('T-1', '0.4', 3_000));
    const dup = step(once, fill('T-1', '0.4', 3_100));
    expect(dup.snap).toBe(once);
    expect(dup.actions).toEqual([]);
    const cancelled = run(once, cancelOrder(4_000), cancelDone('cancelled', 4_100));
    expect(step(cancelled, fill('T-1', '0.4', 4_200)).snap).toBe(cancelled);
    const pending = run(once, cancelOrder(4_000));
    expect(step(pending, fill('T-1', '0.4', 4_200)).snap).toBe(pending);
  });

  it('an overfill is applied (the venue traded it), ends the order filled and records the anomaly', () => {
    const once = run(opened(), fill('T-1', '0.6', 3_000));
    const { snap, actions } = step(once, fill('T-2', '0.5', 3_100));
    expect(snap.value).toBe('filled');
    expect(snap.context.filledQuantity).toBe('1.1');
    expect(snap.context.filledNotional).toBe('110.55');
    expect(snap.context.tradeIds).toEqual(['T-1', 'T-2']);
    expect(snap.context.anomalies).toEqual(['overfill: trade T-2 of 0.5 takes the order to 1.1 of 1']);
    expect(snap.context.updatedAt).toBe(3_100);
    expect(emittedEvents(actions)).toEqual([note('filled', true, '1.1')]);
    // in a terminal state too
    const filled = run(once, fill('T-3', '0.4', 3_200));
    expect(filled.value).toBe('filled');
    const over = run(filled, fill('T-4', '0.00000001', 3_300));
    expect(over.value).toBe('filled');
    expect(over.context.filledQuantity).toBe('1.00000001');
    expect(over.context.anomalies).toEqual([
      'overfill: trade T-4 of 0.00000001 takes the order to 1.00000001 of 1',
    ]);
    expect(over.context.quarantinedTradeIds).toEqual([]);
    // the same trade again is a duplicate: nothing changes
    expect(step(over, fill('T-4', '0.00000001', 3_400)).snap).toBe(over);
  });

  it('a status report with a larger cumulative filled quantity is recorded while the order rests', () => {
    const open = opened();
    const report = { type: 'ORDER_ACCEPTED', at: 3_000, venueOrderId: VID, filledQuantity: '0.3' } as const;
    const snap = run(open, report);
    expect(snap.value).toBe('open');
    expect(snap.context.venueFilledQuantity).toBe('0.3');
    expect(snap.context.filledQuantity).toBe('0');
    // the same report again changes nothing
    expect(step(snap, report).snap).toBe(snap);
  });

  it('fill sums are exact decimals: 0.1 + 0.2 = 0.3 completes a 0.3 order', () => {
    const snap = run(
      opened({ quantity: '0.3' }),
      fill('T-1', '0.1', 3_000, '100.1', '0.0001', 'BNB'),
      fill('T-2', '0.2', 3_100, '100.2', '0.01', 'USDT'),
    );
    expect(snap.value).toBe('filled');
    expect(snap.context.filledQuantity).toBe('0.3');
    // 100.1 × 0.1 + 100.2 × 0.2 = 10.01 + 20.04
    expect(snap.context.filledNotional).toBe('30.05');
    expect(snap.context.fees).toEqual({ BNB: '0.0001', USDT: '0.01' });
    expect(snap.context.tradeIds).toEqual(['T-1', 'T-2']);
    expect(snap.context.venueFilledQuantity).toBe('0.3');
    expect(snap.context.updatedAt).toBe(3_100);
  });

  it('fees accumulate per currency exactly', () => {
    const snap = run(
      opened({ quantity: '10' }),
      fill('T-1', '0.1', 3_000, '1', '0.1', 'USDT'),
      fill('T-2', '0.1', 3_100, '1', '0.2', 'USDT'),
      fill('T-3', '0.1', 3_200, '1', '0.00000001', 'BNB'),
    );
    expect(snap.context.fees).toEqual({ USDT: '0.3', BNB: '0.00000001' });
    expect(snap.context.filledQuantity).toBe('0.3');
    expect(snap.context.filledNotional).toBe('0.3');
  });

  it('a fill carrying the venue order id records it when the ack was never seen', () => {
    const snap = run(submitting(), { ...fill('T-1', '0.4', 2_050), venueOrderId: 'V-9' } as OrderEvent);
    expect(snap.context.venueOrderId).toBe('V-9');
  });

  it('terminal states ignore commands (same snapshot object)', () => {
    const terminals = [
      run(opened(), cancelOrder(4_000), cancelDone('cancelled', 4_100)),
      run(opened(), fill('T-1', '1', 3_000)),
      run(submitting(), placeError('rejected')),
      run(submitting(), placeDone('expired')),
    ];
    for (const snap of terminals) {
      expect(snap.hasTag('terminal')).toBe(true);
      for (const event of [submit(9_000), cancelOrder(9_000), reconcile(9_000), ackTimeout(9_000)]) {
        expect(step(snap, event).snap).toBe(snap);
      }
    }
  });
});

describe('order machine: owner notifications', () => {
  /** A walk through every state, as (event, state entered, terminal, filledQuantity after). */
  const walks: {
    name: string;
    start: (o: Partial<OrderInput>) => Snap;
    events: AnyEvent[];
    notes: [string, boolean, string][];
  }[] = [
    {
      name: 'submit, timeout, found, fill, cancel, cancelled',
      start: (o) => create(o),
      events: [
        submit(),
        ackTimeout(),
        lookupFound('open', T_ACK_TIMEOUT + 100),
        fill('T-1', '0.4', 8_000),
        cancelOrder(8_100),
        cancelDone('cancelled', 8_200),
      ],
      notes: [
        ['submitting', false, '0'],
        ['unconfirmed', false, '0'],
        ['open', false, '0'],
        ['partiallyFilled', false, '0.4'],
        ['pendingCancel', false, '0.4'],
        ['cancelled', true, '0.4'],
      ],
    },
    {
      name: 'submit, lost, resubmit, rejected',
      start: (o) => create(o),
      events: [submit(), ackTimeout(), lookupMissing(DEADLINE + 1), placeError('rejected', DEADLINE + 100)],
      notes: [
        ['submitting', false, '0'],
        ['unconfirmed', false, '0'],
        ['submitting', false, '0'],
        ['rejected', true, '0'],
      ],
    },
    {
      name: 'filled and expired',
      start: (o) => create(o),
      events: [submit(), placeDone('open'), fill('T-1', '1', 3_000)],
      notes: [
        ['submitting', false, '0'],
        ['open', false, '0'],
        ['filled', true, '1'],
      ],
    },
    {
      name: 'expired',
      start: (o) => create(o),
      events: [submit(), placeDone('expired')],
      notes: [
        ['submitting', false, '0'],
        ['expired', true, '0'],
      ],
    },
  ];

  it.each(walks)('with an owner, every state entry emits ORDER_STATE_CHANGED to it: $name', (walk) => {
    let snap = walk.start({});
    const seen: Record<string, unknown>[] = [];
    for (const event of walk.events) {
      const result = step(snap, event);
      expect(result.snap).not.toBe(snap);
      seen.push(...emittedEvents(result.actions));
      snap = result.snap;
    }
    expect(seen).toEqual(walk.notes.map(([state, terminal, filled]) => note(state, terminal, filled)));
  });

  it.each(walks)('with owner null nothing is emitted: $name', (walk) => {
    let snap = walk.start({ owner: null });
    for (const event of walk.events) {
      const result = step(snap, event);
      expect(result.snap).not.toBe(snap);
      expect(result.actions.filter((a) => a.type === 'xstate.emit')).toEqual([]);
      snap = result.snap;
    }
    expect(snap.hasTag('terminal')).toBe(true);
  });
});

describe('order machine: persisted snapshots', () => {
  const reachable: [string, () => Snap, AnyEvent | null][] = [
    ['pendingNew', () => create(), submit()],
    ['submitting', () => submitting(), placeDone('open')],
    ['submitting (cancel requested)', () => run(submitting(), cancelOrder(2_050)), placeDone('open')],
    ['open', () => opened(), cancelOrder(4_000)],
    ['partiallyFilled', () => partiallyFilled(), fill('T-2', '0.6', 4_000)],
    ['pendingCancel', () => cancelling(), cancelDone('cancelled', 4_200)],
    ['unconfirmed.lookingUp', () => lookingUp(), lookupFound('open', T_ACK_TIMEOUT + 100)],
    ['unconfirmed.waiting', () => waiting(), lookupRetry(T_ACK_TIMEOUT + 2_150)],
    ['filled', () => run(opened(), fill('T-1', '1', 3_000)), fill('T-1', '1', 3_000)],
    ['cancelled', () => run(cancelling(), cancelDone('cancelled', 4_200)), fill('T-1', '0.5', 4_300)],
    ['rejected', () => run(submitting(), placeError('rejected')), fill('T-1', '0.5', 4_300)],
    ['expired', () => run(lookingUp(), lookupFound('expired', 7_100)), fill('T-1', '0.5', 7_200)],
  ];

  it.each(reachable)(
    '%s round-trips through JSON and createActor(...).getSnapshot()',
    (_name, make, next) => {
      const snap = make();
      const persisted = orderMachine.getPersistedSnapshot(snap);
      const json = JSON.stringify(persisted);
      const restored = restoreSnapshot(orderMachine, json);
      expect(restored.status).toBe('active');
      expect(restored.value).toEqual(snap.value);
      expect(restored.context).toEqual(snap.context);
      expect(Object.keys(restored.children).sort()).toEqual(Object.keys(snap.children).sort());
      // re-persisting the restored snapshot writes the same JSON
      expect(JSON.stringify(orderMachine.getPersistedSnapshot(restored))).toBe(json);
      if (next !== null) {
        // and the restored snapshot reacts to the next event exactly like the original
        const fromOriginal = step(snap, next);
        const fromRestored = step(restored, next);
        expect(fromRestored.snap.value).toEqual(fromOriginal.snap.value);
        expect(fromRestored.snap.context).toEqual(fromOriginal.snap.context);
        expect(fromRestored.snap === restored).toBe(fromOriginal.snap === snap);
        expect(fromRestored.actions.map((a) => a.type)).toEqual(fromOriginal.actions.map((a) => a.type));
        expect(spawnedCalls(fromRestored.actions)).toEqual(spawnedCalls(fromOriginal.actions));
        expect(emittedEvents(fromRestored.actions)).toEqual(emittedEvents(fromOriginal.actions));
      }
    },
  );

  it('a restored in-flight place keeps its resolved input in the persisted child', () => {
    const persisted = JSON.parse(JSON.stringify(orderMachine.getPersistedSnapshot(submitting()))) as {
      children: Record<string, { src: string; snapshot: { input: unknown } }>;
    };
    expect(Object.keys(persisted.children)).toEqual(['placeOrder']);
    expect(persisted.children.placeOrder?.src).toBe('placeOrder');
    expect(persisted.children.placeOrder?.snapshot.input).toEqual({ ...PLACE_INPUT, attempt: 1 });
  });
});
