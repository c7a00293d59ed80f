import { Dec, fmt, isDecimalString } from '../domain/decimal.js';
import { ConfigError } from '../domain/errors.js';
import { SYMBOL_RE } from '../domain/types.js';

/** One market of the simulator with its Binance filters (all decimals canonical strings). */
export interface SimMarket {
  /** Unified `BASE/QUOTE`. */
  symbol: string;
  /** Binance id, `BASEQUOTE`. */
  id: string;
  base: string;
  quote: string;
  tickSize: string;
  minPrice: string;
  maxPrice: string;
  stepSize: string;
  minQty: string;
  maxQty: string;
  /** Largest quantity of a MARKET order (MARKET_LOT_SIZE). */
  marketMaxQty: string;
  minNotional: string;
  maxNotional: string;
  /** Starting price (used only when the file has no state for this symbol yet). */
  startPrice: string;
  /** Largest move of one walk step, in ticks. */
  volatilityTicks: number;
}

type Filters = Omit<SimMarket, 'symbol' | 'id' | 'base' | 'quote'>;

/** Filters close to Binance's for the usual pairs; anything else gets GENERIC. */
const KNOWN: Record<string, Filters> = {
  'BTC/USDT': {
    tickSize: '0.01',
    minPrice: '0.01',
    maxPrice: '1000000',
    stepSize: '0.00001',
    minQty: '0.00001',
    maxQty: '9000',
    marketMaxQty: '100',
    minNotional: '5',
    maxNotional: '9000000',
    startPrice: '50000',
    volatilityTicks: 500,
  },
  'ETH/USDT': {
    tickSize: '0.01',
    minPrice: '0.01',
    maxPrice: '1000000',
    stepSize: '0.0001',
    minQty: '0.0001',
    maxQty: '9000',
    marketMaxQty: '1000',
    minNotional: '5',
    maxNotional: '9000000',
    startPrice: '3000',
    volatilityTicks: 50,
  },
};

const GENERIC: Filters = {
  tickSize: '0.01',
  minPrice: '0.01',
  maxPrice: '1000000',
  stepSize: '0.001',
  minQty: '0.001',
  maxQty: '900000',
  marketMaxQty: '10000',
  minNotional: '5',
  maxNotional: '9000000',
  startPrice: '100',
  volatilityTicks: 10,
};

/**
 * Resolves the simulator's markets from unified symbols and optional start prices (a positive multiple of
 * the tick size). Throws a ConfigError naming the field (`symbols[1]`, `startPrices.BTC/USDT`).
 */
export function resolveMarkets(
  symbols: readonly string[],
  startPrices: Readonly<Record<string, string>> = {},
): Map<string, SimMarket> {
  if (symbols.length === 0) throw new ConfigError('symbols', 'must list at least one symbol');
  const markets = new Map<string, SimMarket>();
  symbols.forEach((symbol, i) => {
    if (!SYMBOL_RE.test(symbol)) {
      throw new ConfigError(`symbols[${i}]`, `must look like BASE/QUOTE, got ${JSON.stringify(symbol)}`);
    }
    const [base = '', quote = ''] = symbol.split('/');
    const id = `${base}${quote}`;
    if (markets.has(id)) throw new ConfigError(`symbols[${i}]`, `duplicate symbol ${symbol}`);
    const filters = KNOWN[symbol] ?? GENERIC;
    const startPrice = startPrices[symbol] ?? filters.startPrice;
    const p = isDecimalString(startPrice) ? new Dec(startPrice) : null;
    if (p === null || p.lte(filters.minPrice) || !p.mod(filters.tickSize).eq('0')) {
      throw new ConfigError(
        `startPrices.${symbol}`,
        `must be a positive multiple of tickSize ${filters.tickSize} above ${filters.minPrice}, got ${JSON.stringify(startPrice)}`,
      );
    }
    markets.set(id, { ...filters, symbol, id, base, quote, startPrice: fmt(p) });
  });
  for (const key of Object.keys(startPrices)) {
    if (!symbols.includes(key)) throw new ConfigError(`startPrices.${key}`, 'names a symbol not in symbols');
  }
  return markets;
}

/** Every asset of the markets, sorted. */
export function assetsOf(markets: ReadonlyMap<string, SimMarket>): string[] {
  const assets = new Set<string>();
  for (const m of markets.values()) assets.add(m.base).add(m.quote);
  return [...assets].sort();
}

/** Starting balance of an asset of a fresh account: 1,000,000 of a quote asset, 100 of any other. */
export function defaultBalance(asset: string, markets: ReadonlyMap<string, SimMarket>): string {
  for (const m of markets.values()) if (m.quote === asset) return '1000000';
  return '100';
}
