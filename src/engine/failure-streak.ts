import type { Clock } from '../domain/clock.js';
import { describeError } from '../domain/errors.js';
import type { CodedFields, Logger } from '../domain/logger.js';
import { extend } from '../domain/extend.js';

/**
 * Logs a failure that repeats every few hundred milliseconds (a strategy tick or a gap-fill during a
 * venue outage) without flooding the log: the first failure of a streak at warn, then at debug, with one
 * warn per `everyMs` carrying the count so far, and one info line when the streak ends.
 */
export class FailureStreak {
  #since: number | null = null;
  #failures = 0;
  #lastWarn = 0;

  /**
   * @param what Names the failing work in the messages (`strategy tick` → `strategy tick failed`).
   * @param everyMs Least time between two warnings of one streak.
   */
  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly what: string,
    private readonly everyMs = 10_000,
  ) {}

  /** Failures in the current streak (0 when the last attempt succeeded). */
  get failures(): number {
    return this.#failures;
  }

  /** Records a failure; `fields` go into the log line (never secrets: see docs/security.md). */
  failed(fields: CodedFields, err: unknown): void {
    const now = this.clock.now();
    this.#failures += 1;
    const line = extend(fields, { err: describeError(err) });
    if (this.#since === null) {
      this.#since = now;
      this.#lastWarn = now;
      this.logger.warn(line, `${this.what} failed`);
    } else if (now - this.#lastWarn >= this.everyMs) {
      this.#lastWarn = now;
      this.logger.warn(
        extend(line, { failures: this.#failures, failingForMs: now - this.#since }),
        `${this.what} still failing`,
      );
    } else {
      this.logger.debug(extend(line, { failures: this.#failures }), `${this.what} failed`);
    }
  }

  /** Records a success: ends a streak, if any, with one info line. */
  succeeded(fields: object): void {
    if (this.#since === null) return;
    const now = this.clock.now();
    this.logger.info(
      extend(fields, { failures: this.#failures, failedForMs: now - this.#since }),
      `${this.what} recovered`,
    );
    this.#since = null;
    this.#failures = 0;
  }
}

/** One FailureStreak per key (a symbol), created on first use. */
export class FailureStreaks {
  readonly #streaks = new Map<string, FailureStreak>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly what: string,
  ) {}

  /** The streak of `key`. */
  of(key: string): FailureStreak {
    let streak = this.#streaks.get(key);
    if (streak === undefined) {
      streak = new FailureStreak(this.logger, this.clock, this.what);
      this.#streaks.set(key, streak);
    }
    return streak;
  }
}
