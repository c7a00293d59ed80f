import type { Clock } from '../domain/clock.js';
import { timerKey } from './batch-host.js';
import type { TimerEntry } from './batch-host.js';

/**
 * The runtime's durable timers. A timer is first `put` (known: later batches may replace or cancel it) and
 * `arm`ed on the clock only once the batch that set it has committed; it then fires `onDue` when due.
 */
export class ArmedTimers {
  private readonly timers = new Map<string, { timer: TimerEntry; handle?: unknown }>();
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
    return this.timers.get(key)?.timer;
  }

  /** Records a timer (replacing one with the same key) without arming it. */
  put(timer: TimerEntry): void {
    const key = timerKey(timer.actorId, timer.timerId);
    this.remove(key);
    this.timers.set(key, { timer });
  }

  /** Arms `timer` if it is still the one recorded under its key. An overdue timer fires at once. */
  arm(timer: TimerEntry): void {
    const held = this.timers.get(timerKey(timer.actorId, timer.timerId));
    if (!this.enabled || held === undefined || held.timer !== timer || held.handle !== undefined) return;
    held.handle = this.clock.setTimeout(() => this.onDue(timer), Math.max(0, timer.dueAt - this.clock.now()));
  }

  /** Forgets a timer and disarms it. */
  remove(key: string): void {
    const held = this.timers.get(key);
    if (held === undefined) return;
    if (held.handle !== undefined) this.clock.clearTimeout(held.handle);
    this.timers.delete(key);
  }

  /** Disarms everything and arms nothing more (the rows stay in the database). */
  disable(): void {
    this.enabled = false;
    for (const t of this.timers.values()) if (t.handle !== undefined) this.clock.clearTimeout(t.handle);
    this.timers.clear();
  }
}
