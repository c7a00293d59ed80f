import { Dec, fmt, isDecimalString } from '../../domain/decimal.js';
import { ConfigError } from '../../domain/errors.js';
import { SYMBOL_RE } from '../../domain/types.js';
import type { Market } from '../../domain/types.js';
import type { Clock } from '../../domain/clock.js';
import type { PaperVenueStore } from '../../persistence/venues/paper-venue-store.js';
import type { VenueFact } from '../venue.js';
import { Rng, deriveSeed } from './rng.js';

/**
 * The seeded random walk of one symbol's mid price. Its state is persisted in `markets_state` after every
 * tick (together with the fills of that tick), so a restarted venue continues the very same walk.
 */
export interface WalkState {
  /** Current mid price, a decimal string, always a multiple of the tick size and >= 2 ticks. */
  price: string;
  /** State of the symbol's PRNG (drives the walk and the sizes of resting fills). */
  rngState: number;
  /** Number of ticks walked so far. */
  tick: number;
}

/** What the walk needs to know about a market. */
export interface WalkParams {
  tickSize: string;
  /** Largest move per tick, in ticks (>= 1). */
  volatilityTicks: number;
}

/** The starting state of `symbol`'s walk for `seed`. */
export function initialWalkState(seed: number, symbol: string, initialPrice: string): WalkState {
  return { price: initialPrice, rngState: deriveSeed(seed, `walk:${symbol}`), tick: 0 };
}

/**
 * Moves the mid one tick of time: the direction is -1, 0 or +1 with equal odds and the size is a uniform
 * 1..volatilityTicks ticks. The mid never goes below two ticks, so the bid (mid - tick) stays positive.
 * Draws from `rng`, which the caller persists afterwards.
 */
export function stepWalk(price: string, params: WalkParams, rng: Rng): string {
  const direction = rng.int(-1, 1);
  const size = rng.int(1, params.volatilityTicks);
  const tick = new Dec(params.tickSize);
  const floor = tick.times('2');
  const next = new Dec(price).plus(tick.times(String(direction * size)));
  return fmt(next.lt(floor) ? floor : next);
}

/** Best bid and ask around a mid: one tick either side. */
export function quoteFromMid(mid: string, tickSize: string): { bid: string; ask: string } {
  const m = new Dec(mid);
  return { bid: fmt(m.minus(tickSize)), ask: fmt(m.plus(tickSize)) };
}

/** One simulated market of the paper venue. */
export interface PaperMarket {
  /** `BASE/QUOTE`. */
  symbol: string;
  /** Starting mid price (used only when the venue file has no state for this symbol yet). */
  initialPrice: string;
  tickSize: string;
  stepSize: string;
  minQuantity: string;
  minNotional: string;
  /** Largest move per tick, in ticks (default 1). */
  volatilityTicks?: number;
}

/** A validated market: the Market the venue reports plus its walk parameters. */
export interface ResolvedPaperMarket {
  market: Market;
  initialPrice: string;
  walk: WalkParams;
}

/** Validates a market config; throws a ConfigError naming the field (`markets[0].tickSize`). */
export function resolvePaperMarket(config: PaperMarket, index: number): ResolvedPaperMarket {
  const at = `markets[${index}]`;
  if (typeof config.symbol !== 'string' || !SYMBOL_RE.test(config.symbol)) {
    throw new ConfigError(`${at}.symbol`, `must look like BASE/QUOTE, got ${JSON.stringify(config.symbol)}`);
  }
  const decimal = (field: 'initialPrice' | 'tickSize' | 'stepSize' | 'minQuantity' | 'minNotional') => {
    const value: unknown = config[field];
    const positive = field !== 'minQuantity' && field !== 'minNotional';
    if (!isDecimalString(value) || new Dec(value).lt('0') || (positive && new Dec(value).eq('0'))) {
      const what = positive ? 'a positive' : 'a non-negative';
      throw new ConfigError(`${at}.${field}`, `must be ${what} decimal string, got ${JSON.stringify(value)}`);
    }
    return fmt(new Dec(value));
  };
  const tickSize = decimal('tickSize');
  const initialPrice = decimal('initialPrice');
  if (!new Dec(initialPrice).mod(tickSize).eq('0')) {
    throw new ConfigError(
      `${at}.initialPrice`,
      `must be a multiple of tickSize ${tickSize}, got ${initialPrice}`,
    );
  }
  const volatilityTicks = config.volatilityTicks ?? 1;
  if (!Number.isSafeInteger(volatilityTicks) || volatilityTicks < 1) {
    throw new ConfigError(`${at}.volatilityTicks`, `must be an integer >= 1, got ${String(volatilityTicks)}`);
  }
  const [base = '', quote = ''] = config.symbol.split('/');
  const market: Market = {
    symbol: config.symbol,
    base,
    quote,
    tickSize,
    stepSize: decimal('stepSize'),
    minQuantity: decimal('minQuantity'),
    minNotional: decimal('minNotional'),
  };
  return { market, initialPrice, walk: { tickSize, volatilityTicks } };
}

