import type { Clock } from './clock.js';
import { sleep } from './clock.js';

/** Priority of a venue request: cancels and lookups go before new orders when the budget is short. */
export type RequestPriority = 'high' | 'normal';

/**
 * Longest a place waits for the request budget before it is sent (or refused unsent): a venue's request
 * window starts when the request is signed, so a place must not wait in a queue for long.
 */
export const PLACE_QUEUE_MS = 250;

/**
 * A per-venue request budget (token bucket): at most `perSecond` requests on average, bursts up to `burst`.
 * Waiting requests are served high priority first, so a requote storm never delays a cancel. A venue's
 * Retry-After pauses the whole budget. Each venue adapter owns the one budget of its venue (config
 * `venueBudget`) and every request it sends takes a token; nothing else holds one.
 */
export class RequestBudget {
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private readonly waiting: { high: (() => void)[]; normal: (() => void)[] } = { high: [], normal: [] };
  private timer: unknown = null;

  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Resolves when a request may be sent. */
  take(priority: RequestPriority = 'normal'): Promise<void> {
    return new Promise((resolve) => {
      this.waiting[priority].push(resolve);
      this.pump();
    });
  }

  /**
   * Takes a token now if one is free and nobody is queued; else returns how many ms until one may be.
   * For requests that must not wait in a queue (a place, whose landing window starts when it is signed).
   */
  tryTake(): number {
    this.refill();
    const now = this.clock.now();
    if (now < this.pausedUntil) return this.pausedUntil - now;
    if (this.tokens >= 1 && this.waiting.high.length + this.waiting.normal.length === 0) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((Math.max(0, 1 - this.tokens) * 1000) / this.perSecond));
  }

  /**
   * Takes a token for a request that must not queue (a place), waiting at most `maxWaitMs` (default
   * PLACE_QUEUE_MS) behind nobody. Resolves 0 once taken, else with how many ms until one may be free:
   * the caller refuses the request unsent (`rateLimited`).
   */
  async takeWithin(maxWaitMs = PLACE_QUEUE_MS): Promise<number> {
    const start = this.clock.now();
    for (;;) {
      const wait = this.tryTake();
      if (wait === 0) return 0;
      if (this.clock.now() - start + wait > maxWaitMs) return wait;
      await sleep(this.clock, wait);
    }
  }

  /** Stops sending until `ms` from now (a venue answered 429/418 with Retry-After). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
    this.tokens = 0;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
  }

  private pump(): void {
    this.refill();
    const now = this.clock.now();
    while (now >= this.pausedUntil && this.tokens >= 1) {
      const next = this.waiting.high.shift() ?? this.waiting.normal.shift();
      if (next === undefined) return;
      this.tokens -= 1;
      next();
    }
    if (this.timer !== null || this.waiting.high.length + this.waiting.normal.length === 0) return;
    const wait = Math.max(this.pausedUntil - now, ((1 - this.tokens) * 1000) / this.perSecond, 1);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.ceil(wait));
  }
}
