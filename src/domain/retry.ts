import { VenueError } from './venue-error.js';
import type { Clock } from './clock.js';
import { sleep } from './clock.js';
import { describeError } from './errors.js';
import type { Logger } from './logger.js';

/** How long start-up retries a venue that fails transiently, unless configured (`venue.startupRetryMs`). */
export const DEFAULT_STARTUP_RETRY_MS = 30_000;

/** How a venue read is retried. */
export interface ReadRetry {
  /** Most attempts in all (default 6). */
  attempts?: number;
  /** No new attempt starts once this much time has passed since the first one (default: no limit). */
  budgetMs?: number;
  /** First wait, doubled after every failure (default 100 ms). */
  baseMs?: number;
  /** Longest single wait, unless the venue's Retry-After asks for more (default 2,000 ms). */
  maxDelayMs?: number;
  /** Told of every failure that will be retried, with the wait before the next attempt. */
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
}

/**
 * Retries a venue READ (never a write) that failed for a reason worth retrying (a retryable VenueError),
 * after the venue's Retry-After when it gave one, else backing off exponentially. Rethrows the last error
 * once the attempts or the time budget are spent, and at once for a definite refusal.
 */
export async function retryRead<T>(clock: Clock, read: () => Promise<T>, policy: ReadRetry = {}): Promise<T> {
  const { attempts = 6, budgetMs = Infinity, baseMs = 100, maxDelayMs = 2_000 } = policy;
  const started = clock.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (err) {
      // VenueError marks unknown outcomes (network, 5xx) and rate limits retryable; anything else unexpected is.
      const retryable = !(err instanceof VenueError) || err.retryable;
      if (!retryable || attempt >= attempts) throw err;
      const backoff = Math.min(maxDelayMs, baseMs * 2 ** (attempt - 1));
      const wait = err instanceof VenueError && err.retryAfterMs !== undefined ? err.retryAfterMs : backoff;
      if (clock.now() + wait - started > budgetMs) throw err;
      policy.onRetry?.(err, attempt, wait);
      await sleep(clock, wait);
    }
  }
}

/**
 * The start-up policy: a venue that fails transiently (network, 5xx, rate limits) is retried for up to
 * `budgetMs` (config `venue.startupRetryMs`), with a warning per failure, instead of ending the start at
 * the first blip; a definite refusal (bad key, clock, unknown symbol) still ends it at once.
 */
export function startupRetry(budgetMs: number, logger: Logger, what: string): ReadRetry {
  return {
    attempts: Infinity,
    budgetMs,
    onRetry: (err, attempt, waitMs) =>
      logger.warn(
        { code: 'VENUE_READ_RETRY', what, attempt, waitMs, err: describeError(err) },
        'venue read failed at start; retrying',
      ),
  };
}
