import type { Exchange, MarketInterface } from 'ccxt';
import { Dec, fmt, isDecimalString } from '../../domain/decimal.js';
import { CLIENT_ORDER_ID_RE } from '../../domain/types.js';
import type { Market } from '../../domain/types.js';
import type { PlaceOrderRequest } from '../venue.js';

/**
 * A market's trading filters as exact decimal strings: the engine's Market plus the bounds Binance also
 * enforces. `null` bounds are not enforced (absent, or 0 which Binance uses for "disabled").
 */
export interface MarketRules extends Market {
  /** The venue's own symbol (`BTCUSDT`). */
  venueSymbol: string;
  minPrice: string | null;
  maxPrice: string | null;
  maxQuantity: string | null;
  /** Whether the venue lists the market as trading. */
  active: boolean;
}

type Filter = Record<string, unknown>;

/** Canonical decimal string of a venue value (a string, or a ccxt float turned into its shortest digits). */
export function decimalOf(value: unknown): string | null {
  if (typeof value === 'number') {
    // The shortest round-trip digits of the float (`1e-8` -> `0.00000001`), never its binary expansion.
    return Number.isFinite(value) ? fmt(new Dec(String(value))) : null;
  }
  if (!isDecimalString(value)) return null;
  return fmt(new Dec(value));
}

const positiveOrNull = (value: unknown): string | null => {
  const d = decimalOf(value);
  return d !== null && new Dec(d).gt('0') ? d : null;
};

/**
 * Reads a ccxt market's filters. Binance's raw `info.filters` strings win (PRICE_FILTER, LOT_SIZE,
 * NOTIONAL / MIN_NOTIONAL); otherwise the unified precision and limits are used (floats, converted to
 * their shortest decimal form; ccxt's DECIMAL_PLACES precision becomes a tick of 10^-digits).
 */
export function marketRulesOf(market: MarketInterface, decimalPlacesMode: boolean): MarketRules {
  const filters = (Array.isArray(market.info?.filters) ? market.info.filters : []) as Filter[];
  const filter = (type: string): Filter | undefined => filters.find((f) => f.filterType === type);
  const price = filter('PRICE_FILTER');
  const lot = filter('LOT_SIZE');
  const notional = filter('NOTIONAL') ?? filter('MIN_NOTIONAL');
  const precisionStep = (p: number | undefined): string | null => {
    if (p === undefined) return null;
    return decimalPlacesMode ? fmt(new Dec('1').div(new Dec('10').pow(p))) : positiveOrNull(p);
  };
  const tickSize = positiveOrNull(price?.tickSize) ?? precisionStep(market.precision?.price) ?? '0.00000001';
  const stepSize = positiveOrNull(lot?.stepSize) ?? precisionStep(market.precision?.amount) ?? '0.00000001';
  const minQuantity = positiveOrNull(lot?.minQty) ?? positiveOrNull(market.limits?.amount?.min) ?? stepSize;
  return {
    symbol: market.symbol,
    base: market.base,
    quote: market.quote,
    venueSymbol: market.id ?? market.symbol,
    tickSize,
    stepSize,
    minQuantity,
    minNotional: positiveOrNull(notional?.minNotional) ?? positiveOrNull(market.limits?.cost?.min) ?? '0',
    minPrice: positiveOrNull(price?.minPrice) ?? positiveOrNull(market.limits?.price?.min),
    maxPrice: positiveOrNull(price?.maxPrice) ?? positiveOrNull(market.limits?.price?.max),
    maxQuantity: positiveOrNull(lot?.maxQty) ?? positiveOrNull(market.limits?.amount?.max),
    active: market.active !== false,
  };
}

/** The engine's view of a market (the port's Market). */
export function toMarket(rules: MarketRules): Market {
  const { symbol, base, quote, tickSize, stepSize, minQuantity, minNotional } = rules;
  return { symbol, base, quote, tickSize, stepSize, minQuantity, minNotional };
}

/** Whether `value - base` is a whole multiple of `step` (Binance's LOT_SIZE / PRICE_FILTER rule). */
function onGrid(value: string, step: string, base: string | null): boolean {
  return new Dec(value)
    .minus(base ?? '0')
    .mod(step)
    .eq('0');
}

