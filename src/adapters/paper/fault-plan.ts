import type { Clock } from '../../domain/clock.js';
import { ConfigError, describeError } from '../../domain/errors.js';
import { VenueError } from '../venue.js';
import type { VenueEvent, VenueListener } from '../venue.js';
import { Rng, deriveSeed } from './rng.js';

/**
 * The paper venue's simulated network: a seeded fault plan, latency, and the faulty update stream.
 *
 * Seeded fault injection: calls and pushed updates each draw from their own stream
 * derived from the seed, and every decision draws a fixed number of values whatever the probabilities,
 * so the same seed and the same sequence of calls always give the same faults (and turning one fault on
 * does not shift the draws of another).
 */
export interface FaultPlanOptions {
  /** Probability that a call fails in the network before the venue sees it (VenueError 'unknown'). */
  failBeforeVenue?: number;
  /** Probability that the venue processes and commits a call but the reply is lost (VenueError 'unknown'). */
  timeoutAfterAccept?: number;
  /** Probability that the venue refuses a valid place request (VenueError 'rejected', insufficient balance). */
  reject?: number;
  /** Probability that a pushed update is delivered twice. */
  duplicateUpdate?: number;
  /** Probability that a pushed update is delayed by an extra 1..maxLateMs ms (which also reorders it). */
  lateUpdate?: number;
  /** Probability that a pushed update is never delivered. */
  dropUpdate?: number;
  /** Largest extra delay of a late update, ms (default 1000). */
  maxLateMs?: number;
}

/** A validated fault plan with every field set. */
export type ResolvedFaultPlan = Required<FaultPlanOptions>;

const PROBABILITIES = [
  'failBeforeVenue',
  'timeoutAfterAccept',
  'reject',
  'duplicateUpdate',
  'lateUpdate',
  'dropUpdate',
] as const;

/**
 * Validates fault options and fills in defaults (probabilities 0, maxLateMs 1000). Throws a ConfigError
 * naming the field (`faults.reject: must be a number in [0, 1], got 2`).
 */
export function resolveFaultPlan(options: FaultPlanOptions = {}): ResolvedFaultPlan {
  const plan: ResolvedFaultPlan = {
    failBeforeVenue: 0,
    timeoutAfterAccept: 0,
    reject: 0,
    duplicateUpdate: 0,
    lateUpdate: 0,
    dropUpdate: 0,
    maxLateMs: 1000,
  };
  for (const field of PROBABILITIES) {
    const value: unknown = options[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new ConfigError(`faults.${field}`, `must be a number in [0, 1], got ${JSON.stringify(value)}`);
    }
    plan[field] = value;
  }
  const maxLateMs: unknown = options.maxLateMs;
  if (maxLateMs !== undefined) {
    if (typeof maxLateMs !== 'number' || !Number.isSafeInteger(maxLateMs) || maxLateMs < 0) {
      throw new ConfigError(
        'faults.maxLateMs',
        `must be a non-negative integer, got ${JSON.stringify(maxLateMs)}`,
      );
    }
    plan.maxLateMs = maxLateMs;
  }
  return plan;
}

/** The faults drawn for one call. */
export interface CallFaults {
  failBeforeVenue: boolean;
  /** Only ever true for place requests. */
  reject: boolean;
  timeoutAfterAccept: boolean;
}

/** The faults drawn for one pushed update. */
export interface UpdateFaults {
  drop: boolean;
  duplicate: boolean;
  /** Extra delivery delay, ms; 0 when the update is not late. */
  extraDelayMs: number;
}

/** Draws faults for calls and updates from two seeded streams. */
export class FaultPlan {
  /** The validated options. */
  readonly plan: ResolvedFaultPlan;
  readonly #calls: Rng;
  readonly #updates: Rng;

  constructor(seed: number, options: FaultPlanOptions = {}) {
    this.plan = resolveFaultPlan(options);
    this.#calls = new Rng(deriveSeed(seed, 'faults:calls'));
    this.#updates = new Rng(deriveSeed(seed, 'faults:updates'));
  }

  /** Faults of the next call (three draws, always). `reject` applies to place requests only. */
  nextCall(kind: string): CallFaults {
    const failBeforeVenue = this.#calls.chance(this.plan.failBeforeVenue);
    const reject = this.#calls.chance(this.plan.reject) && kind === 'place';
    const timeoutAfterAccept = this.#calls.chance(this.plan.timeoutAfterAccept);
    return { failBeforeVenue, reject, timeoutAfterAccept };
  }

  /** Faults of the next pushed update (four draws, always). */
  nextUpdate(): UpdateFaults {
    const drop = this.#updates.chance(this.plan.dropUpdate);
    const duplicate = this.#updates.chance(this.plan.duplicateUpdate);
    const late = this.#updates.chance(this.plan.lateUpdate);
    const delay = this.#updates.int(1, Math.max(1, this.plan.maxLateMs));
    return { drop, duplicate, extraDelayMs: late && this.plan.maxLateMs > 0 ? delay : 0 };
  }
}

