import BigJs from 'big.js';
import { Dec, fmt } from '../domain/decimal.js';
import type { Decimal } from '../domain/decimal.js';
import type { DesiredOrder, Market, Side } from '../domain/types.js';

/** Parameters of the sample market maker. Decimals are strings; bps are basis points (1/10000). */
export interface MarketMakerParams {
  /** Quote levels on each side. */
  levels: number;
  /** Distance of the first level from the (skewed) mid, bps. */
  spreadBps: string;
  /** Extra distance of each further level, bps. */
  levelSpacingBps: string;
  /** Quantity of each quote, base units. */
  orderSize: string;
  /** Largest absolute position; at it, the side that would grow it stops quoting. */
  maxPosition: string;
  /** How far the mid shifts against the position when it is at maxPosition, bps. */
  skewBps: string;
  /** Requote when the mid has moved at least this far from the last quoted mid, bps. */
  requoteBps: string;
}

/** One of the symbol's live orders as the strategy sees it (decimals as strings). */
export interface LiveOrder {
  clientOrderId: string;
  side: Side;
  price: string | null;
  quantity: string;
  /** Quantity filled so far. */
  filled: string;
  /** Top-level state of the order (`open`, `partiallyFilled`, `pendingCancel`, ...). */
  state: string;
  /** Level tag the order was placed for (`bid-0`), or null. */
  level: string | null;
}

/** What the strategy sees. */
export interface MarketView {
  market: Market;
  bid: string;
  ask: string;
  /** Signed position in base units. */
  position: string;
  /** The symbol's live orders (the sample market maker does not need them; absent: not known). */
  orders?: readonly LiveOrder[];
}

const BPS = new Dec('10000');

function toTick(price: Decimal, tick: string, rm: 0 | 3): Decimal {
  return price.div(tick).round(0, rm).times(tick);
}

/** The mid price of a view. */
export function midOf(view: Pick<MarketView, 'bid' | 'ask'>): Decimal {
  return new Dec(view.bid).plus(view.ask).div('2');
}

/**
 * Desired quotes: `levels` bids and asks around a mid shifted against inventory (skew), rounded away from
 * the mid to the tick size, sized to the step size. No bid at or above max long, no ask at or below max
 * short. Pure: same view, same quotes.
 */
export function quote(params: MarketMakerParams, view: MarketView): DesiredOrder[] {
  const { market } = view;
  const mid = midOf(view);
  const max = new Dec(params.maxPosition);
  const position = new Dec(view.position);
  let inventory = max.eq('0') ? new Dec('0') : position.div(max);
  if (inventory.gt('1')) inventory = new Dec('1');
  if (inventory.lt('-1')) inventory = new Dec('-1');
  const skewed = mid.times(new Dec('1').minus(inventory.times(params.skewBps).div(BPS)));
  const size = new Dec(params.orderSize)
    .div(market.stepSize)
    .round(0, BigJs.roundDown)
    .times(market.stepSize);
  if (size.lte('0') || size.lt(market.minQuantity)) return [];
  const out: DesiredOrder[] = [];
  for (let i = 0; i < params.levels; i += 1) {
    const offset = new Dec(params.spreadBps).plus(new Dec(params.levelSpacingBps).times(String(i))).div(BPS);
    const bid = toTick(skewed.times(new Dec('1').minus(offset)), market.tickSize, BigJs.roundDown);
    const ask = toTick(skewed.times(new Dec('1').plus(offset)), market.tickSize, BigJs.roundUp);
    if (position.lt(max) && bid.gt('0') && bid.times(size).gte(market.minNotional)) {
      out.push({ side: 'buy', price: fmt(bid), quantity: fmt(size), level: `bid-${i}` });
    }
    if (position.gt(max.neg()) && ask.times(size).gte(market.minNotional)) {
      out.push({ side: 'sell', price: fmt(ask), quantity: fmt(size), level: `ask-${i}` });
    }
  }
  return out;
}

/** True when the mid moved at least `requoteBps` from `lastMid`. */
export function shouldRequote(params: MarketMakerParams, lastMid: string | null, mid: Decimal): boolean {
  if (lastMid === null) return true;
  const last = new Dec(lastMid);
  if (last.eq('0')) return true;
  return mid.minus(last).abs().div(last).times(BPS).gte(params.requoteBps);
}
