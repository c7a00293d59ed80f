import type { Clock } from '../../domain/clock.js';
import { ConfigError } from '../../domain/errors.js';
import type { Logger } from '../../domain/logger.js';
import type { FaultPlanOptions } from './fault-plan.js';
import type { PaperMarket } from './price-feed.js';

/** Configuration of a paper venue. */
export interface PaperVenueOptions {
  /** The venue's own SQLite file; reopening it continues the stored orders, trades and price walks. */
  dbPath: string;
  /** Seeds every random stream (price walks, fill sizes, latency, faults). A safe integer. */
  seed: number;
  /** Venue time; xstate's SimulatedClock in tests. */
  clock: Clock;
  markets: PaperMarket[];
  /** Price feed interval, ms (default 100). */
  tickMs?: number;
  /** Maker fee in basis points, decimal string (default '1'). */
  makerFeeBps?: string;
  /** Taker fee in basis points, decimal string (default '5'). */
  takerFeeBps?: string;
  /** How long after it was sent the venue still accepts a request, ms (default 5000). */
  requestWindowMs?: number;
  /** Simulated one-way latency of calls, replies and updates, ms, uniform in [min, max] (default 0..0). */
  latencyMs?: { min: number; max: number };
  /** Seeded fault injection (all probabilities default to 0). */
  faults?: FaultPlanOptions;
  /** Venue id (default 'paper'). */
  id?: string;
  /** Receives errors thrown by subscribers (which never disturb the venue). Default: ignore them. */
  onListenerError?: (err: unknown) => void;
  /** Where a malformed update is reported before it is dropped (default: nowhere). */
  logger?: Logger;
  /**
   * The venue's request budget (config `venueBudget`): every call takes a token, cancels and lookups
   * first; a place that would wait longer than PLACE_QUEUE_MS is refused unsent (`rateLimited`). Absent:
   * no budget.
   */
  budget?: { requestsPerSecond: number; burst: number };
}

/** The option's value, checked to be a non-negative safe integer. */
export const nonNegativeInt = (field: string, value: number): number => {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(field, `must be a non-negative integer, got ${String(value)}`);
  }
  return value;
};
