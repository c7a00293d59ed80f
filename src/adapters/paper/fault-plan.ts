import { ConfigError } from '../../domain/errors.js';
import { Rng, deriveSeed } from './rng.js';

/**
 * The fault plan of the paper venue's simulated network (see network.ts and update-stream.ts).
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
