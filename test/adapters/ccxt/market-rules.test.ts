import type { MarketInterface } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { createCcxtClient } from '../../../src/adapters/ccxt/ccxt-client.js';
import { ApiCredentials } from '../../../src/adapters/ccxt/credentials.js';
import {
  decimalOf,
  marketRulesOf,
  orderViolation,
  toMarket,
} from '../../../src/adapters/ccxt/market-rules.js';
import type { PlaceOrderRequest } from '../../../src/adapters/venue.js';

const exchange = await createCcxtClient({
  exchangeId: 'binance',
  credentials: new ApiCredentials('k', 's', 'test'),
  url: 'http://127.0.0.1:9',
  recvWindowMs: 5000,
  timeoutMs: 1000,
  keepAliveMs: 20_000,
});

// fetchMarkets sets these before parsing (empty: no margin pairs, as with options.fetchMargins false).
Object.assign(exchange.options, { crossMarginPairsData: [], isolatedMarginPairsData: [] });

/** An exchangeInfo symbol entry as Binance sends it (strings with trailing zeros). */
const entry = (filters: object[]) => ({
  symbol: 'BTCUSDT',
  status: 'TRADING',
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  baseAssetPrecision: 8,
  quotePrecision: 8,
  orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
  isSpotTradingAllowed: true,
  permissions: ['SPOT'],
  filters,
});

const BINANCE_FILTERS = [
  {
    filterType: 'PRICE_FILTER',
    minPrice: '0.01000000',
    maxPrice: '1000000.00000000',
    tickSize: '0.01000000',
  },
  { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
  {
    filterType: 'NOTIONAL',
    minNotional: '5.00000000',
    applyMinToMarket: true,
    maxNotional: '9000000.00000000',
  },
];

/** The market exactly as ccxt's own binance parser builds it from the entry. */
const parsed = (filters: object[]): MarketInterface =>
  (exchange as unknown as { parseMarket(m: object): MarketInterface }).parseMarket(entry(filters));

const order = (o: Partial<PlaceOrderRequest>): PlaceOrderRequest => ({
  clientOrderId: 'sf1-a-1',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  price: '50000.01',
  quantity: '0.001',
  ...o,
});

describe('market rules from ccxt markets', () => {
  const rules = marketRulesOf(parsed(BINANCE_FILTERS), false);

  it("reads Binance's filter strings exactly (canonical decimals, no floats)", () => {
    expect(toMarket(rules)).toEqual({
      symbol: 'BTC/USDT',
      base: 'BTC',
      quote: 'USDT',
      tickSize: '0.01',
      stepSize: '0.00001',
      minQuantity: '0.00001',
      minNotional: '5',
    });
    expect([rules.venueSymbol, rules.minPrice, rules.maxPrice, rules.maxQuantity, rules.active]).toEqual([
      'BTCUSDT',
      '0.01',
      '1000000',
      '9000',
      true,
    ]);
  });

  it('accepts orders on the grid and within the limits', () => {
    expect(orderViolation(order({}), rules)).toBeNull();
    expect(orderViolation(order({ quantity: '0.00001', price: '500000' }), rules)).toBeNull();
    expect(orderViolation(order({ type: 'market', price: undefined }), rules)).toBeNull();
  });

  it('refuses each violation with a reason naming the field', () => {
    const cases: [Partial<PlaceOrderRequest>, RegExp][] = [
      [{ price: '50000.005' }, /^price: must be a multiple of tickSize 0.01, got 50000.005$/],
      [{ quantity: '0.000015' }, /^quantity: must be a multiple of stepSize 0.00001/],
      [{ quantity: '0.000001' }, /^quantity: must be >= minQuantity 0.00001/],
      [{ quantity: '9000.00001' }, /^quantity: must be <= maxQuantity 9000/],
      [{ price: '0.001' }, /^price: must be >= minPrice 0.01/],
      [{ price: '1000000.01' }, /^price: must be <= maxPrice 1000000/],
      [{ price: '100', quantity: '0.04999' }, /^notional: price × quantity 4.999 must be >= minNotional 5$/],
      [{ price: undefined }, /^price: required/],
      [{ price: '1e3' }, /^price: must be a positive decimal string/],
      [{ quantity: '-1' }, /^quantity: must be a positive decimal string/],
      [{ clientOrderId: 'has space' }, /^clientOrderId: /],
      [{ type: 'market', price: '100' }, /^price: must be absent/],
    ];
    for (const [o, reason] of cases) expect(orderViolation(order(o), rules)).toMatch(reason);
  });

  it('is exact where floats are not (0.1 + 0.2, 17 significant digits)', () => {
    const fine = marketRulesOf(
      parsed([
        { filterType: 'PRICE_FILTER', minPrice: '0', maxPrice: '0', tickSize: '0.1' },
        { filterType: 'LOT_SIZE', minQty: '0.1', maxQty: '0', stepSize: '0.1' },
      ]),
      false,
    );
    // 0.3 is 3 ticks of 0.1 exactly; in floats 0.3 % 0.1 is 0.09999999999999998.
    expect(orderViolation(order({ price: '0.3', quantity: '30' }), fine)).toBeNull();
    expect(orderViolation(order({ price: '12345678901234567.8', quantity: '0.1' }), fine)).toBeNull();
    expect(orderViolation(order({ price: '12345678901234567.85', quantity: '0.1' }), fine)).toMatch(/^price/);
    // 0 means "disabled" at Binance.
    expect([fine.minPrice, fine.maxPrice, fine.maxQuantity, fine.minNotional]).toEqual([
      null,
      null,
      null,
      '0',
    ]);
  });

  it("falls back to ccxt's unified precision and limits when the venue sends no filters", () => {
    const market = parsed([]);
    market.precision = { price: 0.001, amount: 1e-8 } as never;
    market.limits = { amount: { min: 1e-7, max: undefined }, cost: { min: 10 }, price: {} } as never;
    const r = marketRulesOf(market, false);
    expect([r.tickSize, r.stepSize, r.minQuantity, r.minNotional]).toEqual([
      '0.001',
      '0.00000001',
      '0.0000001',
      '10',
    ]);
    market.precision = { price: 2, amount: 5 } as never;
    const digits = marketRulesOf(market, true);
    expect([digits.tickSize, digits.stepSize]).toEqual(['0.01', '0.00001']);
    expect(decimalOf(1e-8)).toBe('0.00000001');
    expect(decimalOf('0.01000000')).toBe('0.01');
    expect(decimalOf(Number.NaN)).toBeNull();
  });
});
