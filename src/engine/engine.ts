import { ConfigError, describeError } from '../domain/errors.js';
import type { Market } from '../domain/types.js';
import { EngineStore } from '../persistence/engine-store.js';
import { bootIdentity } from '../persistence/identity.js';
import type { Identity } from '../persistence/identity.js';
import { claimLease, processOwner, releaseLease, renewLease } from '../persistence/lease.js';
import type { Lease } from '../persistence/lease.js';
import { openSqlite } from '../persistence/sqlite.js';
import { acquireWriterLock } from '../persistence/writer-lock.js';
import type { WriterLock } from '../persistence/writer-lock.js';
import type { EngineDatabase } from '../persistence/sqlite.js';
import { DurableRuntime } from '../runtime/durable-runtime.js';
import type { RecoveryReport } from '../runtime/durable-runtime.js';
import { listenToVenue } from './on-order-update.js';
import { projectors } from './projections.js';
import { reconcileOpenOrders } from './reconcile.js';
import type { ReconcileDeps } from './reconcile.js';
import { DEFAULT_STARTUP_RETRY_MS, retryRead, startupRetry } from '../domain/retry.js';
import type { ReadRetry } from '../domain/retry.js';
import { ReadModel } from './read-model.js';
import { StrategyRunner } from './strategy-runner.js';
import { ensureSymbolActors, managedSymbols, symbolIdPrefix, withdrawQuotes } from './symbols.js';
import type { ManagedSymbols } from './symbols.js';
import { ArchiveStore } from '../persistence/archive/archive-store.js';
import { answerArchiveRequest } from './archive-requests.js';
import { Retention } from './retention.js';
import { PeriodicTasks } from './periodic-tasks.js';
import { VenueEffects } from './venue-effects.js';
import { waitUntilQuiet } from './quiesce.js';
import { OperatorNotices } from './operator-notices.js';
import { VenueChecks } from './venue-checks.js';
import type { StopReport } from './quiesce.js';
import { extend } from '../domain/extend.js';
import type { EngineOptions } from './engine-options.js';
import { readTradingState, writeTradingState } from '../persistence/trading-state.js';
import type { RiskRule } from '../domain/risk.js';
import { RiskChecker } from './risk.js';
import type { TradingStateRecord } from '../domain/trading-state.js';
import { TradingGate } from './trading-gate.js';

export type { EngineOptions } from './engine-options.js';

/**
 * One trading engine on one database and one venue account. `open` recovers (snapshots, in-flight calls,
 * timers), reconciles with the venue (missed fills, unknown and vanished orders) and only then reports
 * ready; `startTrading` runs the strategy; `stop` winds down without losing anything.
 */
export class Engine {
  readonly strategy: StrategyRunner;
  /** Live per-symbol figures and the trading state, fed by what the runtime commits (see ReadModel). */
  readonly readModel: ReadModel;
  /** Prefix of the clientOrderIds created in this run: `sf<install>-<boot epoch>-` (then a symbol tag). */
  readonly idPrefix: string;
  private readonly periodic: PeriodicTasks;
  private readonly effects: VenueEffects;
  /** Open-order reconciliation's corrections since start (gap-fills count theirs in `checks`). */
  private readonly reconciled = { lookedUp: 0, adopted: 0, reported: 0 };
  private unsubscribe: () => void = () => {};
  private stopping: Promise<StopReport> | null = null;
  private readonly checks: VenueChecks;
  /** Configured symbols, then retired ones (no longer configured, orders still live): see symbols.ts. */
  private symbols: ManagedSymbols;
  /** The trading state's version whose cancel request (`halt --cancel`) was carried out. */
  private cancelledFor = -1;
  /** A halt tripped by risk denials is being written. */
  private tripping: Promise<void> | null = null;
  private trading = false;
  /** The archiver's connection while retention runs. */
  private archive: ArchiveStore | null = null;

