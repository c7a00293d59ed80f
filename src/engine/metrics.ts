import fs from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DESK_STATES } from '../domain/trading-state.js';
import { isPostgresUrl, schemaBytes } from '../persistence/postgres.js';
import type { Engine } from './engine.js';
import type { ReadModelContext, TradingState } from './read-model.js';

/** The order machine's live top-level states: each symbol shows all of them, 0 when empty. */
export const LIVE_ORDER_STATES = [
  'pendingNew',
  'submitting',
  'open',
  'partiallyFilled',
  'pendingCancel',
  'unconfirmed',
] as const;

/** Every state of the engine's lifecycle: the gauge shows 1 for the current one and 0 for the others. */
export const ENGINE_STATES: readonly TradingState[] = [
  'recovering',
  'ready',
  'trading',
  'stopping',
  'stopped',
  'halted',
];

/** The sources of the order machine's calls: each shows in `steadfast_calls_in_flight`, 0 when none. */
const CALLS = ['placeOrder', 'cancelOrder', 'lookupOrder'] as const;

/** Kinds of reconciliation correction (see docs/metrics.md). */
const CORRECTIONS = {
  missedFill: 'missed_fill',
  lookedUp: 'looked_up',
  adopted: 'adopted',
  reported: 'reported',
};

/** Why the engine cannot trade now, or that it can. */
export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * The engine's Prometheus metrics, in a registry of their own (with Node's default process metrics).
 * Gauges are computed when scraped: orders, positions, PnL and the trading state from the engine's read
 * model, calls in flight from the runtime. Counters follow the engine's own counts (events committed,
 * venue errors, reconciliation corrections) at each scrape; the commit histograms are fed by the runtime's
 * commit hook. Before an engine is attached (recovery runs) the engine's figures are absent and the
 * trading state is `recovering`. Docs: docs/metrics.md, one entry per metric.
 */
