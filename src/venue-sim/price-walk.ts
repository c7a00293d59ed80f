import type { Clock } from '../domain/clock.js';
import type { Logger } from '../domain/logger.js';
import { describeError } from '../domain/errors.js';
import type { SimExchange } from './exchange.js';
import type { SimEvent } from './sim-event.js';

/** What the walk timer needs. */
export interface PriceWalkOptions {
  clock: Clock;
  exchange: SimExchange;
  /** Period of one step, ms (> 0). */
  tickMs: number;
  publish: (events: SimEvent[]) => void;
  logger: Logger;
}

/**
 * Steps every market's seeded random walk once per `tickMs` (one transaction per step; see
 * SimExchange.walk). Missed steps after a pause are not replayed: the walk is only scenery.
 */
export class PriceWalk {
  readonly #o: PriceWalkOptions;
  #timer: unknown = null;

  constructor(options: PriceWalkOptions) {
    this.#o = options;
  }

  /** Starts stepping; idempotent. */
  start(): void {
    if (this.#timer !== null) return;
    this.#schedule();
  }

  /** Stops stepping; idempotent. */
  stop(): void {
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    const { clock, tickMs } = this.#o;
    this.#timer = clock.setTimeout(() => {
      try {
        this.#o.publish(this.#o.exchange.walk(clock.now()));
      } catch (err) {
        this.#o.logger.error(
          { code: 'SIM_PRICE_WALK_FAILED', err: describeError(err) },
          'venue-sim: price walk step failed',
        );
      }
      if (this.#timer !== null) this.#schedule();
    }, tickMs);
  }
}
