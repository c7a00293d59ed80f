import type { Clock } from '../domain/clock.js';

/** One condition that holds now. */
interface Held {
  since: number;
  times: number;
  warnedAt: number | null;
}

/**
 * Conditions, by key, that the operator is told about while they last: a warning once a condition has been
 * seen `confirmAfter` times in a row (one observation of a fill gap or a balance difference can be a fill
 * in flight), then at most one per `repeatMs`; and, when it ends after a warning, one line saying so. The
 * caller logs; this keeps the count and the times.
 */
export class WatchedConditions {
  readonly #held = new Map<string, Held>();

  constructor(
    private readonly clock: Clock,
    private readonly options: { confirmAfter: number; repeatMs: number },
  ) {}

  /**
   * Notes that `key`'s condition holds now. Returns, when a warning is due, how long it has held and how
   * many times in a row it was seen; else null.
   */
  holds(key: string): { forMs: number; times: number } | null {
    const now = this.clock.now();
    let held = this.#held.get(key);
    if (held === undefined) {
      held = { since: now, times: 0, warnedAt: null };
      this.#held.set(key, held);
    }
    held.times += 1;
    if (held.times < this.options.confirmAfter) return null;
    if (held.warnedAt !== null && now - held.warnedAt < this.options.repeatMs) return null;
    held.warnedAt = now;
    return { forMs: now - held.since, times: held.times };
  }

  /** Notes that `key`'s condition no longer holds. Returns how many times it was seen, if it was warned about. */
  ended(key: string): number | null {
    const held = this.#held.get(key);
    this.#held.delete(key);
    return held?.warnedAt != null ? held.times : null;
  }

  /** The keys whose condition holds. */
  keys(): string[] {
    return [...this.#held.keys()];
  }
}
