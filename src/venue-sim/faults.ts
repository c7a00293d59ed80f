import { z } from 'zod';
import { parseWith } from '../domain/schema-errors.js';
import { Rng, deriveSeed } from '../adapters/paper/rng.js';

const probability = z.number().min(0).max(1);
const ms = z.number().int().min(0).max(600_000);

/**
 * The fault plan (`POST /admin/faults`, JSON). Every field is optional; a new plan replaces the old one
 * (and restarts its random streams from `seed`). Faults apply to `/api/v3` REST requests and to pushed
 * executionReports; the admin API is never faulted.
 */
export const faultPlanSchema = z
  .object({
    /** Delay before a request is handled: fixed ms, or uniform in [min, max]. */
    latencyMs: z.union([ms, z.object({ min: ms, max: ms }).strict()]).optional(),
    /** Probability of answering 5xx (plain-text body) without handling the request; status 503 default. */
    http5xx: z
      .union([
        probability,
        z.object({ probability, status: z.number().int().min(500).max(599).default(503) }).strict(),
      ])
      .optional(),
    /** Probability of answering 429 (-1003) with `Retry-After: retryAfterSec` (default 1), unhandled. */
    rateLimit: z
      .object({ probability, retryAfterSec: z.number().int().min(0).default(1) })
      .strict()
      .optional(),
    /**
     * 418 (-1003, IP banned): each request with `probability`, and every request before `untilMs` (epoch ms)
     * or within `durationMs` of setting the plan; `Retry-After` is the time left (at least retryAfterSec).
     */
    ban418: z
      .object({
        probability: probability.optional(),
        untilMs: z.number().int().min(0).optional(),
        durationMs: ms.optional(),
        retryAfterSec: z.number().int().min(0).default(2),
      })
      .strict()
      .optional(),
    /**
     * Probability that a state-changing request (POST/PUT/DELETE) is handled and committed, then its
     * connection destroyed without a reply, after `holdMs` (default 0: at once, the client sees the socket
     * close; longer than the client's timeout: the client times out). `methods` narrows it, e.g. `['POST']`
     * drops only placements.
     */
    acceptThenDrop: z
      .union([
        probability,
        z
          .object({
            probability,
            holdMs: ms.default(0),
            methods: z
              .array(z.enum(['POST', 'PUT', 'DELETE']))
              .min(1)
              .default(['POST', 'PUT', 'DELETE']),
          })
          .strict(),
      ])
      .optional(),
    /** Probability that an executionReport is pushed twice. */
    duplicateReports: probability.optional(),
    /** Probability that an executionReport is held back and pushed after the next one (or after holdMs). */
    reorderReports: probability.optional(),
    /** How long a held-back executionReport waits for a successor, ms (default 200). */
    reorderHoldMs: z.number().int().min(1).max(600_000).optional(),
    /**
     * Order views that lag behind the matching engine, as real venues' query services do: while active,
     * `GET /api/v3/order` answers -2013 "Order does not exist." for an order that exists, and `openOrders`
     * and `allOrders` leave it out (each of `views`, each time with `probability`). Active until `untilMs`
     * (epoch ms) or for `durationMs` after the plan is set, else for as long as the plan stands;
     * `clientOrderIds` narrows it to those orders. Cancels and the matching engine are not affected.
     */
    staleOrderViews: z
      .object({
        probability: probability.default(1),
        durationMs: ms.optional(),
        untilMs: z.number().int().min(0).optional(),
        views: z
          .array(z.enum(['order', 'openOrders', 'allOrders']))
          .min(1)
          .default(['order', 'openOrders', 'allOrders']),
        clientOrderIds: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .optional(),
    /** Seed of the fault draws (default: the simulator's seed). */
    seed: z.number().int().optional(),
  })
  .strict();

/** A fault plan as sent to the admin API. */
export type FaultPlan = z.input<typeof faultPlanSchema>;

/** An order view `staleOrderViews` applies to. */
export type OrderView = 'order' | 'openOrders' | 'allOrders';

/** The faults drawn for one REST request. */
export interface RequestFaults {
  latencyMs: number;
  /** 418 with this Retry-After (s) and ban end, when banned. */
  ban: { retryAfterSec: number; untilMs: number } | null;
  /** 429 with this Retry-After (s). */
  rateLimit: { retryAfterSec: number } | null;
  /** 5xx with this status. */
  serverError: number | null;
  /** Handle, then destroy the connection after holdMs (state-changing requests only). */
  drop: { holdMs: number } | null;
}

/** The faults drawn for one executionReport. */
export interface ReportFaults {
  duplicate: boolean;
  /** Hold back this long, waiting for the next report to overtake it; 0 when not reordered. */
  holdMs: number;
}

/**
 * The seeded fault plan. REST requests and executionReports draw from separate streams, a fixed number of
 * draws each whatever the probabilities, so the same seed and sequence of requests give the same faults.
 */
export class Faults {
  readonly #defaultSeed: number;
  #plan: z.output<typeof faultPlanSchema> = {};
  #requests: Rng;
  #reports: Rng;
  #views: Rng;
  #banUntil = 0;
  #staleUntil = 0;
  /** Faults applied since the simulator started, by kind (`GET /admin/faults` shows them). */
  readonly #injected: Record<string, number> = {};

  constructor(defaultSeed: number) {
    this.#defaultSeed = defaultSeed;
    this.#requests = new Rng(deriveSeed(defaultSeed, 'faults:requests'));
    this.#reports = new Rng(deriveSeed(defaultSeed, 'faults:reports'));
    this.#views = new Rng(deriveSeed(defaultSeed, 'faults:views'));
  }

  /** The current plan (validated, defaults filled in). */
  get plan(): z.output<typeof faultPlanSchema> {
    return this.#plan;
  }

  /** Validates and installs a plan (ValidationError naming the field, nothing changed, when invalid). */
  set(input: unknown, now: number): z.output<typeof faultPlanSchema> {
    const plan = parseWith(faultPlanSchema, input);
    const seed = plan.seed ?? this.#defaultSeed;
    this.#plan = plan;
    this.#requests = new Rng(deriveSeed(seed, 'faults:requests'));
    this.#reports = new Rng(deriveSeed(seed, 'faults:reports'));
    this.#views = new Rng(deriveSeed(seed, 'faults:views'));
    const ban = plan.ban418;
    this.#banUntil = Math.max(ban?.untilMs ?? 0, ban?.durationMs === undefined ? 0 : now + ban.durationMs);
    const stale = plan.staleOrderViews;
    this.#staleUntil =
      stale === undefined
        ? 0
        : stale.untilMs === undefined && stale.durationMs === undefined
          ? Number.POSITIVE_INFINITY
          : Math.max(stale.untilMs ?? 0, stale.durationMs === undefined ? 0 : now + stale.durationMs);
    return plan;
  }

  /** Faults applied so far, by kind: ban418, rateLimit, http5xx, acceptThenDrop, duplicateReport, reorderedReport. */
  get injected(): Readonly<Record<string, number>> {
    return this.#injected;
  }

  #count(kind: string): void {
    this.#injected[kind] = (this.#injected[kind] ?? 0) + 1;
  }

  /** Removes every fault. */
  reset(now: number): void {
    this.set({}, now);
  }

  /** Draws the faults of one REST request (five draws). */
  forRequest(now: number, method: string): RequestFaults {
    const p = this.#plan;
    const r = this.#requests;
    const latency =
      typeof p.latencyMs === 'object' ? p.latencyMs : { min: p.latencyMs ?? 0, max: p.latencyMs ?? 0 };
    const latencyMs = r.int(Math.min(latency.min, latency.max), Math.max(latency.min, latency.max));
    const banDrawn = r.chance(p.ban418?.probability ?? 0);
    const rateDrawn = r.chance(p.rateLimit?.probability ?? 0);
    const x = typeof p.http5xx === 'object' ? p.http5xx : { probability: p.http5xx ?? 0, status: 503 };
    const errorDrawn = r.chance(x.probability);
    const d =
      typeof p.acceptThenDrop === 'object'
        ? p.acceptThenDrop
        : { probability: p.acceptThenDrop ?? 0, holdMs: 0, methods: ['POST', 'PUT', 'DELETE'] };
    const dropDrawn = r.chance(d.probability);
    const minRetry = p.ban418?.retryAfterSec ?? 2;
    const banned = banDrawn || now < this.#banUntil;
    const untilMs = Math.max(this.#banUntil, now + minRetry * 1000);
    const drop = dropDrawn && (d.methods as string[]).includes(method);
    // Counted as the handler applies them: the first of ban, rate limit, server error; a drop after processing.
    if (banned) this.#count('ban418');
    else if (rateDrawn) this.#count('rateLimit');
    else if (errorDrawn) this.#count('http5xx');
    else if (drop) this.#count('acceptThenDrop');
    return {
      latencyMs,
      ban: banned ? { retryAfterSec: Math.max(minRetry, Math.ceil((untilMs - now) / 1000)), untilMs } : null,
      rateLimit: rateDrawn ? { retryAfterSec: p.rateLimit?.retryAfterSec ?? 1 } : null,
      serverError: errorDrawn ? x.status : null,
      drop: drop ? { holdMs: d.holdMs } : null,
    };
  }

  /**
   * True when `view` must leave out (or deny) the order `clientOrderId` now (staleOrderViews; one draw per
   * order asked about while the fault is active).
   */
  hidesOrder(now: number, view: OrderView, clientOrderId: string): boolean {
    const stale = this.#plan.staleOrderViews;
    if (stale === undefined || now >= this.#staleUntil || !stale.views.includes(view)) return false;
    if (stale.clientOrderIds !== undefined && !stale.clientOrderIds.includes(clientOrderId)) return false;
    return this.#views.chance(stale.probability);
  }

  /** Draws the faults of one executionReport (two draws). */
  forReport(): ReportFaults {
    const duplicate = this.#reports.chance(this.#plan.duplicateReports ?? 0);
    const reorder = this.#reports.chance(this.#plan.reorderReports ?? 0);
    if (duplicate) this.#count('duplicateReport');
    if (reorder) this.#count('reorderedReport');
    return { duplicate, holdMs: reorder ? (this.#plan.reorderHoldMs ?? 200) : 0 };
  }
}
