import type { RiskRule } from '../domain/risk.js';
import { startupRetry } from '../domain/retry.js';
import type { ReadRetry } from '../domain/retry.js';
import { extend } from '../domain/extend.js';
import type { EngineStore } from '../persistence/engine-store.js';
import type { Identity } from '../persistence/identity.js';
import type { EngineDatabase } from '../persistence/engine-database.js';
import type { DurableRuntime, RecoveryReport } from '../runtime/durable-runtime.js';
import { openEngineParts } from './engine-open.js';
import type { EngineParts } from './engine-open.js';
import type { EngineOptions } from './engine-options.js';
import { EngineReconciliation } from './engine-reconcile.js';
import { startTrading } from './engine-start.js';
import type { EngineRun } from './engine-start.js';
import { windDown } from './engine-stop.js';
import type { StopOptions } from './engine-stop.js';
import { listenToVenue } from './on-order-update.js';
import { PeriodicTasks } from './periodic-tasks.js';
import type { StopReport } from './quiesce.js';
import type { ReadModel } from './read-model.js';
import { RetentionSchedule } from './retention-schedule.js';
import { StrategyRunner } from './strategy-runner.js';
import { ensureSymbolActors, managedSymbols, symbolIdPrefix, withdrawQuotes } from './symbols.js';
import type { ManagedSymbols } from './symbols.js';
import type { TradingGate } from './trading-gate.js';
import { TradingStateReactions } from './trading-state-reactions.js';
import type { VenueEffects } from './venue-effects.js';
import { VenueChecks } from './venue-checks.js';

export type { EngineOptions } from './engine-options.js';

/**
 * One trading engine on one database and one venue account. `open` recovers (snapshots, in-flight calls,
 * timers), reconciles with the venue (missed fills, unknown and vanished orders) and only then reports
 * ready; `startTrading` runs the strategy; `stop` winds down without losing anything. Its parts: opening
 * (engine-open.ts), reconciliation (engine-reconcile.ts), the reactions to the trading state
 * (trading-state-reactions.ts), starting to trade (engine-start.ts) and the stop (engine-stop.ts).
 */
export class Engine {
  readonly strategy: StrategyRunner;
  /** Live per-symbol figures and the trading state, fed by what the runtime commits (see ReadModel). */
  readonly readModel: ReadModel;
  /** Prefix of the clientOrderIds created in this run: `sf<install>-<boot epoch>-` (then a symbol tag). */
  readonly idPrefix: string;
  readonly database: EngineDatabase;
  readonly store: EngineStore;
  readonly runtime: DurableRuntime;
  readonly identity: Identity;
  readonly recovery: RecoveryReport;
  /** The desk's trading state (active, reducing, halted), guarding every order placement. */
  readonly gate: TradingGate;
  private readonly effects: VenueEffects;
  private readonly checks: VenueChecks;
  private readonly reconciliation: EngineReconciliation;
  private readonly reactions: TradingStateReactions;
  /** What starting to trade and the stop work with. */
  private readonly run: EngineRun;
  private unsubscribe: () => void = () => {};
  private stopping: Promise<StopReport> | null = null;
  /** Configured symbols, then retired ones (no longer configured, orders still live): see symbols.ts. */
  private symbols: ManagedSymbols;

  private constructor(
    readonly options: EngineOptions,
    parts: EngineParts,
  ) {
    const { database, runtime, readModel, gate, reconcileDeps, markets } = parts;
    this.database = database;
    this.store = parts.store;
    this.runtime = runtime;
    this.identity = parts.identity;
    this.recovery = parts.recovery;
    this.readModel = readModel;
    this.effects = parts.effects;
    this.gate = gate;
    // The boot epoch keeps ids unique across starts; the lease's fencing token (after `T`, which base 36
    // never writes) tells at the venue which holder of the lease placed an order.
    const { bootEpoch } = parts.identity;
    this.idPrefix = `${reconcileDeps.ownPrefix}${bootEpoch.toString(36)}T${parts.held.lease.token.toString(36)}-`;
    this.symbols = { all: [...options.symbols], retired: [], unlisted: [] };
    const { logger, clock } = options;
    this.checks = new VenueChecks({
      reconcile: reconcileDeps,
      logger,
      notices: parts.notices,
      markets: () => this.symbols.all.flatMap((s) => markets.get(s) ?? []),
      balanceCheckIntervalMs: options.balanceCheckIntervalMs ?? 30_000,
    });
    const symbols = () => this.symbols.all;
    this.reconciliation = new EngineReconciliation({
      reconcile: reconcileDeps,
      checks: this.checks,
      logger,
      symbols,
    });
    const periodic = new PeriodicTasks(clock);
    this.strategy = new StrategyRunner({
      venue: options.venue,
      runtime,
      clock,
      logger,
      readModel,
      markets,
      symbols: options.symbols,
      params: options.strategy,
      intervalMs: options.strategyIntervalMs,
      idPrefix: this.idPrefix,
      paused: () => this.gate.current.state === 'halted',
    });
    const withdraw = (symbol: string) => this.withdraw(symbol);
    const requote = () => this.strategy.requote();
    this.reactions = new TradingStateReactions({ logger, clock, database, gate, requote, symbols, withdraw });
    this.run = {
      options,
      database,
      runtime,
      held: parts.held,
      readModel,
      gate,
      reactions: this.reactions,
      strategy: this.strategy,
      checks: this.checks,
      periodic,
      retention: new RetentionSchedule(options, runtime, periodic),
      symbols: () => this.symbols,
      ownPrefix: reconcileDeps.ownPrefix,
      lease: { renewedAt: clock.now() },
      databaseFault: parts.databaseFault,
      unsubscribe: () => this.unsubscribe(),
      withdraw,
    };
  }