  private constructor(
    readonly options: EngineOptions,
    readonly database: EngineDatabase,
    readonly store: EngineStore,
    readonly runtime: DurableRuntime,
    readonly identity: Identity,
    readonly recovery: RecoveryReport,
    private readonly held: { lease: Lease; lock: WriterLock | null },
    private readonly reconcileDeps: ReconcileDeps,
    markets: ReadonlyMap<string, Market>,
    notices: OperatorNotices,
    readModel: ReadModel,
    effects: VenueEffects,
    /** The desk's trading state (active, reducing, halted), guarding every order placement. */
    readonly gate: TradingGate,
  ) {
    this.readModel = readModel;
    this.effects = effects;
    this.idPrefix = `${reconcileDeps.ownPrefix}${identity.bootEpoch.toString(36)}-`;
    this.symbols = { all: [...options.symbols], retired: [], unlisted: [] };
    this.checks = new VenueChecks({
      reconcile: reconcileDeps,
      logger: options.logger,
      notices,
      markets: () => this.symbols.all.flatMap((s) => markets.get(s) ?? []),
      balanceCheckIntervalMs: options.balanceCheckIntervalMs ?? 30_000,
    });
    this.periodic = new PeriodicTasks(options.clock);
    this.strategy = new StrategyRunner({
      venue: options.venue,
      runtime,
      clock: options.clock,
      logger: options.logger,
      readModel,
      markets,
      symbols: options.symbols,
      params: options.strategy,
      intervalMs: options.strategyIntervalMs,
      idPrefix: this.idPrefix,
      paused: () => this.gate.current.state === 'halted',
    });
  }

  /** Opens the database, recovers, reconciles with the venue. Resolves when ready to trade. */
  static async open(options: EngineOptions): Promise<Engine> {
    const { venue, clock, logger } = options;
    const patience = options.startupRetryMs ?? DEFAULT_STARTUP_RETRY_MS;
    const listed = await retryRead(
      clock,
      () => venue.loadMarkets(),
      startupRetry(patience, logger, 'markets'),
    );
    const markets = new Map(listed.map((m) => [m.symbol, m]));
    options.symbols.forEach((s, i) => {
      if (!markets.has(s)) throw new ConfigError(`symbols[${i}]`, `${s} is not traded at ${venue.id}`);
    });
    const lock = options.dbPath === ':memory:' ? null : acquireWriterLock(options.dbPath);
    let database: EngineDatabase;
    try {
      database = await openSqlite(options.dbPath, options.durability);
    } catch (err) {
      lock?.release();
      throw err;
    }
    // A failed open stops listening and waits for any check a subscription started before closing.
    let stopListening = (): void => {};
    let checksIdle = (): Promise<void> => Promise.resolve();
    let stopWatching = (): Promise<void> => Promise.resolve();
    try {
      const store = new EngineStore(database.db, database);
      const ttl = options.leaseTtlMs ?? 15_000;
      const owner = processOwner();
      const lease = await claimLease(
        database.db,
        `engine/${venue.id}`,
        owner,
        ttl,
        clock.now(),
        lock !== null,
      );
      database.setFullSync(true);
      const identity = await bootIdentity(database.db, options.newInstallId, clock.now());
      database.setFullSync(false);
      const readModel = new ReadModel(clock, venue.id);
      const onTradingState = { change: (_next: TradingStateRecord): void => {} };
      const checker = options.risk === undefined ? null : new RiskChecker(options.risk);
      const gate = new TradingGate(
        {
          venueId: venue.id,
          logger,
          read: () => readTradingState(database.db),
          onChange: (next) => onTradingState.change(next),
          ...(checker === null
            ? {}
            : {
                risk: {
                  checker,
                  mid: (symbol: string) => readModel.symbol(symbol)?.mid ?? null,
                  liveOrders: (symbol: string) => liveOrderIds(readModel, symbol),
                },
              }),
        },
        await readTradingState(database.db),
      );
      const awaited = { isAwaited: (_key: string): boolean => false };
      const effects = new VenueEffects(venue, clock, (key) => awaited.isAwaited(key));
      const runtime = new DurableRuntime({
        store,
        effects,
        clock,
        projectors,
        gate,
        onError: (what, err) =>
          logger.error({ code: 'RESULT_APPLY_FAILED', err: describeError(err) }, `${what} failed`),
        onHalt: (err) => {
          readModel.tradingState('halted');
          logger.error(
            { code: 'COMMIT_FAILED', err: describeError(err) },
            'a commit failed: the engine halts (restart to recover)',
          );
          options.onFatal?.(err);
        },
      });
      awaited.isAwaited = (key) => runtime.isAwaited(key);
      const notices = new OperatorNotices(logger, clock, { cancelUnconfirmedMs: options.timeouts.cancelMs });
      runtime.onCommitted(notices.committed);
      runtime.onCommitted(readModel.committed);
      const recovery = await runtime.start();
      readModel.recovered(runtime.liveActors());
      const deps: ReconcileDeps = {
        venue,
        runtime,
        store,
        ownPrefix: `sf${identity.installId}-`,
        policy: options.unknownOrders,
        installedAt: identity.installedAt,
        timeouts: options.timeouts,
        clock,
      };
      const engine = new Engine(
        options,
        database,
        store,
        runtime,
        identity,
        recovery,
        { lease, lock },
        deps,
        markets,
        notices,
        readModel,
        effects,
        gate,
      );
      onTradingState.change = (next) => engine.tradingStateChanged(next);
      runtime.onCommitted(() => engine.haltIfTripped());
      gate.watch();
      stopWatching = () => gate.unwatch();
      if (gate.current.state !== 'active') engine.tradingStateChanged(gate.current);
      await ensureSymbolActors(runtime, store, clock, venue, options.symbols, {
        maxOpenOrders: options.maxOpenOrders,
        orderDefaults: {
          requestWindowMs: venue.requestWindowMs,
          timeouts: options.timeouts,
          maxAttempts: options.maxAttempts,
        },
      });
      engine.symbols = await managedSymbols(store, venue.id, options.symbols, (s) => markets.has(s));
      for (const symbol of engine.symbols.unlisted)
        logger.warn(
          { code: 'SYMBOL_NOT_LISTED', symbol },
          'orders of a symbol the venue does not list are left as they are',
        );
      engine.unsubscribe = listenToVenue(venue, runtime, store, logger, (reconnect) =>
        engine.afterSubscription(reconnect),
      );
      stopListening = engine.unsubscribe;
      checksIdle = () => engine.checks.idle();
      await runtime.drain();
      await engine.reconcile(startupRetry(patience, logger, 'open orders'));
      logger.info(extend(recovery, { bootEpoch: identity.bootEpoch }), 'recovered and reconciled');
      readModel.tradingState('ready');
      return engine;
    } catch (err) {
      stopListening();
      await stopWatching();
      await checksIdle().catch(() => {});
      await database.close();
      lock?.release();
      throw err;
    }
  }

