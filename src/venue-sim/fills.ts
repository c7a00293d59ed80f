import { Dec, fmt } from '../domain/decimal.js';
import type {
  SimOrder,
  SimOrderStatus,
  SimTrade,
  VenueSimStore,
} from '../persistence/venues/venue-sim-store.js';
import type { Ledger } from './ledger.js';
import type { SimMarket } from './markets.js';

/** Commission rates in basis points (validated decimal strings). */
export interface FeeRates {
  makerBps: string;
  takerBps: string;
}

/** What filling or closing an order works with (inside one store transaction). */
export interface FillContext {
  store: VenueSimStore;
  ledger: Ledger;
  market: SimMarket;
  fees: FeeRates;
  now: number;
}

/**
 * Binance's default commission: a buyer pays in the base asset it receives (qty × rate), a seller in the
 * quote asset (price × qty × rate); rounded down to 8 decimals, the assets' precision.
 */
export function commissionOf(side: 'BUY' | 'SELL', price: string, qty: string, bps: string): string {
  const base = side === 'BUY' ? new Dec(qty) : new Dec(price).times(qty);
  return fmt(base.times(bps).times('0.0001').round(8, Dec.roundDown));
}

/** The price an order reserved quote at: its limit price, or for a market order its (only) fill price. */
function reservePriceOf(order: SimOrder, fillPrice: string): string {
  return order.type === 'MARKET' ? fillPrice : order.price;
}

/**
 * Records one fill of `qty` at `price`, settles balances and updates the order (FILLED once its executed
 * quantity reaches the order's). `trade` options: see VenueSimStore.insertTrade.
 */
export function fillOrder(
  ctx: FillContext,
  order: SimOrder,
  price: string,
  qty: string,
  isMaker: boolean,
  trade: { reportedId?: number; hidden?: boolean } = {},
): { order: SimOrder; trade: SimTrade } {
  const { store, ledger, market, fees, now } = ctx;
  const commission = commissionOf(order.side, price, qty, isMaker ? fees.makerBps : fees.takerBps);
  const quoteQty = fmt(new Dec(price).times(qty));
  const recorded = store.insertTrade(
    {
      orderId: order.orderId,
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      price,
      qty,
      quoteQty,
      commission,
      commissionAsset: order.side === 'BUY' ? market.base : market.quote,
      isMaker,
      at: now,
    },
    trade,
  );
  ledger.settleFill({
    side: order.side,
    base: market.base,
    quote: market.quote,
    price,
    qty,
    reservePrice: reservePriceOf(order, price),
    commission,
  });
  const executedQty = fmt(new Dec(order.executedQty).plus(qty));
  const status: SimOrderStatus = new Dec(executedQty).gte(order.origQty) ? 'FILLED' : 'PARTIALLY_FILLED';
  const updated = store.updateOrder({
    ...order,
    executedQty,
    cummulativeQuoteQty: fmt(new Dec(order.cummulativeQuoteQty).plus(quoteQty)),
    status,
    updatedAt: now,
  });
  return { order: updated, trade: recorded };
}

/** Closes a working order (CANCELED or EXPIRED), releasing what it still had reserved. */
export function closeOrder(ctx: FillContext, order: SimOrder, status: 'CANCELED' | 'EXPIRED'): SimOrder {
  const { store, ledger, market, now } = ctx;
  const remaining = new Dec(order.origQty).minus(order.executedQty);
  if (remaining.gt('0') && order.type !== 'MARKET') {
    if (order.side === 'BUY') ledger.release(market.quote, fmt(remaining.times(order.price)));
    else ledger.release(market.base, fmt(remaining));
  }
  return store.updateOrder({ ...order, status, updatedAt: now });
}