/**
 * Checks a place request against the market's filters before anything is sent. Returns null when the
 * venue would accept the order's shape, else a reason that starts with the offending field:
 * `price: must be a multiple of tickSize 0.01, got 100.005`. A market order's notional is checked only
 * when a reference price is given.
 */
export function orderViolation(
  request: PlaceOrderRequest,
  rules: MarketRules,
  referencePrice?: string,
): string | null {
  const { clientOrderId, quantity, side, type } = request;
  if (typeof clientOrderId !== 'string' || !CLIENT_ORDER_ID_RE.test(clientOrderId)) {
    return `clientOrderId: must match ${String(CLIENT_ORDER_ID_RE)}, got ${JSON.stringify(clientOrderId)}`;
  }
  if (side !== 'buy' && side !== 'sell') return `side: must be buy or sell, got ${JSON.stringify(side)}`;
  if (type !== 'limit' && type !== 'market') {
    return `type: must be limit or market, got ${JSON.stringify(type)}`;
  }
  if (!isDecimalString(quantity) || new Dec(quantity).lte('0')) {
    return `quantity: must be a positive decimal string, got ${JSON.stringify(quantity)}`;
  }
  if (new Dec(quantity).lt(rules.minQuantity)) {
    return `quantity: must be >= minQuantity ${rules.minQuantity}, got ${quantity}`;
  }
  if (rules.maxQuantity !== null && new Dec(quantity).gt(rules.maxQuantity)) {
    return `quantity: must be <= maxQuantity ${rules.maxQuantity}, got ${quantity}`;
  }
  if (!onGrid(quantity, rules.stepSize, rules.minQuantity)) {
    return `quantity: must be a multiple of stepSize ${rules.stepSize} (from minQuantity ${rules.minQuantity}), got ${quantity}`;
  }
  let price = referencePrice;
  if (type === 'limit') {
    if (request.price === undefined) return 'price: required for limit orders';
    if (!isDecimalString(request.price) || new Dec(request.price).lte('0')) {
      return `price: must be a positive decimal string, got ${JSON.stringify(request.price)}`;
    }
    if (rules.minPrice !== null && new Dec(request.price).lt(rules.minPrice)) {
      return `price: must be >= minPrice ${rules.minPrice}, got ${request.price}`;
    }
    if (rules.maxPrice !== null && new Dec(request.price).gt(rules.maxPrice)) {
      return `price: must be <= maxPrice ${rules.maxPrice}, got ${request.price}`;
    }
    if (!onGrid(request.price, rules.tickSize, rules.minPrice)) {
      return `price: must be a multiple of tickSize ${rules.tickSize}, got ${request.price}`;
    }
    price = request.price;
  } else if (request.price !== undefined) {
    return 'price: must be absent for market orders';
  }
  if (price !== undefined && isDecimalString(price)) {
    const notional = new Dec(price).times(quantity);
    if (notional.lt(rules.minNotional)) {
      return `notional: price × quantity ${fmt(notional)} must be >= minNotional ${rules.minNotional}`;
    }
  }
  return null;
}

/**
 * Refuses an order ccxt would not send exactly as given: ccxt takes JS numbers and rounds them to the
 * market's precision, so the string it would send is compared with ours (a guard against float loss).
 */
export function precisionProblem(exchange: Exchange, request: PlaceOrderRequest): string | null {
  const amount = exchange.amountToPrecision(request.symbol, Number(request.quantity)) ?? 'nothing';
  if (!isDecimalString(amount) || !new Dec(amount).eq(request.quantity)) {
    return `quantity: ${request.quantity} would be sent as ${amount}`;
  }
  if (request.type === 'limit' && request.price !== undefined) {
    const price = exchange.priceToPrecision(request.symbol, Number(request.price)) ?? 'nothing';
    if (!isDecimalString(price) || !new Dec(price).eq(request.price)) {
      return `price: ${request.price} would be sent as ${price}`;
    }
  }
  return null;
}

/** The rules of every active spot market of a ccxt market list, by unified symbol. */
export function spotRulesOf(
  markets: Record<string, MarketInterface | undefined>,
  decimalPlacesMode: boolean,
): Map<string, MarketRules> {
  const rules = new Map<string, MarketRules>();
  for (const m of Object.values(markets)) {
    if (m === undefined || m.spot !== true) continue;
    const r = marketRulesOf(m, decimalPlacesMode);
    if (r.active) rules.set(r.symbol, r);
  }
  return rules;
}
