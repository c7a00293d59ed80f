import { Dec, fmt } from '../domain/decimal.js';
import { ValidationError } from '../domain/errors.js';
import type { VenueSimStore } from '../persistence/venues/venue-sim-store.js';
import { BinanceError } from './binance-error.js';
import type { OrderRefParams, SimExchange } from './exchange.js';
import { fillOrder } from './fills.js';
import type { SimMarket } from './markets.js';
import { accountEvents, orderEvent } from './sim-event.js';
import type { SimEvent } from './sim-event.js';

/** A fill made by hand through the admin API (`POST /admin/fill`). */
export interface AdminFill {
  qty: string;
  /** Default: the order's limit price, or the touch for a market order. */
  price?: string;
  isMaker: boolean;
  /** Let the fill take the order past its quantity. */
  overfill: boolean;
  /** Report this (existing) trade id for the new trade. */
  reportedId?: number;
  /** Push it to nobody and leave it out of myTrades until revealed. */
  hidden: boolean;
}

/**
 * Fills a working order outright, misbehaving as real venues do on request: an overfill (what it spends
 * beyond the order's reserve comes from free balance; the order ends FILLED with more executed than
 * ordered), a reused trade id, a hidden trade (the order's executed quantity shows it, nothing else does).
 * One store transaction; a ValidationError naming the field, and nothing changed, when it cannot be done.
 * Returns the events to push.
 */
export function fillOutright(
  exchange: SimExchange,
  store: VenueSimStore,
  m: SimMarket,
  ref: OrderRefParams,
  fill: AdminFill,
  now: number,
): SimEvent[] {
  return store.transaction(() => {
    const order = workingOrder(exchange, m, ref);
    const remaining = new Dec(order.origQty).minus(order.executedQty);
    const excess = new Dec(fill.qty).minus(remaining);
    if (excess.gt('0') && !fill.overfill)
      throw new ValidationError(
        'qty',
        `exceeds the order's remaining ${fmt(remaining)} (overfill: true allows it)`,
      );
    const { bid, ask } = exchange.quote(m);
    const price = fill.price ?? (order.type === 'MARKET' ? (order.side === 'BUY' ? ask : bid) : order.price);
    const ctx = exchange.fillContext(m, now);
    if (excess.gt('0')) {
      try {
        if (order.side === 'BUY') ctx.ledger.reserve(m.quote, fmt(new Dec(order.price).times(excess)));
        else ctx.ledger.reserve(m.base, fmt(excess));
      } catch {
        throw new ValidationError('qty', 'the account cannot pay for the overfill');
      }
    }
    const options = Object.assign(
      { hidden: fill.hidden },
      fill.reportedId !== undefined && { reportedId: fill.reportedId },
    );
    const filled = fillOrder(ctx, order, price, fill.qty, fill.isMaker, options);
    if (fill.hidden) return [];
    return [
      orderEvent('TRADE', filled.order, now, { trade: filled.trade }),
      ...accountEvents(ctx.ledger.touched(), now),
    ];
  });
}

function workingOrder(exchange: SimExchange, m: SimMarket, ref: OrderRefParams) {
  let order;
  try {
    order = exchange.find(m, ref);
  } catch (err) {
    if (err instanceof BinanceError) throw new ValidationError('orderId', 'no such order');
    throw err;
  }
  if (order.status !== 'NEW' && order.status !== 'PARTIALLY_FILLED')
    throw new ValidationError('orderId', `order ${order.orderId} is ${order.status}, not working`);
  return order;
}