  /**
   * Starts the strategy, periodic gap-fills and lease renewal, and withdraws the quotes of retired symbols
   * (no longer configured: nothing would requote or manage them).
   */
  startTrading(): void {
    const { clock, gapFillIntervalMs } = this.options;
    this.readModel.tradingState('trading');
    this.trading = true;
    this.strategy.start();
    this.cancelIfAsked(this.gate.current);
    for (const symbol of this.symbols.retired) {
      this.options.logger.warn(
        { code: 'SYMBOL_RETIRED', symbol },
        'symbol no longer configured but has live orders: cancelling them (their fills are still counted)',
      );
      void this.withdraw(symbol).catch((err) =>
        this.options.logger.error(
          { code: 'QUOTES_WITHDRAW_FAILED', symbol, err: describeError(err) },
          'withdrawing quotes failed',
        ),
      );
    }
    this.periodic.every(gapFillIntervalMs, () =>
      this.checks.serially(async () => {
        await this.checks.gapFillAll(this.symbols.all);
        await this.checks.afterGapFill();
      }),
    );
    this.startRetention();
    const ttl = this.options.leaseTtlMs ?? 15_000;
    this.periodic.every(ttl / 3, () =>
      renewLease(this.database.db, this.held.lease, ttl, clock.now()).catch((err) => {
        this.options.logger.error(
          { code: 'LEASE_LOST', err: describeError(err) },
          'lost the writer lease: stopping',
        );
        this.options.onFatal?.(err);
      }),
    );
  }