  /** Opens the database, recovers, reconciles with the venue. Resolves when ready to trade. */
  static async open(options: EngineOptions): Promise<Engine> {
    const { venue, clock, logger } = options;
    const parts = await openEngineParts(options);
    const { runtime, store, gate, markets } = parts;
    // A failed open stops listening and waits for any check a subscription started before closing.
    let stopListening = (): void => {};
    let checksIdle = (): Promise<void> => Promise.resolve();
    let stopWatching = (): Promise<void> => Promise.resolve();
    try {
      const engine = new Engine(options, parts);
      parts.tradingStateListener.change = (next) => engine.reactions.changed(next);
      runtime.onCommitted(() => engine.haltIfTripped());
      gate.watch();
      stopWatching = () => gate.unwatch();
      if (gate.current.state !== 'active') engine.reactions.changed(gate.current);
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
      engine.unsubscribe = listenToVenue(
        venue,
        runtime,
        store,
        logger,
        (reconnect) => engine.afterSubscription(reconnect),
        () => engine.afterUnnamedRefusal(),
      );
      stopListening = engine.unsubscribe;
      checksIdle = () => engine.checks.idle();
      await runtime.drain();
      await engine.reconcile(startupRetry(parts.startupRetryMs, logger, 'open orders'));
      logger.info(
        extend(parts.recovery, { bootEpoch: parts.identity.bootEpoch }),
        'recovered and reconciled',
      );
      parts.readModel.tradingState('ready');
      return engine;
    } catch (err) {
      stopListening();
      await stopWatching();
      await checksIdle().catch(() => {});
      await parts.close();
      throw err;
    }
  }

  /**
   * Starts the strategy, periodic gap-fills, retention and lease renewal, and withdraws the quotes of
   * retired symbols (see engine-start.ts).
   */
  startTrading(): void {
    startTrading(this.run);
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
    return this.reconciliation.corrections();
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
    this.reactions.haltIfTripped();
  }

  /** Waits for a halt the risk checks tripped to be written (tests, stop). */
  async riskIdle(): Promise<void> {
    await this.reactions.idle();
  }

  /** Failed venue calls since start, by call and kind (see VenueEffects.errors). */
  venueErrors(): Iterable<{ call: string; kind: string; count: number }> {
    return this.effects.errors.values();
  }

  /** Gap-fill and open-order reconciliation for every symbol; `retry` governs the open-orders read. */
  reconcile(retry?: ReadRetry): Promise<void> {
    return this.reconciliation.all(retry);
  }

  /** The venue's stream is live (again): gap-fill and open orders (see EngineReconciliation), unless stopping. */
  private afterSubscription(reconnect: boolean): void {
    if (this.stopping !== null) return;
    this.reconciliation.afterSubscription(reconnect);
  }

  /** A pushed update naming no order could not be read: gap-fill and open orders, as after a reconnect. */
  private afterUnnamedRefusal(): void {
    if (this.stopping !== null) return;
    this.reconciliation.afterUnreadableUpdate();
  }

  /**
   * Graceful stop: strategy off, (optionally) cancel everything, wait for in-flight calls and unresolved
   * orders to settle, one last gap-fill, then close (see engine-stop.ts). Nothing is lost if it is
   * interrupted. Reports whether everything settled and how many orders were still live at the end.
   */
  stop(options: StopOptions = {}): Promise<StopReport> {
    this.stopping ??= windDown(this.run, options);
    return this.stopping;
  }

  /** Cancels every order of `symbol`'s AdjustOrders workflow and places none. */
  private async withdraw(symbol: string): Promise<void> {
    const prefix = symbolIdPrefix(this.idPrefix, this.symbols.all, symbol);
    await withdrawQuotes(this.runtime, this.options.venue.id, symbol, prefix);
  }
}
