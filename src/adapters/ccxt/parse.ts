import type { Balances, Order, Ticker as CcxtTicker, Trade } from 'ccxt';
import { Dec, fmt } from '../../domain/decimal.js';
import { ValidationError } from '../../domain/errors.js';
import type { OrderType, Side, VenueOrderStatus } from '../../domain/types.js';
import type { Ticker, VenueBalance, VenueFill, VenueOrder } from '../venue.js';
import { parseVenueFill, parseVenueOrder } from '../venue-event-schema.js';
import { decimalOf } from './market-rules.js';

/**
 * Conversions from ccxt's unified structures to the port's. Money comes from the venue's raw `info`
 * strings whenever they are there (Binance REST and executionReport fields), because ccxt's unified
 * fields are JS floats; the unified fields are only a fallback for other exchanges. Orders and fills are
 * checked against the port's schema (venue-event-schema.ts) here, at the edge: whatever the venue sent,
 * pushed or fetched, either becomes a valid VenueOrder / VenueFill or throws a ValidationError naming the
 * field (`fill.price`). Every result is a new plain object: ccxt mutates its cached watch results in
 * place, so nothing of theirs is kept.
 */

type Info = Record<string, unknown>;

const infoOf = (x: { info?: unknown }): Info =>
  typeof x.info === 'object' && x.info !== null ? (x.info as Info) : {};

