import { addStr, cmpStr, mulStr, signStr } from '../domain/decimal.js';
import { extend } from '../domain/extend.js';
import { memoLast } from './memo.js';
import type {
  CallFailure,
  LookupInput,
  OrderContext,
  OrderEvent,
  OrderInput,
  OrderRefInput,
  OrderTimeouts,
  PlaceOrderInput,
  VenueOrderView,
} from './order.types.js';

/**
 * Pure helpers of the order machine: reading facts out of events and applying fills exactly. No I/O and
 * no clock: every time comes from the event.
 */

/** What the order machine's guards and assigners read: the context and the event being handled. */
export interface OrderArgs {
  context: OrderContext;
  event: OrderEvent;
}

/** How long a known order must be found nowhere before it is called gone, when the input does not say. */
export const DEFAULT_ABSENCE_PROOF_MS = 30_000;

/** At least this many lookups in a row must find a known order nowhere before it is called gone. */
export const ABSENCE_ANSWERS = 3;

const NO_TIMEOUTS: OrderTimeouts = {
  ackMs: 0,
  cancelMs: 0,
  lookupRetryMs: 0,
  absenceProofMs: DEFAULT_ABSENCE_PROOF_MS,
};

/** The context a new order actor starts with; tolerates a missing input (every field then defaults). */
export function initialOrderContext(input: OrderInput | undefined): OrderContext {
  return {
    clientOrderId: input?.clientOrderId ?? '',
    venue: input?.venue ?? '',
    symbol: input?.symbol ?? '',
    side: input?.side ?? 'buy',
    type: input?.type ?? 'limit',
    price: input?.price ?? null,
    quantity: input?.quantity ?? '0',
    level: input?.level ?? null,
    owner: input?.owner ?? null,
    requestWindowMs: input?.requestWindowMs ?? 0,
    // Settings persisted before absenceProofMs existed (an AdjustOrders workflow's defaults) lack it.
    timeouts: extend(NO_TIMEOUTS, input?.timeouts ?? {}),
    maxAttempts: input?.maxAttempts ?? 1,
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
    createdAt: input?.at ?? 0,
    updatedAt: input?.at ?? 0,
    reason: null,
    anomalies: [],
  };
}

/** The input of the placeOrder call: the intent and the attempt number. */
export function placeOrderInput(context: OrderContext): PlaceOrderInput {
  return {
    clientOrderId: context.clientOrderId,
    symbol: context.symbol,
    side: context.side,
    type: context.type,
    price: context.price,
    quantity: context.quantity,
    attempt: context.attempt,
  };
}

/** The input of the cancelOrder and lookupOrder calls: how to name the order at the venue. */
export function orderRefInput(context: OrderContext): OrderRefInput {
  return {
    clientOrderId: context.clientOrderId,
    symbol: context.symbol,
    venueOrderId: context.venueOrderId,
  };
}

/**
 * The input of the lookupOrder call: how to name the order, from when its history is searched, and whether
 * to search at all (see LookupInput.search; `event` started the lookup, at about the time it is sent).
 */
export function lookupInput(context: OrderContext, event: OrderEvent | { type: string }): LookupInput {
  const at = eventTime(event);
  const deadline = context.landingDeadline;
  const search = context.venueOrderId !== null || deadline === null || (at !== null && at > deadline);
  return extend(orderRefInput(context), { createdAt: context.createdAt, search });
}

/**
 * The wait before the next lookup: `lookupRetryMs`, doubling with every answer that found a known order
 * nowhere, up to a quarter of the absence window (so that proving absence takes a handful of lookups).
 */
export function lookupRetryDelay(context: OrderContext): number {
  const { lookupRetryMs, absenceProofMs } = context.timeouts;
  if (context.absentAnswers === 0) return lookupRetryMs;
  const cap = Math.max(lookupRetryMs, Math.floor(absenceProofMs / 4));
  return Math.min(cap, lookupRetryMs * 2 ** Math.min(context.absentAnswers, 20));
}

/** The instant an event happened (our clock), whatever its shape. */
export function eventTime(event: OrderEvent | { type: string; at?: number }): number | null {
  const e = event as { at?: unknown; output?: { at?: unknown }; error?: { at?: unknown } };
  if (typeof e.at === 'number') return e.at;
  if (typeof e.output?.at === 'number') return e.output.at;
  if (typeof e.error?.at === 'number') return e.error.at;
  return null;
}

