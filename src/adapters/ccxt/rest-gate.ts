import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../domain/logger.js';
import { PLACE_QUEUE_MS, RequestBudget } from '../../domain/request-budget.js';
import type { RequestPriority } from '../../domain/request-budget.js';
import { VenueError } from '../venue.js';
import { accountProblemOf, classifyCcxtError } from './error-map.js';
import type { CcxtOperation } from './error-map.js';

/** Configuration of a RestGate. */
export interface RestGateOptions {
  venueId: string;
  clock: Clock;
  logger: Logger;
  budget: { requestsPerSecond: number; burst: number };
  redact: (text: string) => string;
}

/**
 * The one door every REST call of a venue goes through: the venue's one request budget (token bucket,
 * cancels and lookups first), then the call, then its error classified by what it proves. A rate-limit
 * answer (429/418) pauses the whole budget for the venue's Retry-After, once, here, so no other request
 * goes out meanwhile and the engine never gets itself banned; the caller decides whether to try again
 * (the engine's VenueEffects does, after `retryAfterMs`; nothing else pauses or sleeps for it).
 */
export class RestGate {
  readonly #o: RestGateOptions;
  readonly #budget: RequestBudget;
  #closed = false;

  constructor(options: RestGateOptions) {
    this.#o = options;
    this.#budget = new RequestBudget(options.clock, options.budget.requestsPerSecond, options.budget.burst);
  }

  /** Refuses every later call (the adapter is closing). */
  close(): void {
    this.#closed = true;
  }

  /**
   * Runs one call. `priority` null: the caller already took a token (see takeForPlace). Throws a
   * VenueError; account problems (bad key, clock) are also logged as errors, redacted.
   */
  async call<T>(op: CcxtOperation, what: string, priority: RequestPriority | null, run: () => Promise<T>) {
    const { venueId } = this.#o;
    if (this.#closed) throw new VenueError('unknown', `${venueId} ${what}: venue adapter is closed`);
    if (priority !== null) await this.#budget.take(priority);
    try {
      return await run();
    } catch (err) {
      const error = classifyCcxtError(err, { op, venue: venueId, what, redact: this.#o.redact });
      if (error.kind === 'rateLimited') {
        const pauseMs = error.retryAfterMs ?? 1000;
        this.#budget.pause(pauseMs);
        this.#o.logger.warn(
          { code: 'VENUE_RATE_LIMITED', venue: venueId, what, pauseMs },
          'venue rate limit: every request waits',
        );
      }
      const problem = accountProblemOf(err);
      if (problem !== null) {
        this.#o.logger.error(
          { code: 'VENUE_ACCOUNT_REFUSED', venue: venueId, problem, err: error.message },
          'venue refused the account',
        );
      }
      throw error;
    }
  }

  /**
   * Takes a token for a place, waiting at most PLACE_QUEUE_MS (which the venue's requestWindowMs
   * includes: the venue's window starts when ccxt signs, not when the engine called); beyond that the
   * place is refused unsent as `rateLimited`.
   */
  async takeForPlace(what: string): Promise<void> {
    const wait = await this.#budget.takeWithin(PLACE_QUEUE_MS);
    if (wait === 0) return;
    throw new VenueError('rateLimited', `${this.#o.venueId} ${what}: request budget exhausted, not sent`, {
      retryAfterMs: wait,
    });
  }
}
