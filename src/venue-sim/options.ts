import { z } from 'zod';
import type { Clock } from '../domain/clock.js';
import { systemClock } from '../domain/clock.js';
import type { Logger } from '../domain/logger.js';
import { silentLogger } from '../domain/logger.js';
import { nonNegativeDecimal, parseWith } from '../domain/schema-errors.js';
import type { FaultPlan } from './faults.js';
import { resolveMarkets } from './markets.js';
import type { SimMarket } from './markets.js';
import type { Credentials } from './signing.js';

/**
 * The documented simulator-only demo key pair, used when no credentials are given. It opens nothing but
 * a local simulator; `npm run venue-sim` warns on stderr when it is in use.
 */
export const DEMO_CREDENTIALS: Readonly<Credentials> = { apiKey: 'sim-api-key', apiSecret: 'sim-api-secret' };

/** How to start a venue simulator (see startVenueSim). */
export interface VenueSimOptions {
  /** Its own SQLite file (created if missing; an existing file resumes its orders, trades, balances, prices). */
  dbPath: string;
  /** TCP port, 0 (default) for any free one. */
  port?: number;
  /** Interface to bind, default 127.0.0.1. The admin API refuses non-loopback peers whatever this is. */
  host?: string;
  /** Seed of the price walks, generated ids and faults (default 1). */
  seed?: number;
  /** The one account's HMAC key pair (default DEMO_CREDENTIALS). */
  credentials?: Credentials;
  /** Unified symbols (default `['BTC/USDT', 'ETH/USDT']`). */
  symbols?: string[];
  /** Start prices by unified symbol (multiples of the tick size) for a fresh file. */
  startPrices?: Record<string, string>;
  /** Price walk period, ms; 0 (default) = the price only moves through the admin API. */
  tickMs?: number;
  /** Starting free balances by asset for a fresh file (default 1,000,000 of quote assets, 100 of others). */
  balances?: Record<string, string>;
  /** Maker commission, basis points (default `'10'`, Binance's 0.1%). */
  makerFeeBps?: string;
  /** Taker commission, basis points (default `'10'`). */
  takerFeeBps?: string;
  /** Fault plan in force from the start (same shape as `POST /admin/faults`). */
  faults?: FaultPlan;
  /** Time source (default the system clock). Binance's timestamp checks compare against it. */
  clock?: Clock;
  /** Where to log (default silent). Secrets are never logged. */
  logger?: Logger;
}

/** Options after validation, with every default filled in. */
export interface ResolvedVenueSimOptions {
  dbPath: string;
  port: number;
  host: string;
  seed: number;
  credentials: Credentials;
  /** Markets by Binance id. */
  markets: Map<string, SimMarket>;
  tickMs: number;
  balances: Record<string, string>;
  makerFeeBps: string;
  takerFeeBps: string;
  faults: FaultPlan | undefined;
  clock: Clock;
  logger: Logger;
}

const schema = z.object({
  dbPath: z.string().min(1),
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  seed: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer').default(1),
  credentials: z
    .object({ apiKey: z.string().regex(/^[\x21-\x7e]{1,128}$/), apiSecret: z.string().min(1) })
    .default({ ...DEMO_CREDENTIALS }),
  symbols: z.array(z.string()).default(['BTC/USDT', 'ETH/USDT']),
  startPrices: z.record(z.string(), z.string()).default({}),
  tickMs: z.number().int().min(0).max(3_600_000).default(0),
  balances: z.record(z.string().regex(/^[A-Z0-9]{2,12}$/), nonNegativeDecimal).default({}),
  makerFeeBps: nonNegativeDecimal.default('10'),
  takerFeeBps: nonNegativeDecimal.default('10'),
});

/**
 * Validates options; throws a ValidationError (or a ConfigError for symbols and start prices) naming the
 * field (`tickMs`, `symbols[1]`, `startPrices.BTC/USDT`) when bad.
 */
export function resolveVenueSimOptions(options: VenueSimOptions): ResolvedVenueSimOptions {
  const { clock = systemClock, logger = silentLogger, faults, ...rest } = options;
  const o = parseWith(schema, rest);
  const markets = resolveMarkets(o.symbols, o.startPrices);
  return { ...o, markets, faults, clock, logger };
}
