import { SteadfastError, describeError } from '../domain/errors.js';
import type { Lease } from '../persistence/lease.js';
import { renewLease } from '../persistence/lease.js';
import { asStorageFault, isStorageFault } from '../persistence/storage-fault.js';
import type { EngineDatabase } from '../persistence/engine-database.js';
import type { WriterLock } from '../persistence/writer-lock.js';
import type { DurableRuntime } from '../runtime/durable-runtime.js';
import { DEFAULT_LEASE_TTL_MS } from './engine-options.js';
import type { EngineOptions } from './engine-options.js';
import type { PeriodicTasks } from './periodic-tasks.js';
import type { ReadModel } from './read-model.js';
import type { RetentionSchedule } from './retention-schedule.js';
import type { StrategyRunner } from './strategy-runner.js';
import type { ManagedSymbols } from './symbols.js';
import type { TradingGate } from './trading-gate.js';
import type { TradingStateReactions } from './trading-state-reactions.js';
import type { VenueChecks } from './venue-checks.js';

/** The parts of an open engine that starting to trade and the graceful stop (engine-stop.ts) work with. */
export interface EngineRun {
  options: EngineOptions;
  database: EngineDatabase;
  runtime: DurableRuntime;
  held: { lease: Lease; lock: WriterLock | null };
  readModel: ReadModel;
  gate: TradingGate;
  reactions: TradingStateReactions;
  strategy: StrategyRunner;
  checks: VenueChecks;
  periodic: PeriodicTasks;
  retention: RetentionSchedule;
  /** Configured symbols, then retired ones (no longer configured, orders still live): see symbols.ts. */
  symbols: () => ManagedSymbols;
  /** The clientOrderId prefix of every order of this database (see ReconcileDeps.ownPrefix). */
  ownPrefix: string;
  /** When the lease was last claimed or renewed, by this engine's clock. */
  lease: { renewedAt: number };
  /** See EngineParts.databaseFault. */
  databaseFault: (err: unknown) => unknown;
  /** Stops listening to the venue's stream. */
  unsubscribe: () => void;
  /** Cancels every order of `symbol`'s AdjustOrders workflow and places none. */
  withdraw: (symbol: string) => Promise<void>;
}

/**
 * Starts the strategy, periodic gap-fills, retention and lease renewal, and withdraws the quotes of
 * retired symbols (no longer configured: nothing would requote or manage them). From now on a halt with a
 * cancel request cancels every live order, and one already written does so now.
 */
export function startTrading(run: EngineRun): void {
  const { options, readModel, reactions, strategy, gate, checks, periodic } = run;
  const { clock, gapFillIntervalMs, logger } = options;
  readModel.tradingState('trading');
  reactions.tradingStarted();
  strategy.start();
  reactions.cancelIfAsked(gate.current);
  for (const symbol of run.symbols().retired) {
    logger.warn(
      { code: 'SYMBOL_RETIRED', symbol },
      'symbol no longer configured but has live orders: cancelling them (their fills are still counted)',
    );
    void run
      .withdraw(symbol)
      .catch((err) =>
        logger.error(
          { code: 'QUOTES_WITHDRAW_FAILED', symbol, err: describeError(err) },
          'withdrawing quotes failed',
        ),
      );
  }
  periodic.every(gapFillIntervalMs, () =>
    checks.serially(async () => {
      await checks.gapFillAll(run.symbols().all);
      await checks.afterGapFill();
    }),
  );
  run.retention.start();
  const ttl = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  periodic.every(ttl / 3, () => {
    const at = clock.now();
    return renewLease(run.database.db, run.held.lease, ttl, at).then(
      () => void (run.lease.renewedAt = at),
      (err) => {
        const fault = asStorageFault(err);
        if (fault instanceof SteadfastError && isStorageFault(fault.code)) {
          // The database failed (full, locked, ...), not the lease: told as such, once.
          options.onFatal?.(run.databaseFault(fault));
          return;
        }
        logger.error({ code: 'LEASE_LOST', err: describeError(err) }, 'lost the writer lease: stopping');
        options.onFatal?.(err);
      },
    );
  });
}
