import type { Clock } from '../../domain/clock.js';
import { ConfigError, describeError } from '../../domain/errors.js';
import type { Logger } from '../../domain/logger.js';
import { VenueError } from '../venue.js';
import { FaultPlan } from './fault-plan.js';
import type { CallFaults, FaultPlanOptions } from './fault-plan.js';
import { Rng, deriveSeed } from './rng.js';
import { UpdateStream } from './update-stream.js';
import { extend } from '../../domain/extend.js';

function nonNegativeInt(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(field, `must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
}

/** What the simulated network needs. */
export interface NetworkOptions {
  clock: Clock;
  seed: number;
  /** One-way latency of requests, replies and updates, ms, uniform in [min, max]. */
  latency: { min: number; max: number };
  faults: FaultPlanOptions | undefined;
  onListenerError: (err: unknown) => void;
  logger: Logger;
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
    this.updates = new UpdateStream(extend(o, { latency: this.#latency, faults: this.faults, rng }));
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