  /** Runs retention every `retention.intervalMs` (if enabled) and answers `archive --now` (checked every second). */
  private startRetention(): void {
    const { retention: options, dbPath, clock, logger } = this.options;
    if (options === undefined || dbPath === ':memory:') return;
    const archive = ArchiveStore.open(dbPath, options.dir);
    this.archive = archive;
    const held = (id: string) => this.runtime.actor(id) !== undefined;
    const retention = new Retention(
      { archive, registry: this.runtime.registry, clock, logger, held },
      options,
    );
    const failed = (err: unknown) =>
      logger.warn(
        { code: 'ARCHIVE_FAILED', err: describeError(err) },
        'archiving failed; retried at the next pass',
      );
    if (options.intervalMs !== null)
      this.periodic.every(options.intervalMs, () => retention.pass().catch(failed));
    this.periodic.every(1000, () => answerArchiveRequest(archive, retention).catch(failed));
  }

  /**
   * Whether the engine can trade now: recovered and reconciled (open has resolved), neither stopping nor
   * halted, and the venue's stream live. Otherwise why not.
   */
  readiness(): { ready: true } | { ready: false; reason: string } {
    const state = this.readModel.context.trading;
    if (state !== 'ready' && state !== 'trading') return { ready: false, reason: `engine ${state}` };
    if (this.options.venue.streamLive?.() === false)
      return { ready: false, reason: `${this.options.venue.id} stream down` };
    return { ready: true };
  }

  /** Corrections reconciliation made since start, by kind (see docs/metrics.md). */
  corrections(): Record<'missedFill' | 'lookedUp' | 'adopted' | 'reported', number> {
    return extend(this.reconciled, { missedFill: this.checks.missedFills });
  }

  /** Places the pre-trade risk checks denied since start, by rule. */
  riskDenials(): ReadonlyMap<RiskRule, number> {
    return this.gate.risk?.denials ?? new Map<RiskRule, number>();
  }

  /**
   * After a commit: when the risk denials tripped the halt (`risk.haltAfterDenials` within
   * `risk.haltWindowMs`), writes the trading state `halted` naming the rule, as `halt` does, and follows it.
   */
  haltIfTripped(): void {
    const trip = this.gate.risk?.takeTrip() ?? null;
    if (trip === null) return;
    const reason = `risk: ${trip.denials} denials within ${trip.windowMs} ms, the last by ${trip.rule}`;
    const previous = this.tripping ?? Promise.resolve();
    this.tripping = previous
      .then(async () => {
        if (this.gate.current.state === 'halted') return;
        await writeTradingState(
          this.database.db,
          { state: 'halted', reason, cancelRequested: false },
          this.options.clock.now(),
        );
        await this.gate.refresh();
      })
      .catch((err) =>
        this.options.logger.error(
          { code: 'RISK_HALT_WRITE_FAILED', err: describeError(err) },
          'writing the halt the risk checks tripped failed',
        ),
      );
  }

  /** Waits for a halt the risk checks tripped to be written (tests, stop). */
  async riskIdle(): Promise<void> {
    await this.tripping;
  }

  /** Failed venue calls since start, by call and kind (see VenueEffects.errors). */
  venueErrors(): Iterable<{ call: string; kind: string; count: number }> {
    return this.effects.errors.values();
  }

  /** Gap-fill and open-order reconciliation for every symbol; `retry` governs the open-orders read. */
  reconcile(retry?: ReadRetry): Promise<void> {
    return this.checks.serially(async () => {
      await this.checks.gapFillAll(this.symbols.all);
      await this.reconcileOpenOrders(retry);
      await this.checks.afterGapFill();
    });
  }

  /**
   * The venue's stream is live (again): what happened before, since it was last live or since it was
   * asked for, was pushed to nobody. Gap-fills every symbol (fills since the trade cursor), then
   * reconciles the open orders as at start (our open orders the venue no longer lists are looked up, which
   * tells their fate; the ones it lists with fills are applied as status reports).
   */
  private afterSubscription(reconnect: boolean): void {
    if (this.stopping !== null) return;
    const { logger, venue } = this.options;
    void this.checks
      .serially(async () => {
        const missedFills = await this.checks.gapFillAll(this.symbols.all);
        await this.reconcileOpenOrders();
        logger.info({ venue: venue.id, reconnect, missedFills }, 'gap-fill after subscription done');
      })
      .catch((err) =>
        logger.warn(
          { code: 'STREAM_RESYNC_FAILED', err: describeError(err) },
          'gap-fill after subscription failed',
        ),
      );
  }