function nonNegativeInt(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(field, `must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
}

interface Pending {
  dueAt: number;
  event: VenueEvent;
}

/** What the simulated network needs. */
export interface NetworkOptions {
  clock: Clock;
  seed: number;
  /** One-way latency of requests, replies and updates, ms, uniform in [min, max]. */
  latency: { min: number; max: number };
  faults: FaultPlanOptions | undefined;
  onListenerError: (err: unknown) => void;
}

/**
 * The simulated network between the engine and the paper venue: seeded latency both ways, the call
 * faults of the plan, and the update stream. Latency and fault draws happen when a call is made, so they
 * depend only on the seed and the order of calls.
 */
export class SimulatedNetwork {
  /** The fault plan in force. */
  readonly faults: FaultPlan;
  /** The push channel. */
  readonly updates: UpdateStream;
  readonly #clock: Clock;
  readonly #latency: { min: number; max: number };
  readonly #rng: Rng;
  readonly #inFlight = new Map<unknown, () => void>();
  #closed = false;

  /** Validates `latency` (throwing a ConfigError naming `latencyMs.min`/`latencyMs.max`). */
  constructor(o: NetworkOptions) {
    const { min, max } = o.latency;
    nonNegativeInt('latencyMs.min', min);
    nonNegativeInt('latencyMs.max', max);
    if (max < min) throw new ConfigError('latencyMs.max', `must be >= latencyMs.min, got ${max}`);
    this.#clock = o.clock;
    this.#latency = { min, max };
    this.#rng = new Rng(deriveSeed(o.seed, 'latency:calls'));
    this.faults = new FaultPlan(o.seed, o.faults);
    const rng = new Rng(deriveSeed(o.seed, 'latency:updates'));
    this.updates = new UpdateStream({ ...o, latency: this.#latency, faults: this.faults, rng });
  }

  /**
   * One request's round trip: latency out; `lost()` then VenueError 'unknown' if the request fails before
   * the venue; `atVenue` (the venue's synchronous processing); latency back; VenueError 'unknown' if the
   * reply is lost, else the venue's answer.
   */
  async roundTrip<T>(kind: string, atVenue: (faults: CallFaults) => T, lost: () => void): Promise<T> {
    this.#assertOpen();
    const faults = this.faults.nextCall(kind);
    const up = this.#rng.int(this.#latency.min, this.#latency.max);
    const down = this.#rng.int(this.#latency.min, this.#latency.max);
    await this.#delay(up);
    if (faults.failBeforeVenue) {
      lost();
      throw new VenueError('unknown', `${kind}: connection reset before reaching the venue (simulated)`);
    }
    let answer: T;
    try {
      answer = atVenue(faults);
    } catch (err) {
      // A venue-side failure (its transaction rolled back) reaches the client like an HTTP 500.
      if (err instanceof VenueError) throw err;
      throw new VenueError('unknown', `${kind}: venue internal error: ${describeError(err)}`, { cause: err });
    }
    await this.#delay(down);
    if (faults.timeoutAfterAccept) {
      throw new VenueError('unknown', `${kind}: timed out waiting for the venue's reply (simulated)`);
    }
    return answer;
  }

  /** Fails in-flight calls with VenueError 'unknown' and drops undelivered updates. */
  close(): void {
    this.#closed = true;
    this.updates.close();
    for (const [handle, fail] of this.#inFlight) {
      this.#clock.clearTimeout(handle);
      fail();
    }
    this.#inFlight.clear();
  }

  /** Waits `ms` of the clock (a microtask when 0). */
  async #delay(ms: number): Promise<void> {
    if (ms > 0) {
      await new Promise<void>((resolve, reject) => {
        const handle = this.#clock.setTimeout(() => {
          this.#inFlight.delete(handle);
          resolve();
        }, ms);
        this.#inFlight.set(handle, () => reject(new VenueError('unknown', 'paper venue closed mid-request')));
      });
    } else {
      await Promise.resolve();
    }
    this.#assertOpen();
  }

  #assertOpen(): void {
    if (this.#closed) throw new VenueError('unknown', 'paper venue is closed');
  }
}

interface UpdateStreamOptions {
  clock: Clock;
  faults: FaultPlan;
  rng: Rng;
  latency: { min: number; max: number };
  onListenerError: (err: unknown) => void;
}

/**
 * The venue's push channel with the plan's stream faults applied. Updates that are not late arrive in
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
  emit(events: readonly VenueEvent[]): void {
    if (this.#closed) return;
    const now = this.#o.clock.now();
    for (const event of events) {
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
