import { Dec, fmt } from '../domain/decimal.js';
import { errors } from './binance-error.js';
import type { SimMarket } from './markets.js';
import type { Params } from './params.js';

/** A syntactically valid new-order request (POST /api/v3/order). */
export interface NewOrderRequest {
  market: SimMarket;
  side: 'BUY' | 'SELL';
  type: 'LIMIT' | 'MARKET' | 'LIMIT_MAKER';
  timeInForce: 'GTC' | 'IOC' | 'FOK';
  /** Base quantity; absent only for a MARKET order sized by quoteOrderQty. */
  quantity?: string;
  /** Quote amount of a MARKET order (instead of quantity). */
  quoteOrderQty?: string;
  /** Limit price (LIMIT, LIMIT_MAKER). */
  price?: string;
  /** newClientOrderId, when sent. */
  clientOrderId?: string;
  respType: 'ACK' | 'RESULT' | 'FULL';
}

const oneOf = <T extends string>(value: string, allowed: readonly T[]): value is T =>
  (allowed as readonly string[]).includes(value);

/** Reads and checks the parameters of a new order, in Binance's order of checks. */
export function parseNewOrder(p: Params, markets: ReadonlyMap<string, SimMarket>): NewOrderRequest {
  const market = p.market(markets);
  const side = p.required('side');
  if (!oneOf(side, ['BUY', 'SELL'] as const)) throw errors.badSide();
  const type = p.required('type');
  if (!oneOf(type, ['LIMIT', 'MARKET', 'LIMIT_MAKER'] as const)) throw errors.badOrderType();
  const tif = p.optional('timeInForce');
  let timeInForce: NewOrderRequest['timeInForce'] = 'GTC';
  if (type === 'LIMIT') {
    if (tif === undefined) throw errors.mandatory('timeInForce');
    if (!oneOf(tif, ['GTC', 'IOC', 'FOK'] as const)) throw errors.badTimeInForce();
    timeInForce = tif;
  } else if (tif !== undefined) {
    throw errors.notRequired('timeInForce');
  }
  const quantity = p.decimal('quantity');
  const quoteOrderQty = p.decimal('quoteOrderQty');
  const price = p.decimal('price');
  if (type === 'MARKET') {
    if (price !== undefined) throw errors.notRequired('price');
    if (quantity === undefined && quoteOrderQty === undefined) throw errors.mandatory('quantity');
    if (quantity !== undefined && quoteOrderQty !== undefined) throw errors.notRequired('quoteOrderQty');
  } else {
    if (quantity === undefined) throw errors.mandatory('quantity');
    if (price === undefined) throw errors.mandatory('price');
    if (quoteOrderQty !== undefined) throw errors.notRequired('quoteOrderQty');
  }
  if (p.has('newClientOrderId') && p.optional('newClientOrderId') === undefined)
    throw errors.emptyClientOrderId();
  const clientOrderId = p.clientId('newClientOrderId');
  const respType = p.optional('newOrderRespType') ?? 'FULL';
  if (!oneOf(respType, ['ACK', 'RESULT', 'FULL'] as const)) {
    throw errors.illegalChars('newOrderRespType', 'ACK|RESULT|FULL');
  }
  const out: NewOrderRequest = { market, side, type, timeInForce, respType };
  if (quantity !== undefined) out.quantity = quantity;
  if (quoteOrderQty !== undefined) out.quoteOrderQty = quoteOrderQty;
  if (price !== undefined) out.price = price;
  if (clientOrderId !== undefined) out.clientOrderId = clientOrderId;
  return out;
}

/** True when `value` lies on the grid `min + k × step` (Binance's filter rule). */
const onGrid = (value: string, min: string, step: string): boolean =>
  new Dec(value).minus(min).mod(step).eq('0');

/**
 * Applies PRICE_FILTER, LOT_SIZE / MARKET_LOT_SIZE and NOTIONAL to an order and returns its base quantity
 * (for a quoteOrderQty market order: the quote amount at `touch`, rounded down to the step). `touch` is the
 * price a market order would trade at; NOTIONAL uses it for market orders. Throws -1013 naming the filter.
 */
export function checkFilters(req: NewOrderRequest, touch: string): string {
  const m = req.market;
  if (req.price !== undefined) {
    const p = new Dec(req.price);
    if (p.lt(m.minPrice) || p.gt(m.maxPrice) || !onGrid(req.price, m.minPrice, m.tickSize)) {
      throw errors.filter('PRICE_FILTER');
    }
  }
  let quantity = req.quantity;
  if (quantity === undefined) {
    const quote = req.quoteOrderQty ?? '0';
    if (new Dec(quote).lt(m.minNotional)) throw errors.filter('NOTIONAL');
    quantity = fmt(new Dec(quote).div(touch).div(m.stepSize).round(0, Dec.roundDown).times(m.stepSize));
  }
  const q = new Dec(quantity);
  const maxQty = req.type === 'MARKET' ? m.marketMaxQty : m.maxQty;
  if (q.lt(m.minQty) || q.gt(maxQty) || !onGrid(quantity, m.minQty, m.stepSize)) {
    throw errors.filter(req.type === 'MARKET' ? 'MARKET_LOT_SIZE' : 'LOT_SIZE');
  }
  const notional = q.times(req.price ?? touch);
  if (notional.lt(m.minNotional) || notional.gt(m.maxNotional)) throw errors.filter('NOTIONAL');
  return quantity;
}