  private async reconcileOpenOrders(retry?: ReadRetry): Promise<void> {
    for (const symbol of this.symbols.all) {
      const report = await reconcileOpenOrders(this.reconcileDeps, symbol, retry);
      this.reconciled.lookedUp += report.lookedUp.length;
      this.reconciled.adopted += report.adopted.length;
      this.reconciled.reported += report.reported.length;
      if (report.lookedUp.length + report.adopted.length + report.reported.length > 0) {
        this.options.logger.warn(
          { code: 'RECONCILE_MISMATCH', symbol, ...report },
          'reconciled open orders with the venue',
        );
      }
    }
  }

  /**
   * Graceful stop: strategy off, (optionally) cancel everything, wait for in-flight calls and unresolved
   * orders to settle, one last gap-fill, then close. Nothing is lost if it is interrupted. Reports whether
   * everything settled and how many orders were still live at the end.
   */
  stop(options: { cancelOrders?: boolean; timeoutMs?: number } = {}): Promise<StopReport> {
    this.stopping ??= this.windDown(options);
    return this.stopping;
  }

  private async windDown(options: { cancelOrders?: boolean; timeoutMs?: number }): Promise<StopReport> {
    this.readModel.tradingState('stopping');
    this.trading = false;
    await this.gate.unwatch();
    await this.tripping;
    await this.periodic.stop();
    this.unsubscribe();
    await this.checks.idle();
    await this.strategy.stop();
    if (options.cancelOrders) for (const symbol of this.symbols.all) await this.withdraw(symbol);
    const quiet = await waitUntilQuiet(this.runtime, options.timeoutMs ?? 10_000);
    if (!quiet)
      this.options.logger.warn(
        { code: 'STOPPING_UNRESOLVED' },
        'stopping with orders still unresolved; the next start resumes them',
      );
    await this.checks.serially(() => this.checks.gapFillAll(this.symbols.all));
    const liveOrders = [...this.runtime.liveActors('order')].length;
    await this.runtime.stop();
    this.archive?.close();
    await releaseLease(this.database.db, this.held.lease).catch(() => {});
    await this.database.close();
    this.held.lock?.release();
    this.readModel.tradingState('stopped');
    return { quiet, liveOrders };
  }

  /**
   * The desk's trading state changed (or the engine opened on one that is not `active`): told to the
   * operator; a halt with a cancel request cancels every live order through the AdjustOrders workflows
   * (once trading started: a start that only cancels does so by itself).
   */
  private tradingStateChanged(next: TradingStateRecord): void {
    const { logger } = this.options;
    const fields = { state: next.state, reason: next.reason, cancel: next.cancelRequested };
    if (next.state === 'halted')
      logger.warn(extend(fields, { code: 'TRADING_HALTED' as const }), 'trading halted: no new orders');
    else if (next.state === 'reducing')
      logger.warn(
        extend(fields, { code: 'TRADING_REDUCING' as const }),
        'trading reducing: only orders that shrink the position',
      );
    else {
      logger.info(fields, 'trading resumed');
      this.strategy.requote();
    }
    if (this.trading) this.cancelIfAsked(next);
  }

  private cancelIfAsked(state: TradingStateRecord): void {
    if (state.state !== 'halted' || !state.cancelRequested || this.cancelledFor === state.version) return;
    this.cancelledFor = state.version;
    this.options.logger.warn({ code: 'TRADING_HALTED' }, 'halted with cancel: cancelling every live order');
    for (const symbol of this.symbols.all)
      void this.withdraw(symbol).catch((err) =>
        this.options.logger.error(
          { code: 'HALT_CANCEL_FAILED', symbol, err: describeError(err) },
          'cancelling the orders failed',
        ),
      );
  }

  /** Cancels every order of `symbol`'s AdjustOrders workflow and places none. */
  private async withdraw(symbol: string): Promise<void> {
    const prefix = symbolIdPrefix(this.idPrefix, this.symbols.all, symbol);
    await withdrawQuotes(this.runtime, this.options.venue.id, symbol, prefix);
  }
}

/** The clientOrderIds of the live orders of `symbol` the read model holds. */
function* liveOrderIds(readModel: ReadModel, symbol: string): Iterable<string> {
  const orders = readModel.symbol(symbol)?.orders ?? {};
  for (const state in orders) yield* orders[state]!.keys();
}
