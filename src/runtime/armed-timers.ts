import type { Clock } from '../domain/clock.js';
import { timerKey } from './batch.js';
import type { TimerEntry } from './batch.js';

/** Committed durable timers, each armed on the clock to fire `onDue` at its due time. */
export class ArmedTimers {
  private readonly timers = new Map<string, TimerEntry & { handle: unknown }>();
  private enabled = true;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: (timer: TimerEntry) => void,
  ) {}

  /** Number of timers held. */
  get size(): number {
    return this.timers.size;
  }

  get(key: string): TimerEntry | undefined {
    return this.timers.get(key);
  }

  /** Arms (or re-arms) a timer; an overdue one fires at once. */
  arm(timer: TimerEntry): void {
    const key = timerKey(timer.actorId, timer.timerId);
    this.disarm(key);
    if (!this.enabled) return;
    const handle = this.clock.setTimeout(
      () => this.onDue(timer),
      Math.max(0, timer.dueAt - this.clock.now()),
    );
    this.timers.set(key, { ...timer, handle });
  }

  disarm(key: string): void {
    const armed = this.timers.get(key);
    if (armed === undefined) return;
    this.clock.clearTimeout(armed.handle);
    this.timers.delete(key);
  }

  /** Disarms everything and arms nothing more (the rows stay in the database). */
  disable(): void {
    this.enabled = false;
    for (const t of this.timers.values()) this.clock.clearTimeout(t.handle);
    this.timers.clear();
  }
}
