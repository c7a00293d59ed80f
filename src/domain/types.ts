/**
 * Trading vocabulary shared by machines, adapters and the engine. Identifiers follow NautilusTrader:
 * a ClientOrderId is ours (the durable idempotency key of an order), a VenueOrderId is the venue's,
 * a TradeId names one fill at one venue. All money values are decimal strings (see decimal.ts).
 */

/** Our id for an order: the idempotency key sent to the venue. At most 36 chars of `[A-Za-z0-9_-]`. */
export type ClientOrderId = string;
/** The venue's id for an order. */
export type VenueOrderId = string;
/** The venue's id for one fill (trade). Unique per venue. */
export type TradeId = string;

/** Order side. */
export type Side = 'buy' | 'sell';
/** Order type. */
export type OrderType = 'limit' | 'market';

/** An order's status as the venue reports it. */
export type VenueOrderStatus = 'open' | 'partiallyFilled' | 'filled' | 'cancelled' | 'rejected' | 'expired';

/** Statuses after which the venue will never fill the order again. */
export const CLOSED_VENUE_STATUSES: ReadonlySet<VenueOrderStatus> = new Set([
  'filled',
  'cancelled',
  'rejected',
  'expired',
]);

/** One order a strategy wants resting at the venue. */
export interface DesiredOrder {
  /** Which side of the book. */
  side: Side;
  /** Limit price, a positive decimal string. */
  price: string;
  /** Quantity in base units, a positive decimal string. */
  quantity: string;
  /** A strategy-chosen tag for the quote level, e.g. `bid-0`. */
  level: string;
}

/** Symbol metadata the engine needs to validate and round orders. */
export interface Market {
  /** Unified symbol, `BASE/QUOTE`. */
  symbol: string;
  base: string;
  quote: string;
  /** Smallest price increment, decimal string. */
  tickSize: string;
  /** Smallest quantity increment, decimal string. */
  stepSize: string;
  /** Smallest order quantity, decimal string. */
  minQuantity: string;
  /** Smallest price × quantity, decimal string. */
  minNotional: string;
}

/** Matches `BASE/QUOTE` unified symbols. */
export const SYMBOL_RE = /^[A-Z0-9]{2,12}\/[A-Z0-9]{2,12}$/;
/** Matches valid client order ids (the Binance rule, which is the strictest we support). */
export const CLIENT_ORDER_ID_RE = /^[A-Za-z0-9_-]{1,36}$/;

/** The venue's view of one order. */
export interface VenueOrder {
  clientOrderId: ClientOrderId;
  venueOrderId: VenueOrderId;
  symbol: string;
  side: Side;
  type: OrderType;
  price: string | null;
  quantity: string;
  filledQuantity: string;
  status: VenueOrderStatus;
  /** Venue time of the last change, ms since epoch. */
  updatedAt: number;
}

/** One fill, as the venue reports it. */
export interface VenueFill {
  tradeId: TradeId;
  /** Null when the venue does not know the order's clientOrderId (an order placed elsewhere). */
  clientOrderId: ClientOrderId | null;
  venueOrderId: VenueOrderId;
  symbol: string;
  side: Side;
  price: string;
  quantity: string;
  fee: string;
  feeCurrency: string;
  liquidity: 'maker' | 'taker' | null;
  /** Venue time of the fill, ms since epoch. */
  at: number;
}
