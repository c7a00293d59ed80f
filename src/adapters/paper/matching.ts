import { Dec, fmt, isDecimalString } from '../../domain/decimal.js';
import { ConfigError } from '../../domain/errors.js';
import { CLIENT_ORDER_ID_RE } from '../../domain/types.js';
import type { Market, OrderType, Side } from '../../domain/types.js';
import type { PlaceOrderRequest } from '../venue.js';
import type { Rng } from './rng.js';

/**
 * The paper venue's matching rules. There is no order book: our orders trade against a synthetic market
 * whose bid/ask sit one tick either side of the random-walk mid (see price-feed.ts).
 * - a resting buy limit at P fills (maker, at P) while mid <= P; a resting sell limit while mid >= P, each
 *   tick a random whole number of stepSize units of what remains (so partial fills happen);
 * - a limit that crosses on arrival (buy P >= ask, sell P <= bid) and every market order fill at once and
 *   fully as taker, at the ask (buy) or bid (sell).
 */

/** A resting order as the matcher sees it. */
export interface RestingOrder {
  venueOrderId: string;
  side: Side;
  price: string;
  quantity: string;
  filledQuantity: string;
}

/** One fill decided by the matcher. */
export interface MatchFill {
  venueOrderId: string;
  price: string;
  quantity: string;
  liquidity: 'maker' | 'taker';
}

/** True when `value` is a whole multiple of `step` (both positive decimals). */
export function isMultipleOf(value: string, step: string): boolean {
  return new Dec(value).mod(step).eq('0');
}

/** Validates a fee rate in basis points (a non-negative decimal string); throws a ConfigError naming `field`. */
export function resolveFeeBps(field: string, value: unknown): string {
  if (!isDecimalString(value) || new Dec(value).lt('0')) {
    throw new ConfigError(field, `must be a non-negative decimal string, got ${JSON.stringify(value)}`);
  }
  return fmt(new Dec(value));
}

/** Fee of a fill in the quote currency: price × quantity × bps / 10000, exact. */
export function feeFor(price: string, quantity: string, bps: string): string {
  return fmt(new Dec(price).times(quantity).times(bps).times('0.0001'));
}

/**
 * Fills of the resting orders of one symbol at `mid`, in the given order (oldest first). Each crossed order
 * fills between one step and all of its remainder, drawn from `rng`; orders that are not crossed draw
 * nothing.
 */
export function matchResting(
  mid: string,
  orders: readonly RestingOrder[],
  stepSize: string,
  rng: Rng,
): MatchFill[] {
  const m = new Dec(mid);
  const fills: MatchFill[] = [];
  for (const order of orders) {
    const crossed = order.side === 'buy' ? m.lte(order.price) : m.gte(order.price);
    if (!crossed) continue;
    const remaining = new Dec(order.quantity).minus(order.filledQuantity);
    if (remaining.lte('0')) continue;
    // A step count, not money: an exact integer because quantities are validated multiples of stepSize.
    const remainingSteps = Number(fmt(remaining.div(stepSize).round(0, Dec.roundDown)));
    if (remainingSteps < 1) continue;
    const steps = rng.int(1, remainingSteps);
    const quantity = steps === remainingSteps ? remaining : new Dec(stepSize).times(String(steps));
    fills.push({
      venueOrderId: order.venueOrderId,
      price: order.price,
      quantity: fmt(quantity),
      liquidity: 'maker',
    });
  }
  return fills;
}

/** The taker price a new order trades at right away, or null when it rests (a non-crossing limit). */
export function arrivalPrice(
  order: { side: Side; type: OrderType; price: string | null },
  quote: { bid: string; ask: string },
): string | null {
  const touch = order.side === 'buy' ? quote.ask : quote.bid;
  if (order.type === 'market') return touch;
  if (order.price === null) return null;
  const crosses = order.side === 'buy' ? new Dec(order.price).gte(touch) : new Dec(order.price).lte(touch);
  return crosses ? touch : null;
}

/**
 * Checks a place request against a market's filters. Returns null when valid, else a reason that starts
 * with the offending field (`price: must be a multiple of tickSize 0.01, got 100.005`).
 */
export function orderProblem(
  request: PlaceOrderRequest,
  market: Market,
  quote: { bid: string; ask: string },
): string | null {
  if (typeof request.clientOrderId !== 'string' || !CLIENT_ORDER_ID_RE.test(request.clientOrderId)) {
    return `clientOrderId: must match ${String(CLIENT_ORDER_ID_RE)}, got ${JSON.stringify(request.clientOrderId)}`;
  }
  if (request.side !== 'buy' && request.side !== 'sell') {
    return `side: must be buy or sell, got ${JSON.stringify(request.side)}`;
  }
  if (request.type !== 'limit' && request.type !== 'market') {
    return `type: must be limit or market, got ${JSON.stringify(request.type)}`;
  }
  if (!isDecimalString(request.quantity) || new Dec(request.quantity).lte('0')) {
    return `quantity: must be a positive decimal string, got ${JSON.stringify(request.quantity)}`;
  }
  if (!isMultipleOf(request.quantity, market.stepSize)) {
    return `quantity: must be a multiple of stepSize ${market.stepSize}, got ${request.quantity}`;
  }
  if (new Dec(request.quantity).lt(market.minQuantity)) {
    return `quantity: must be >= minQuantity ${market.minQuantity}, got ${request.quantity}`;
  }
  let price: string;
  if (request.type === 'limit') {
    if (request.price === undefined) return 'price: required for limit orders';
    if (!isDecimalString(request.price) || new Dec(request.price).lte('0')) {
      return `price: must be a positive decimal string, got ${JSON.stringify(request.price)}`;
    }
    if (!isMultipleOf(request.price, market.tickSize)) {
      return `price: must be a multiple of tickSize ${market.tickSize}, got ${request.price}`;
    }
    price = request.price;
  } else {
    price = request.side === 'buy' ? quote.ask : quote.bid;
  }
  const notional = new Dec(price).times(request.quantity);
  if (notional.lt(market.minNotional)) {
    return `notional: price × quantity ${fmt(notional)} must be >= minNotional ${market.minNotional}`;
  }
  return null;
}
