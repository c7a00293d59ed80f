/**
 * Time, injected. Logic never reads Date.now() or global timers directly; it gets a Clock. xstate's
 * `SimulatedClock` satisfies this interface, so tests drive time by hand with `clock.increment(ms)`.
 */
export interface Clock {
  /** Milliseconds since the epoch (or since the simulation's origin). */
  now(): number;
  /** Runs `fn` after `ms` milliseconds of this clock. */
  setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown;
  /** Cancels a pending `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/** The real wall clock. Its timers keep the process alive: components must stop their timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Resolves after `ms` of the given clock. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimeout(() => resolve(), ms);
  });
}
