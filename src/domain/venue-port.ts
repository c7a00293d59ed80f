import { CLIENT_ORDER_ID_RE } from './types.js';
import type { ClientOrderId, Market, OrderType, Side, VenueFill, VenueOrder, VenueOrderId } from './types.js';

export type { VenueFill, VenueOrder } from './types.js';
export { VenueError } from './venue-error.js';
export type { VenueErrorKind } from './venue-error.js';

/**
 * The venue port: the whole of what the engine needs from an exchange. Adapters (paper, ccxt) implement
 * it, the engine drives it, and neither imports the other; nothing outside src/adapters imports a venue
 * library. Every call is idempotent by clientOrderId or read-only, so the engine can resume any call after
 * a crash. What crosses the port is typed and valid: the adapter checks every order and fill the venue
 * sends, once, and names each fill's order by its clientOrderId when the venue has one. The adapter also
 * holds the venue's one request budget: every request it sends takes a token (cancels and lookups first),
 * a place that cannot have one soon is refused unsent (`rateLimited`), and a rate-limit answer pauses the
 * budget for the venue's Retry-After; callers hold no budget of their own.
 */
export interface VenuePort {
  /** Venue id, used as the namespace of trade ids and order ids (`paper`, `binance`). */
  readonly id: string;
  /**
   * How long after a request leaves this process the venue still accepts it (Binance's recvWindow plus a
   * clock-skew margin). A place request that the venue does not have once this has passed can never land.
   */
  readonly requestWindowMs: number;
  /** Tradable symbols and their filters. */
  loadMarkets(): Promise<Market[]>;
  /** Places an order keyed by `clientOrderId`. Resolves with the venue's view right after acceptance. */
  placeOrder(request: PlaceOrderRequest): Promise<VenueOrder>;
  /** Cancels an order; idempotent. Resolves with the order's final view. */
  cancelOrder(request: OrderRef): Promise<VenueOrder>;
  /** Looks an order up by clientOrderId. `null` means the venue does not have it. */
  fetchOrder(request: OrderRef): Promise<VenueOrder | null>;
  /** All open orders of a symbol (or of the account when omitted). */
  fetchOpenOrders(symbol?: string): Promise<VenueOrder[]>;
  /**
   * Searches the symbol's order history (open and closed orders) for the order: by its venue id when
   * known, else by clientOrderId among the orders created at or after `sinceMs`. `null`: not there either.
   */
  findInHistory(ref: OrderRef, sinceMs: number): Promise<VenueOrder | null>;
  /** The account's fills of a symbol at or after `sinceMs`, oldest first. */
  fetchMyTrades(symbol: string, sinceMs: number): Promise<VenueFill[]>;
  /** The account's fills of one order (named by its venue id), oldest first. */
  fetchOrderTrades(ref: OrderRef & { venueOrderId: VenueOrderId }): Promise<VenueFill[]>;
  /** Best bid/ask and last price. */
  fetchTicker(symbol: string): Promise<Ticker>;
  /** The account's balances by asset, where the venue reports them (absent: it does not). */
  fetchBalance?(): Promise<Record<string, VenueBalance>>;
  /**
   * Subscribes to order updates and fills, each validated by the adapter (a malformed payload is logged
   * and dropped there). Delivery may be duplicated, late or out of order, and a stream that was down has
   * lost what happened meanwhile: a stream that connects asynchronously tells each time it is live again
   * (`subscribed`), so the engine can fetch what it may have missed.
   */
  subscribe(listener: VenueListener): () => void;
  /**
   * Whether the pushed stream is live now (connected and subscribed). Absent: the stream is live whenever
   * someone is subscribed (the paper venue's).
   */
  streamLive?(): boolean;
  /** Releases connections and files. */
  close(): Promise<void>;
}

/** A new order as sent to the venue. */
export interface PlaceOrderRequest {
  clientOrderId: ClientOrderId;
  symbol: string;
  side: Side;
  type: OrderType;
  /** Limit price; absent for market orders. */
  price?: string;
  quantity: string;
}

/** Names an order at the venue. */
export interface OrderRef {
  clientOrderId: ClientOrderId;
  symbol: string;
  venueOrderId?: VenueOrderId | null;
}

/**
 * The latest of `orders` that is the order `ref` names: by its venue id when known, else by its
 * clientOrderId (a venue may reuse a clientOrderId once an order with it is closed). Null when none is.
 */
export function latestOrderMatching(orders: readonly VenueOrder[], ref: OrderRef): VenueOrder | null {
  const byId = ref.venueOrderId != null;
  const same = (o: VenueOrder) =>
    byId ? o.venueOrderId === ref.venueOrderId : o.clientOrderId === ref.clientOrderId;
  return orders.filter(same).at(-1) ?? null;
}

/** One asset's balance at the venue (decimal strings): free, and locked by open orders. */
export interface VenueBalance {
  free: string;
  locked: string;
}

/** Best prices of a symbol. */
export interface Ticker {
  symbol: string;
  bid: string;
  ask: string;
  last: string;
  at: number;
}

/** A venue fact: an order's state, or one fill. */
export type VenueFact = { kind: 'order'; order: VenueOrder } | { kind: 'fill'; fill: VenueFill };

/**
 * What a venue pushes: facts, and `subscribed` each time its stream is live (`reconnect`: again, after it
 * was down). A venue whose stream is live as soon as `subscribe` returns and never drops (the paper venue)
 * sends no `subscribed`.
 */
export type VenueEvent = VenueFact | { kind: 'subscribed'; reconnect: boolean } | VenueRefusal;

/**
 * A pushed update the adapter could not accept (malformed, truncated, out of range): never guessed at,
 * told instead, with the field at fault and the order it names when that much could be read (a
 * clientOrderId of the accepted form), so the engine can record it and look the order up.
 */
export interface VenueRefusal {
  kind: 'refused';
  /** What was wrong, naming the field. */
  reason: string;
  field: string | null;
  clientOrderId: string | null;
}

/** The clientOrderId a raw payload names, if it names one of the accepted form (see VenueRefusal). */
export function clientOrderIdIn(raw: unknown): string | null {
  const id = (raw as { clientOrderId?: unknown } | null)?.clientOrderId;
  return typeof id === 'string' && CLIENT_ORDER_ID_RE.test(id) ? id : null;
}

/** Receives pushed venue events, already validated by the adapter. */
export type VenueListener = (event: VenueEvent) => void;
