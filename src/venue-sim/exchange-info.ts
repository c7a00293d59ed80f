import { Dec, fmt } from '../domain/decimal.js';
import type { Decimal } from '../domain/decimal.js';
import type { SimOrder } from '../persistence/venues/venue-sim-store.js';
import { d8 } from './formats.js';
import type { SimMarket } from './markets.js';

/** One symbol of GET /api/v3/exchangeInfo, with Binance's filters. */
export function symbolInfo(m: SimMarket) {
  return {
    symbol: m.id,
    status: 'TRADING',
    baseAsset: m.base,
    baseAssetPrecision: 8,
    quoteAsset: m.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    amendAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: d8(m.minPrice),
        maxPrice: d8(m.maxPrice),
        tickSize: d8(m.tickSize),
      },
      { filterType: 'LOT_SIZE', minQty: d8(m.minQty), maxQty: d8(m.maxQty), stepSize: d8(m.stepSize) },
      { filterType: 'MARKET_LOT_SIZE', minQty: d8('0'), maxQty: d8(m.marketMaxQty), stepSize: d8('0') },
      {
        filterType: 'NOTIONAL',
        minNotional: d8(m.minNotional),
        applyMinToMarket: true,
        maxNotional: d8(m.maxNotional),
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'NONE'],
  };
}

/** GET /api/v3/exchangeInfo for the given markets. */
export function exchangeInfo(markets: readonly SimMarket[], now: number) {
  return {
    timezone: 'UTC',
    serverTime: now,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols: markets.map(symbolInfo),
  };
}

/** Quantity of the n-th synthetic book level (1-based): 1..5 hundredths of the market-order maximum. */
function levelQty(m: SimMarket, n: number): string {
  return fmt(new Dec(m.marketMaxQty).times(String((n % 5) + 1)).div('100'));
}

/**
 * GET /api/v3/depth: `limit` synthetic levels a tick apart from the best bid and ask, with the remaining
 * quantity of our own resting orders added at their prices.
 */
export function depth(
  m: SimMarket,
  quote: { bid: string; ask: string },
  resting: readonly SimOrder[],
  limit: number,
  lastUpdateId: number,
) {
  const side = (start: string, sign: '-1' | '1', isBuy: boolean) => {
    const levels = new Map<string, Decimal>();
    for (let n = 0; n < limit; n++) {
      const price = new Dec(start).plus(new Dec(m.tickSize).times(String(n)).times(sign));
      if (price.lte('0')) break;
      levels.set(fmt(price), new Dec(levelQty(m, n + 1)));
    }
    for (const o of resting) {
      if ((o.side === 'BUY') !== isBuy || o.type === 'MARKET') continue;
      const key = fmt(new Dec(o.price));
      const rest = new Dec(o.origQty).minus(o.executedQty);
      levels.set(key, (levels.get(key) ?? new Dec('0')).plus(rest));
    }
    const sorted = [...levels.entries()].sort((a, b) => new Dec(a[0]).cmp(b[0]) * (isBuy ? -1 : 1));
    return sorted.slice(0, limit).map(([price, qty]) => [d8(price), d8(fmt(qty))]);
  };
  return { lastUpdateId, bids: side(quote.bid, '-1', true), asks: side(quote.ask, '1', false) };
}

/** GET /api/v3/ticker/24hr for one market (open/high/low since the simulator's file was created). */
export function ticker24hr(
  m: SimMarket,
  state: { price: string; openPrice: string; highPrice: string; lowPrice: string; updatedAt: number },
  quote: { bid: string; ask: string },
  now: number,
) {
  const last = new Dec(state.price);
  const change = last.minus(state.openPrice);
  const qty = d8(levelQty(m, 1));
  return {
    symbol: m.id,
    priceChange: d8(fmt(change)),
    priceChangePercent: change.times('100').div(state.openPrice).toFixed(3),
    weightedAvgPrice: d8(state.price),
    prevClosePrice: d8(state.openPrice),
    lastPrice: d8(state.price),
    lastQty: qty,
    bidPrice: d8(quote.bid),
    bidQty: qty,
    askPrice: d8(quote.ask),
    askQty: qty,
    openPrice: d8(state.openPrice),
    highPrice: d8(state.highPrice),
    lowPrice: d8(state.lowPrice),
    volume: d8('0'),
    quoteVolume: d8('0'),
    openTime: now - 86_400_000,
    closeTime: now,
    firstId: -1,
    lastId: -1,
    count: 0,
  };
}
