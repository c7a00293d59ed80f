import type { RiskRule } from '../domain/risk.js';
import type {
  ClientOrderId,
  OrderType,
  Side,
  TradeId,
  VenueOrderId,
  VenueOrderStatus,
} from '../domain/types.js';

/** What an order actor is created with (the intent). */
export interface OrderInput {
  clientOrderId: ClientOrderId;
  venue: string;
  symbol: string;
  side: Side;
  type: OrderType;
  /** Limit price; null for market orders. */
  price: string | null;
  quantity: string;
  /** Strategy level tag, e.g. `bid-0`. */
  level: string | null;
  /** Actor id notified of every state change (the AdjustOrders workflow), or null. */
  owner: string | null;
  /** See VenuePort.requestWindowMs. */
  requestWindowMs: number;
  /** Timeouts of this order's calls, ms. */
  timeouts: OrderTimeouts;
  /** Place attempts allowed when the venue provably never got the order. */
  maxAttempts: number;
  /** Creation time, ms. */
  at: number;
}

/** Per-order timeouts (ms). */
export interface OrderTimeouts {
  /** No reply to a place within this: outcome unknown, look it up. */
  ackMs: number;
  /** No reply to a cancel within this: outcome unknown, look it up. */
  cancelMs: number;
  /** Wait between lookups while the outcome is still unknown (it grows while a known order is not found). */
  lookupRetryMs: number;
  /**
   * A known order (its venue id recorded) that the venue's views no longer list is called gone only when
   * lookups over at least this long, and at least ABSENCE_ANSWERS of them, searched the order, the open
   * orders and the order history and found it nowhere. Until then it stays live (venues' views lag).
   */
  absenceProofMs: number;
}

/** The order actor's context: the intent plus everything the venue has told us. */
export interface OrderContext extends Omit<OrderInput, 'at'> {
  venueOrderId: VenueOrderId | null;
  /** Sum of applied fills (ours, exact). */
  filledQuantity: string;
  /** Sum of price × quantity of applied fills. */
  filledNotional: string;
  /** Fees paid per currency. */
  fees: Record<string, string>;
  /** The cumulative filled quantity the venue last reported (may run ahead of our fills). */
  venueFilledQuantity: string;
  /** Trade ids applied to this order: a fill with one of these ids is a duplicate. */
  tradeIds: TradeId[];
  /** Trade ids refused (an overfill): seen again, they are duplicates too. */
  quarantinedTradeIds: TradeId[];
  /** A cancel was asked for while the order could not be cancelled yet. */
  cancelRequested: boolean;
  /** Place attempts made so far. */
  attempt: number;
  /** No place request sent so far can reach the venue after this instant (ms), or null. */
  landingDeadline: number | null;
  /** When the first of the current run of lookups that found this known order nowhere was sent, or null. */
  absentSince: number | null;
  /** Lookups in a row that found this known order nowhere (reset by any sign of it). */
  absentAnswers: number;
  createdAt: number;
  updatedAt: number;
  /**
   * Why the order ended rejected, denied or expired, or the last call failure. A denial's reason names
   * what denied it: `denied by risk: <rule> (...)` or `denied by the trading state: ...`.
   */
  reason: string | null;
  /** Venue facts that contradict the order (an overfill, a fill on a rejected or denied order). */
  anomalies: string[];
}

/** Output of the placeOrder, cancelOrder and lookupOrder calls: the venue's view of the order. */
export interface VenueOrderView {
  venueOrderId: VenueOrderId;
  status: VenueOrderStatus;
  filledQuantity: string;
  /** Time (our clock) the call was sent. */
  sentAt: number;
  /** Time (our clock) the reply arrived. */
  at: number;
}

/** Output of lookupOrder. */
export interface LookupResult {
  /** Null when the venue does not have the order. */
  order: VenueOrderView | null;
  /**
   * For `order: null`: true when the venue's open orders and order history were searched too, not only the
   * order itself (only such an answer counts towards proving a known order gone).
   */
  searched?: boolean;
  /** Time (our clock) the lookup was sent: the venue's answer reflects at least this instant. */
  sentAt: number;
  at: number;
}

/** How a failed call ended (persisted as the error of `xstate.error.actor.*`). */
export interface CallFailure {
  kind: 'rejected' | 'unknown' | 'notFound' | 'duplicate';
  message: string;
  /** For `unknown`: the request cannot reach the venue after this instant (ms). */
  notAfter?: number;
  at: number;
}

/** A fill of this order, as applied by the OnOrderUpdate workflow. */
export interface FillFact {
  tradeId: TradeId;
  price: string;
  quantity: string;
  fee: string;
  feeCurrency: string;
  at: number;
}

/** Events an order actor accepts. Commands are imperative, venue facts past tense. */
export type OrderEvent =
  | { type: 'SUBMIT'; at: number }
  | { type: 'CANCEL_ORDER'; at: number; reason?: string }
  | { type: 'RECONCILE_ORDER'; at: number }
  | { type: 'ORDER_ACCEPTED'; at: number; venueOrderId: VenueOrderId; filledQuantity: string }
  | ({ type: 'ORDER_FILLED'; venueOrderId?: VenueOrderId } & FillFact)
  | { type: 'ORDER_COMPLETED'; at: number; venueOrderId: VenueOrderId; filledQuantity: string }
  | { type: 'ORDER_CANCELLED'; at: number; venueOrderId: VenueOrderId; filledQuantity: string }
  | { type: 'ORDER_REJECTED'; at: number; reason: string }
  | { type: 'ORDER_EXPIRED'; at: number; venueOrderId: VenueOrderId; filledQuantity: string }
  | PlaceDenied
  | { type: 'xstate.done.actor.placeOrder'; output: VenueOrderView }
  | { type: 'xstate.error.actor.placeOrder'; error: CallFailure }
  | { type: 'xstate.done.actor.cancelOrder'; output: VenueOrderView }
  | { type: 'xstate.error.actor.cancelOrder'; error: CallFailure }
  | { type: 'xstate.done.actor.lookupOrder'; output: LookupResult }
  | { type: 'xstate.error.actor.lookupOrder'; error: CallFailure };

/**
 * The engine refused to send the place (delivered instead of the call's result): the pre-trade risk checks
 * (`rule` names the one breached) or the desk's trading state. The venue never saw the order.
 */
export interface PlaceDenied {
  type: 'PLACE_DENIED';
  at: number;
  /** `denied by risk: <rule> (...)` or `denied by the trading state: ...`. */
  reason: string;
  /** The risk rule breached; absent for a trading-state denial. */
  rule?: RiskRule;
}

/** Input of the placeOrder call. */
export interface PlaceOrderInput {
  clientOrderId: ClientOrderId;
  symbol: string;
  side: Side;
  type: OrderType;
  price: string | null;
  quantity: string;
  attempt: number;
}

/** Input of the cancelOrder and lookupOrder calls. */
export interface OrderRefInput {
  clientOrderId: ClientOrderId;
  symbol: string;
  venueOrderId: VenueOrderId | null;
}

/** Input of the lookupOrder call. */
export interface LookupInput extends OrderRefInput {
  /** When the order was created: its history is searched from there. */
  createdAt: number;
  /**
   * Search the open orders and the order history too if the order itself is not found: asked when a
   * "not found" would count (the order is known, or no place request can land any more).
   */
  search: boolean;
}

/** Emitted to the owner on every state change. */
export interface OrderStateChanged {
  type: 'ORDER_STATE_CHANGED';
  to: string;
  clientOrderId: ClientOrderId;
  state: string;
  terminal: boolean;
  filledQuantity: string;
}