/** The venue's view of the order carried by a done event or a found lookup, if any. */
export function viewOf(event: OrderEvent): VenueOrderView | null {
  switch (event.type) {
    case 'xstate.done.actor.placeOrder':
    case 'xstate.done.actor.cancelOrder':
      return event.output;
    case 'xstate.done.actor.lookupOrder':
      return event.output.order;
    default:
      return null;
  }
}

/** The failure carried by an `xstate.error.actor.*` event, if any. */
export function failureOf(event: OrderEvent): CallFailure | null {
  return event.type.startsWith('xstate.error.actor.') ? (event as { error: CallFailure }).error : null;
}

/** The fill carried by an ORDER_FILLED event, if any. */
function fillOf(event: OrderEvent) {
  return event.type === 'ORDER_FILLED' ? event : null;
}

/** What a fill event means for an order: not a fill, already seen, or how it changes the order. */
export type FillVerdict = 'notAFill' | 'seen' | 'overfills' | 'completes' | 'partial';

/**
 * Classifies a fill against the order: a trade id applied or quarantined before is `seen`; a new fill
 * `overfills`, `completes` or is `partial` by exact comparison of filled + fill quantity with the order
 * quantity. Pure; memoized for the last (context, event), as one fill's guards ask up to four times.
 */
export const fillVerdict = memoLast((context: OrderContext, event: OrderEvent): FillVerdict => {
  const fill = fillOf(event);
  if (fill === null) return 'notAFill';
  if (context.tradeIds.includes(fill.tradeId) || context.quarantinedTradeIds.includes(fill.tradeId)) {
    return 'seen';
  }
  const order = cmpStr(addStr(context.filledQuantity, fill.quantity), context.quantity);
  return order > 0 ? 'overfills' : order === 0 ? 'completes' : 'partial';
});

/** True for a fill whose trade id this order has not applied yet. */
export function isNewTrade(context: OrderContext, event: OrderEvent): boolean {
  const verdict = fillVerdict(context, event);
  return verdict !== 'notAFill' && verdict !== 'seen';
}

/** True for a new fill that would take the filled quantity above the order quantity. */
export function wouldOverfill(context: OrderContext, event: OrderEvent): boolean {
  return fillVerdict(context, event) === 'overfills';
}

/** True for a new, valid fill that fills the order completely. */
export function completesOrder(context: OrderContext, event: OrderEvent): boolean {
  return fillVerdict(context, event) === 'completes';
}

/** True for a new, valid fill that leaves part of the order open. */
export function isPartialFill(context: OrderContext, event: OrderEvent): boolean {
  return fillVerdict(context, event) === 'partial';
}

/** The context after applying a (validated, new) fill. */
export function withFill(context: OrderContext, event: OrderEvent): Partial<OrderContext> {
  const fill = fillOf(event);
  if (fill === null) return {};
  const filled = addStr(context.filledQuantity, fill.quantity);
  return {
    filledQuantity: filled,
    filledNotional: addStr(context.filledNotional, mulStr(fill.price, fill.quantity)),
    fees: withFee(context.fees, fill.feeCurrency, fill.fee),
    tradeIds: [...context.tradeIds, fill.tradeId],
    venueOrderId: context.venueOrderId ?? fill.venueOrderId ?? null,
    venueFilledQuantity: maxDec(context.venueFilledQuantity, filled),
    absentSince: null,
    absentAnswers: 0,
    updatedAt: fill.at,
  };
}

/**
 * Fees per currency after paying `fee` in `currency`: the same object when that changes nothing (a zero
 * fee in a currency already listed), else a copy with the currency's total.
 */
export function withFee(fees: Record<string, string>, currency: string, fee: string): Record<string, string> {
  const paid = fees[currency];
  if (paid !== undefined && signStr(fee) === 0) return fees;
  const next = Object.assign({}, fees);
  next[currency] = addStr(paid ?? '0', fee);
  return next;
}

/** The larger of two decimal strings. */
export function maxDec(a: string, b: string): string {
  return cmpStr(a, b) >= 0 ? a : b;
}

/** True when the order has applied fills. */
export function hasFills(context: OrderContext): boolean {
  return signStr(context.filledQuantity) > 0;
}
