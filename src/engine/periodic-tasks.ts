import type { Clock } from '../domain/clock.js';

/**
 * Tasks that run every so often until stopped (the engine's gap-fill and lease renewal). A task's next run
 * is scheduled only when its previous run has settled, so runs of one task never overlap. `stop` cancels
 * what is scheduled and waits for the runs in flight, so that nothing a run uses (the database) is closed
 * under it.
 */
export class PeriodicTasks {
  readonly #clock: Clock;
  /** The pending timer of each task between runs. */
  readonly #scheduled = new Map<number, unknown>();
  readonly #running = new Set<Promise<unknown>>();
  #next = 0;
  #stopped = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Runs `task` every `ms` (counted from the end of its previous run) until `stop`. */
  every(ms: number, task: () => Promise<unknown>): void {
    const key = this.#next++;
    const schedule = () => {
      if (this.#stopped) return;
      this.#scheduled.set(
        key,
        this.#clock.setTimeout(() => {
          this.#scheduled.delete(key);
          const run = task().finally(() => this.#running.delete(run));
          this.#running.add(run);
          run.then(schedule, schedule);
        }, ms),
      );
    };
    schedule();
  }

  /** Schedules nothing more and resolves when every run in flight has settled. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#scheduled.values()) this.#clock.clearTimeout(timer);
    this.#scheduled.clear();
    await Promise.allSettled(this.#running);
  }
}