/** The first key of `info` holding a non-empty string or a number, as a string. */
function raw(info: Info, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = info[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

/** A required decimal: the first raw field, else the unified float. Throws a ValidationError naming `field`. */
function money(field: string, info: Info, keys: string[], unified: unknown): string {
  const fromInfo = raw(info, ...keys);
  const value = decimalOf(fromInfo ?? unified);
  if (value === null) {
    throw new ValidationError(
      field,
      `venue sent no decimal ${field} (${JSON.stringify(fromInfo ?? unified)})`,
    );
  }
  return value;
}

function time(info: Info, keys: string[], ...unified: (number | undefined)[]): number {
  const fromInfo = raw(info, ...keys);
  const n = fromInfo !== undefined ? Number(fromInfo) : unified.find((u) => typeof u === 'number');
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

const BINANCE_STATUS: Record<string, VenueOrderStatus | 'working'> = {
  NEW: 'working',
  PARTIALLY_FILLED: 'working',
  PENDING_NEW: 'working',
  PENDING_CANCEL: 'working',
  FILLED: 'filled',
  CANCELED: 'cancelled',
  REJECTED: 'rejected',
  EXPIRED: 'expired',
  EXPIRED_IN_MATCH: 'expired',
};

const UNIFIED_STATUS: Record<string, VenueOrderStatus | 'working'> = {
  open: 'working',
  canceling: 'working',
  closed: 'filled',
  canceled: 'cancelled',
  cancelled: 'cancelled',
  expired: 'expired',
  rejected: 'rejected',
};

function statusOf(order: Order, info: Info, filled: string): VenueOrderStatus {
  const venueStatus = raw(info, 'X', 'status');
  const s =
    (venueStatus !== undefined ? BINANCE_STATUS[venueStatus] : undefined) ??
    UNIFIED_STATUS[order.status ?? ''];
  if (s === undefined) {
    throw new ValidationError(
      'order.status',
      `unknown order status ${JSON.stringify(venueStatus ?? order.status)}`,
    );
  }
  if (s !== 'working') return s;
  return new Dec(filled).gt('0') ? 'partiallyFilled' : 'open';
}

/** The order's own clientOrderId (not a cancel request's; see binance-subset.md §3 and §6). */
function clientOrderIdOf(order: Order, info: Info): string {
  const id = raw(info, 'C', 'origClientOrderId') ?? raw(info, 'c', 'clientOrderId') ?? order.clientOrderId;
  if (id === undefined || id === '')
    throw new ValidationError('order.clientOrderId', 'venue sent no clientOrderId');
  return id;
}

function sideOf(field: string, value: unknown): Side {
  const s = typeof value === 'string' ? value.toLowerCase() : value;
  if (s !== 'buy' && s !== 'sell') throw new ValidationError(field, `unknown side ${shown(value)}`);
  return s;
}

/** A payload value for a message: JSON, cut short (a hostile payload may be huge or deeply nested). */
function shown(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  text ??= String(typeof value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/**
 * Converts a ccxt order (REST reply, cancel reply or watchOrders element) into the port's VenueOrder,
 * validated; a ValidationError names the field (`order.quantity`).
 */
export function toVenueOrder(order: Order): VenueOrder {
  const info = infoOf(order);
  const quantity = money('order.quantity', info, ['q', 'origQty'], order.amount);
  const filledQuantity = money('order.filledQuantity', info, ['z', 'executedQty'], order.filled ?? 0);
  const typeValue: unknown = raw(info, 'o', 'type') ?? order.type ?? 'limit';
  if (typeof typeValue !== 'string')
    throw new ValidationError('order.type', `not a string: ${shown(typeValue)}`);
  const type: OrderType = typeValue.toLowerCase() === 'market' ? 'market' : 'limit';
  const price = decimalOf(raw(info, 'p', 'price') ?? order.price);
  return parseVenueOrder({
    clientOrderId: clientOrderIdOf(order, info),
    venueOrderId: raw(info, 'i', 'orderId') ?? order.id,
    symbol: order.symbol,
    side: sideOf('order.side', raw(info, 'S', 'side') ?? order.side),
    type,
    price: price === null || new Dec(price).lte('0') ? null : price,
    quantity,
    filledQuantity,
    status: statusOf(order, info, filledQuantity),
    updatedAt: time(
      info,
      ['E', 'updateTime', 'transactTime', 'T', 'workingTime', 'time'],
      order.lastUpdateTimestamp,
      order.timestamp,
    ),
  });
}

/**
 * Converts a ccxt trade (fetchMyTrades or watchMyTrades element) into the port's VenueFill, validated; a
 * ValidationError names the field (`fill.price`). Binance's REST trades carry no clientOrderId (null: the
 * adapter resolves it from the order id, see order-index.ts).
 */
export function toVenueFill(trade: Trade, quoteCurrency: string): VenueFill {
  const info = infoOf(trade);
  const isStream = raw(info, 'e') === 'executionReport';
  const isBuyer = info.isBuyer;
  const side = isStream
    ? sideOf('fill.side', raw(info, 'S'))
    : typeof isBuyer === 'boolean'
      ? isBuyer
        ? 'buy'
        : 'sell'
      : sideOf('fill.side', trade.side);
  const maker = isStream ? info.m : (info.isMaker ?? undefined);
  const makerFlag =
    typeof maker === 'boolean'
      ? maker
      : trade.takerOrMaker === undefined
        ? null
        : trade.takerOrMaker === 'maker';
  const fee = decimalOf(raw(info, isStream ? 'n' : 'commission') ?? trade.fee?.cost ?? '0') ?? '0';
  const feeCurrency = raw(info, isStream ? 'N' : 'commissionAsset') ?? trade.fee?.currency ?? quoteCurrency;
  const cid = isStream ? (raw(info, 'C') ?? raw(info, 'c')) : undefined;
  return parseVenueFill({
    tradeId: (isStream ? raw(info, 't') : raw(info, 'id')) ?? trade.id,
    clientOrderId: cid ?? null,
    venueOrderId: raw(info, 'i', 'orderId') ?? trade.order,
    symbol: trade.symbol,
    side,
    price: money('fill.price', info, isStream ? ['L'] : ['price'], trade.price),
    quantity: money('fill.quantity', info, isStream ? ['l'] : ['qty'], trade.amount),
    fee,
    feeCurrency,
    liquidity: makerFlag === null ? null : makerFlag ? 'maker' : 'taker',
    at: time(info, isStream ? ['T', 'E'] : ['time'], trade.timestamp),
  });
}

/** Converts a ccxt ticker; bid, ask and last come from Binance's raw strings when present. */
export function toTicker(symbol: string, ticker: CcxtTicker): Ticker {
  const info = infoOf(ticker);
  return {
    symbol,
    bid: money('bid', info, ['bidPrice'], ticker.bid),
    ask: money('ask', info, ['askPrice'], ticker.ask),
    last: money('last', info, ['lastPrice'], ticker.last ?? ticker.close),
    at: time(info, ['closeTime'], ticker.timestamp),
  };
}

/** Converts a ccxt balance into exact per-asset balances (Binance's `balances[]` strings when present). */
export function toBalances(balances: Balances): Record<string, VenueBalance> {
  const info = infoOf(balances as unknown as { info?: unknown });
  const out: Record<string, VenueBalance> = {};
  if (Array.isArray(info.balances)) {
    for (const b of info.balances as Info[]) {
      const asset = raw(b, 'asset');
      if (asset === undefined) continue;
      out[asset] = {
        free: fmt(new Dec(decimalOf(raw(b, 'free')) ?? '0')),
        locked: fmt(new Dec(decimalOf(raw(b, 'locked')) ?? '0')),
      };
    }
    return out;
  }
  const free = (balances.free ?? {}) as unknown as Record<string, number | undefined>;
  const used = (balances.used ?? {}) as unknown as Record<string, number | undefined>;
  for (const asset of Object.keys(free)) {
    out[asset] = { free: decimalOf(free[asset]) ?? '0', locked: decimalOf(used[asset]) ?? '0' };
  }
  return out;
}
