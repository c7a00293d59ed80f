import { Dec } from '../domain/decimal.js';
import type { SimBalance, SimOrder, SimTrade } from '../persistence/venues/venue-sim-store.js';
import type { SimEvent } from './sim-event.js';

/** A decimal as Binance writes it: a string with 8 decimals (`"0.01000000"`). */
export const d8 = (value: string): string => new Dec(value).toFixed(8);

/** Fields every order shape shares. */
function orderCore(o: SimOrder) {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
  };
}

function orderAmounts(o: SimOrder) {
  return {
    price: d8(o.price),
    origQty: d8(o.origQty),
    executedQty: d8(o.executedQty),
    origQuoteOrderQty: d8(o.origQuoteOrderQty),
    cummulativeQuoteQty: d8(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
  };
}

/** GET /api/v3/order, openOrders and allOrders element. */
export function orderJson(o: SimOrder) {
  return {
    ...orderCore(o),
    ...orderAmounts(o),
    stopPrice: d8('0'),
    icebergQty: d8('0'),
    time: o.createdAt,
    updateTime: o.updatedAt,
    isWorking: true,
    workingTime: o.createdAt,
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

/** POST /api/v3/order reply in the requested `newOrderRespType`. */
export function newOrderJson(o: SimOrder, trades: readonly SimTrade[], respType: 'ACK' | 'RESULT' | 'FULL') {
  const ack = { ...orderCore(o), transactTime: o.createdAt };
  if (respType === 'ACK') return ack;
  const result = {
    ...ack,
    ...orderAmounts(o),
    workingTime: o.createdAt,
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
  if (respType === 'RESULT') return result;
  const fills = trades.map((t) => ({
    price: d8(t.price),
    qty: d8(t.qty),
    commission: d8(t.commission),
    commissionAsset: t.commissionAsset,
    tradeId: t.tradeId,
  }));
  return { ...result, fills };
}

/** DELETE /api/v3/order reply: `clientOrderId` is the cancel request's id, the order's is `origClientOrderId`. */
export function cancelJson(o: SimOrder, cancelClientOrderId: string) {
  return {
    symbol: o.symbol,
    origClientOrderId: o.clientOrderId,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: cancelClientOrderId,
    transactTime: o.updatedAt,
    ...orderAmounts(o),
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

/** GET /api/v3/myTrades element. */
export function tradeJson(t: SimTrade) {
  return {
    symbol: t.symbol,
    id: t.tradeId,
    orderId: t.orderId,
    orderListId: -1,
    price: d8(t.price),
    qty: d8(t.qty),
    quoteQty: d8(t.quoteQty),
    commission: d8(t.commission),
    commissionAsset: t.commissionAsset,
    time: t.at,
    isBuyer: t.side === 'BUY',
    isMaker: t.isMaker,
    isBestMatch: true,
  };
}

/** One `balances` element of GET /api/v3/account. */
export const balanceJson = (b: SimBalance) => ({ asset: b.asset, free: d8(b.free), locked: d8(b.locked) });

/** The user-data-stream payload of an event (`executionReport` or `outboundAccountPosition`). */
export function streamEventJson(e: SimEvent): Record<string, unknown> {
  if (e.kind === 'account') {
    const B = e.balances.map((b) => ({ a: b.asset, f: d8(b.free), l: d8(b.locked) }));
    return { e: 'outboundAccountPosition', E: e.at, u: e.at, B };
  }
  const o = e.order;
  const t = e.trade;
  const canceled = e.execType === 'CANCELED' && e.cancelClientOrderId !== undefined;
  return {
    e: 'executionReport',
    E: e.at,
    s: o.symbol,
    c: canceled ? e.cancelClientOrderId : o.clientOrderId,
    S: o.side,
    o: o.type,
    f: o.timeInForce,
    q: d8(o.origQty),
    p: d8(o.price),
    P: d8('0'),
    F: d8('0'),
    g: -1,
    C: canceled ? o.clientOrderId : '',
    x: e.execType,
    X: o.status,
    r: 'NONE',
    i: o.orderId,
    l: d8(t?.qty ?? '0'),
    z: d8(o.executedQty),
    L: d8(t?.price ?? '0'),
    n: d8(t?.commission ?? '0'),
    N: t?.commissionAsset ?? null,
    T: t?.at ?? o.updatedAt,
    t: t?.tradeId ?? -1,
    I: 0,
    w: o.status === 'NEW' || o.status === 'PARTIALLY_FILLED',
    m: t?.isMaker ?? false,
    M: false,
    O: o.createdAt,
    Z: d8(o.cummulativeQuoteQty),
    Y: d8(t?.quoteQty ?? '0'),
    Q: d8(o.origQuoteOrderQty),
    W: o.createdAt,
    V: 'EXPIRE_MAKER',
  };
}
