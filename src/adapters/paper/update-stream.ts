import type { Clock } from '../../domain/clock.js';
import { describeError, ValidationError } from '../../domain/errors.js';
import type { Logger } from '../../domain/logger.js';
import { clientOrderIdIn } from '../venue.js';
import type { VenueFact, VenueListener, VenueRefusal } from '../venue.js';
import { parseVenueEvent } from '../venue-event-schema.js';
import type { FaultPlan } from './fault-plan.js';
import type { Rng } from './rng.js';

interface Pending {
  dueAt: number;
  event: VenueFact | VenueRefusal;
}

interface UpdateStreamOptions {
  clock: Clock;
  faults: FaultPlan;
  rng: Rng;
  latency: { min: number; max: number };
  onListenerError: (err: unknown) => void;
  /** Told of a malformed update (warn, naming the field), which is dropped. */
  logger: Logger;
}

/**
 * The venue's push channel with the plan's stream faults applied. Every update is validated once, when it
 * is queued (venue-event-schema.ts): a malformed one is logged, naming the field, and never delivered. Updates that are not late arrive in
 * order (like one TCP stream), each after a seeded latency; a late update gets an extra delay and may be
 * overtaken; a duplicated one arrives twice; a dropped one never. Delivery is always asynchronous (a
 * microtask when due now, else a clock timer) and each listener gets its own structuredClone.
 */
export class UpdateStream {
  readonly #o: UpdateStreamOptions;
  readonly #listeners = new Set<VenueListener>();
  #queue: Pending[] = [];
  #inOrderDue = 0;
  #timer: { handle: unknown; dueAt: number } | null = null;
  #microtask = false;
  #closed = false;

  constructor(options: UpdateStreamOptions) {
    this.#o = options;
  }

  /** Adds a listener; returns its unsubscribe function. */
  subscribe(listener: VenueListener): () => void {
    const wrapped: VenueListener = (event) => listener(event);
    this.#listeners.add(wrapped);
    return () => void this.#listeners.delete(wrapped);
  }

  /** Queues `events` (already committed at the venue), drawing faults and latency for each. */
  emit(events: readonly VenueFact[]): void {
    if (this.#closed) return;
    const now = this.#o.clock.now();
    for (const raw of events) {
      let event: VenueFact;
      try {
        event = parseVenueEvent(raw);
      } catch (err) {
        const field = err instanceof ValidationError ? err.field : null;
        this.#o.logger.warn(
          { code: 'VENUE_UPDATE_MALFORMED', field, err: describeError(err) },
          'malformed venue update ignored',
        );
        const payload = (raw as { order?: unknown; fill?: unknown } | null) ?? null;
        const named = clientOrderIdIn(payload?.order ?? payload?.fill);
        const refusal: VenueRefusal = {
          kind: 'refused',
          reason: `malformed venue update: ${describeError(err)}`,
          field,
          clientOrderId: named,
        };
        this.#insert({ dueAt: now, event: refusal });
        continue;
      }
      const f = this.#o.faults.nextUpdate();
      const latency = this.#o.rng.int(this.#o.latency.min, this.#o.latency.max);
      if (f.drop) continue;
      const due = Math.max(now + latency, this.#inOrderDue);
      this.#inOrderDue = due;
      this.#insert({ dueAt: due + f.extraDelayMs, event });
      if (f.duplicate) this.#insert({ dueAt: due + f.extraDelayMs, event });
    }
    this.#schedule();
  }

  /** Drops undelivered updates and stops delivering. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer.handle);
    this.#timer = null;
  }

  #insert(p: Pending): void {
    let i = this.#queue.length;
    while (i > 0 && (this.#queue[i - 1] as Pending).dueAt > p.dueAt) i--;
    this.#queue.splice(i, 0, p);
  }

  #schedule(): void {
    const next = this.#queue[0];
    if (this.#closed || !next) return;
    const now = this.#o.clock.now();
    if (next.dueAt <= now) {
      if (this.#microtask) return;
      this.#microtask = true;
      queueMicrotask(() => {
        this.#microtask = false;
        this.#pump();
      });
      return;
    }
    if (this.#timer && this.#timer.dueAt <= next.dueAt) return;
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer.handle);
    const handle = this.#o.clock.setTimeout(() => {
      this.#timer = null;
      this.#pump();
    }, next.dueAt - now);
    this.#timer = { handle, dueAt: next.dueAt };
  }

  #pump(): void {
    const now = this.#o.clock.now();
    for (let next = this.#queue[0]; next && next.dueAt <= now && !this.#closed; next = this.#queue[0]) {
      this.#queue.shift();
      for (const listener of [...this.#listeners]) {
        try {
          listener(structuredClone(next.event));
        } catch (err) {
          this.#o.onListenerError(err);
        }
      }
    }
    this.#schedule();
  }
}