/** Validates the market list (non-empty, unique symbols); returns the markets by symbol, in config order. */
export function resolvePaperMarkets(configs: readonly PaperMarket[]): Map<string, ResolvedPaperMarket> {
  if (!Array.isArray(configs) || configs.length === 0) {
    throw new ConfigError('markets', 'must list at least one market');
  }
  const markets = new Map<string, ResolvedPaperMarket>();
  configs.forEach((config, i) => {
    const resolved = resolvePaperMarket(config, i);
    if (markets.has(resolved.market.symbol)) {
      throw new ConfigError(`markets[${i}].symbol`, `duplicate symbol ${resolved.market.symbol}`);
    }
    markets.set(resolved.market.symbol, resolved);
  });
  return markets;
}

/** More ticks than this owed at once (e.g. after a long pause) are skipped rather than replayed. */
const MAX_CATCH_UP_TICKS = 1000;

/** What a PriceFeed needs. */
export interface PriceFeedOptions {
  clock: Clock;
  store: PaperVenueStore;
  seed: number;
  markets: ReadonlyMap<string, ResolvedPaperMarket>;
  tickMs: number;
  /** Runs inside each symbol's tick transaction after the mid moved: matches resting orders at `mid`. */
  onTick: (symbol: string, mid: string, rng: Rng, now: number) => VenueFact[];
  /** Receives the updates of a tick after it committed. */
  emit: (events: VenueFact[]) => void;
  /** Told of a tick that failed (its transaction rolled back; the walk goes on at the next tick). */
  onError?: (err: unknown) => void;
}

/**
 * Runs the walks of all markets on the clock. Each tick (every `tickMs`; when the clock jumps, the owed
 * ticks run back to back) is one transaction: move every mid, match, persist price and PRNG state.
 */
export class PriceFeed {
  readonly #o: PriceFeedOptions;
  #timer: unknown = null;
  #running = false;
  #lastTickAt = 0;

  /** Stores the initial walk state of every market that has none yet (a reopened file keeps its own). */
  constructor(options: PriceFeedOptions) {
    this.#o = options;
    const { store, markets, seed, clock } = options;
    store.transaction(() => {
      for (const [symbol, m] of markets) {
        if (store.marketState(symbol)) continue;
        const walk = initialWalkState(seed, symbol, m.initialPrice);
        store.saveMarketState({ symbol, ...walk, updatedAt: clock.now() });
      }
    });
  }

  /** Current mid and best bid/ask of `symbol`. */
  quote(symbol: string): { mid: string; bid: string; ask: string } {
    const state = this.#o.store.marketState(symbol);
    const m = this.#o.markets.get(symbol);
    if (!state || !m) throw new Error(`paper venue: no market state for ${symbol}`);
    return { mid: state.price, ...quoteFromMid(state.price, m.market.tickSize) };
  }

  /** Starts ticking; idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#lastTickAt = this.#o.clock.now();
    this.#timer = this.#o.clock.setTimeout(() => this.#onTimer(), this.#o.tickMs);
  }

  /** Stops ticking; idempotent. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Runs one tick of every market now. */
  tick(): void {
    const { store, markets, clock, onTick, emit } = this.#o;
    const now = clock.now();
    const events = store.transaction(() => {
      const out: VenueFact[] = [];
      for (const [symbol, m] of markets) {
        const state = store.marketState(symbol);
        if (!state) throw new Error(`paper venue: no market state for ${symbol}`);
        const rng = new Rng(state.rngState);
        const price = stepWalk(state.price, m.walk, rng);
        out.push(...onTick(symbol, price, rng, now));
        store.saveMarketState({ symbol, price, rngState: rng.state, tick: state.tick + 1, updatedAt: now });
      }
      return out;
    });
    emit(events);
  }

  #onTimer(): void {
    this.#timer = null;
    const { clock, tickMs } = this.#o;
    const now = clock.now();
    const due = Math.floor((now - this.#lastTickAt) / tickMs);
    try {
      for (let i = 0; i < Math.min(due, MAX_CATCH_UP_TICKS) && this.#running; i++) this.tick();
    } catch (err) {
      // The venue's own file failed (full, I/O error): that tick never happened; the market stays open.
      this.#o.onError?.(err);
    }
    this.#lastTickAt += due * tickMs;
    if (!this.#running) return;
    this.#timer = clock.setTimeout(() => this.#onTimer(), this.#lastTickAt + tickMs - now);
  }
}