export class EngineMetrics {
  readonly registry = new Registry();
  private engine: Engine | null = null;
  private detachHooks: () => void = () => {};
  /** The engine's counts already added to the counters (counters only go up: the difference is added). */
  private seen = new Map<string, number>();
  private readonly commitSeconds: Histogram;
  private readonly batchEvents: Histogram;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- collect() runs with the metric as `this`
    const metrics = this;
    const engine = () => this.engine;
    const context = (): ReadModelContext | null => this.engine?.readModel.context ?? null;
    new Counter({
      name: 'steadfast_events_committed_total',
      help: 'Events committed to the journal by this process (every journal row of every committed batch).',
      registers,
      collect() {
        metrics.follow(this, 'events', {}, engine()?.runtime.stats.events ?? 0);
      },
    });
    this.commitSeconds = new Histogram({
      name: 'steadfast_commit_duration_seconds',
      help: 'Time from handing a batch to the SQLite writer to its COMMIT returning (queueing included).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.batchEvents = new Histogram({
      name: 'steadfast_commit_batch_events',
      help: 'Journal events per committed batch (group commit size).',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    });
    new Gauge({
      name: 'steadfast_calls_in_flight',
      help: 'Venue calls whose intent is committed and whose result is not yet, by call.',
      labelNames: ['call'],
      registers,
      collect() {
        this.reset();
        if (engine() === null) return;
        for (const call of CALLS) this.set({ call }, 0);
        for (const [call, n] of engine()!.runtime.openCallsBySource()) this.set({ call }, n);
      },
    });
    new Gauge({
      name: 'steadfast_orders',
      help: 'Live orders (not ended) by symbol and top-level state, from the read model.',
      labelNames: ['symbol', 'state'],
      registers,
      collect() {
        this.reset();
        for (const view of Object.values(context()?.symbols ?? {})) {
          for (const state of LIVE_ORDER_STATES) this.set({ symbol: view.symbol, state }, 0);
          for (const [state, group] of Object.entries(view.orders))
            this.set({ symbol: view.symbol, state }, group.size);
        }
      },
    });
    new Gauge({
      name: 'steadfast_orders_unknown_outcome',
      help: 'Orders whose last call has no known outcome (state unconfirmed: being looked up), by symbol.',
      labelNames: ['symbol'],
      registers,
      collect() {
        this.reset();
        for (const view of Object.values(context()?.symbols ?? {}))
          this.set({ symbol: view.symbol }, view.orders.unconfirmed?.size ?? 0);
      },
    });
    new Gauge({
      name: 'steadfast_position',
      help: 'Position by symbol, in the base asset (negative: short). A float here only; exact in the database.',
      labelNames: ['symbol'],
      registers,
      collect() {
        this.reset();
        for (const view of Object.values(context()?.symbols ?? {}))
          this.set({ symbol: view.symbol }, Number(view.position.quantity));
      },
    });
    new Gauge({
      name: 'steadfast_realized_pnl',
      help: 'Realized PnL by symbol, in the quote asset, before fees. A float here only; exact in the database.',
      labelNames: ['symbol'],
      registers,
      collect() {
        this.reset();
        for (const view of Object.values(context()?.symbols ?? {}))
          this.set({ symbol: view.symbol }, Number(view.position.realizedPnl));
      },
    });
    new Gauge({
      name: 'steadfast_engine_state',
      help: "The engine's lifecycle state: 1 for the current state, 0 for the others.",
      labelNames: ['state'],
      registers,
      collect() {
        const current = context()?.trading ?? 'recovering';
        for (const state of ENGINE_STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
    new Gauge({
      name: 'steadfast_trading_state',
      help: "The desk's trading state (halt, reduce, resume): 1 for the current state, 0 for the others.",
      labelNames: ['state'],
      registers,
      collect() {
        const current = engine()?.gate.current.state;
        if (current === undefined) return;
        for (const state of DESK_STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
    const readiness = () => this.readiness();
    new Gauge({
      name: 'steadfast_ready',
      help: '1 when /readyz answers 200: recovered, reconciled, not stopping or halted, venue stream live.',
      registers,
      collect() {
        this.set(readiness().ready ? 1 : 0);
      },
    });
    new Gauge({
      name: 'steadfast_database_bytes',
      help:
        "The engine database's live size: a SQLite file and its WAL on disk (retention keeps it flat), or " +
        "PostgreSQL's tables and indexes in the engine's schema.",
      registers,
      async collect() {
        const e = engine();
        const file = e?.options.dbPath;
        if (e === null || file === undefined || file === ':memory:') return;
        if (isPostgresUrl(file)) this.set(await schemaBytes(e.database.db).catch(() => 0));
        else this.set(fileBytes(file) + fileBytes(`${file}-wal`));
      },
    });
    new Counter({
      name: 'steadfast_venue_errors_total',
      help: 'Failed venue calls by call and kind (rejected, unknown, notFound, duplicate, rateLimited).',
      labelNames: ['call', 'kind'],
      registers,
      collect() {
        for (const e of engine()?.venueErrors() ?? [])
          metrics.follow(this, `venueErrors ${e.call} ${e.kind}`, { call: e.call, kind: e.kind }, e.count);
      },
    });
    new Counter({
      name: 'steadfast_reconciliation_corrections_total',
      help: 'What reconciliation with the venue corrected, by kind (missed_fill, looked_up, adopted, reported).',
      labelNames: ['kind'],
      registers,
      collect() {
        const counts = engine()?.corrections();
        if (counts === undefined) return;
        for (const [key, kind] of Object.entries(CORRECTIONS))
          metrics.follow(this, `corrections ${kind}`, { kind }, counts[key as keyof typeof counts]);
      },
    });
    new Counter({
      name: 'steadfast_risk_denials_total',
      help: 'Order placements the pre-trade risk checks denied, by rule.',
      labelNames: ['rule'],
      registers,
      collect() {
        const denials = engine()?.riskDenials();
        if (denials === undefined) return;
        for (const [rule, count] of denials) metrics.follow(this, `riskDenials ${rule}`, { rule }, count);
      },
    });
  }

  /** Starts following `engine` (recovered and reconciled): its figures show from the next scrape. */
  attach(engine: Engine): void {
    this.detach();
    this.engine = engine;
    this.detachHooks = engine.runtime.onCommitTimed((seconds, events) => {
      this.commitSeconds.observe(seconds);
      this.batchEvents.observe(events);
    });
  }

  /** Stops following the engine; the counters keep what they counted. */
  detach(): void {
    this.detachHooks();
    this.detachHooks = () => {};
    this.engine = null;
    this.seen = new Map();
  }

  /** 200 from /readyz, or why not. */
  readiness(): Readiness {
    return this.engine?.readiness() ?? { ready: false, reason: 'engine recovering' };
  }

  /** The desk's trading state and why, when it is not `active` (said by /readyz), else null. */
  tradingState(): { state: string; reason: string | null } | null {
    const current = this.engine?.gate.current;
    return current === undefined || current.state === 'active' ? null : current;
  }

  /** The Prometheus text of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of `metrics()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Brings a counter up to one of the engine's running totals: only what the total grew since the last
   * scrape is added (0 the first time shows the series).
   */
  private follow(counter: Counter<string>, key: string, labels: Record<string, string>, total: number): void {
    const delta = Math.max(0, total - (this.seen.get(key) ?? 0));
    this.seen.set(key, total);
    if (Object.keys(labels).length === 0) counter.inc(delta);
    else counter.inc(labels, delta);
  }
}

/** A file's size, 0 when it does not exist. */
function fileBytes(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
