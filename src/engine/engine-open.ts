import type { Clock } from '../domain/clock.js';
import { ConfigError, SteadfastError, describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { DEFAULT_STARTUP_RETRY_MS, retryRead, startupRetry } from '../domain/retry.js';
import type { TradingStateRecord } from '../domain/trading-state.js';
import type { Market } from '../domain/types.js';
import { EngineStore } from '../persistence/engine-store.js';
import { bootIdentity } from '../persistence/identity.js';
import type { Identity } from '../persistence/identity.js';
import { processOwner } from '../persistence/lease.js';
import type { Lease } from '../persistence/lease.js';
import type { EngineDatabase } from '../persistence/engine-database.js';
import { openEngineDatabase, shownDb } from '../persistence/open-database.js';
import { isPostgresUrl } from '../persistence/postgres.js';
import {
  STORAGE_FAULT_TEXT,
  asStorageFault,
  checkDatabaseFile,
  isStorageFault,
  refineFault,
} from '../persistence/storage-fault.js';
import { readTradingState } from '../persistence/trading-state.js';
import { acquireWriterLock } from '../persistence/writer-lock.js';
import type { WriterLock } from '../persistence/writer-lock.js';
import { DurableRuntime } from '../runtime/durable-runtime.js';
import type { RecoveryReport } from '../runtime/durable-runtime.js';
import type { EngineOptions } from './engine-options.js';
import { DEFAULT_LEASE_TTL_MS } from './engine-options.js';
import { claimOrStandBy } from './lease-standby.js';
import type { ClaimedLease } from './lease-standby.js';
import { OperatorNotices } from './operator-notices.js';
import { projectors } from './projections.js';
import type { ReconcileDeps } from './reconcile.js';
import { ReadModel } from './read-model.js';
import { RiskChecker } from './risk.js';
import { TradingGate } from './trading-gate.js';
import { VenueEffects } from './venue-effects.js';

/** What `openEngineParts` assembled: the engine is made of these, then wired up and reconciled. */
export interface EngineParts {
  database: EngineDatabase;
  store: EngineStore;
  runtime: DurableRuntime;
  identity: Identity;
  recovery: RecoveryReport;
  held: { lease: Lease; lock: WriterLock | null };
  /** Set when this engine took the lease over as a standby (see claimOrStandBy). */
  takeover: ClaimedLease['takeover'];
  reconcileDeps: ReconcileDeps;
  /** The venue's markets by symbol (every configured symbol is among them). */
  markets: ReadonlyMap<string, Market>;
  notices: OperatorNotices;
  readModel: ReadModel;
  effects: VenueEffects;
  /** The desk's trading state (active, reducing, halted), guarding every order placement. */
  gate: TradingGate;
  /** Where the gate tells a change of the trading state: pointed at the engine once it is made. */
  tradingStateListener: { change: (next: TradingStateRecord) => void };
  /** How long opening retries venue reads failing transiently. */
  startupRetryMs: number;
  /**
   * Reports a failure of the database itself (a storage fault, or a failed commit) in one coded line, the
   * first time only: a full disk fails the next commit and the lease renewal alike. Returns the failure,
   * classified.
   */
  databaseFault: (err: unknown) => unknown;
  /** Closes the database and releases the writer lock (an open that failed after these were made). */
  close(): Promise<void>;
}

/**
 * The first half of opening an engine: loads the venue's markets (every configured symbol must be listed),
 * takes the writer lock, opens the database, claims the lease, reads the boot identity and the trading
 * state, and starts the durable runtime, which recovers (snapshots, in-flight calls, timers). A failure
 * closes the database and releases the lock again.
 */
export async function openEngineParts(options: EngineOptions): Promise<EngineParts> {
  const { venue, clock, logger } = options;
  const patience = options.startupRetryMs ?? DEFAULT_STARTUP_RETRY_MS;
  const listed = await retryRead(clock, () => venue.loadMarkets(), startupRetry(patience, logger, 'markets'));
  const markets = new Map(listed.map((m) => [m.symbol, m]));
  options.symbols.forEach((s, i) => {
    if (!markets.has(s)) throw new ConfigError(`symbols[${i}]`, `${s} is not traded at ${venue.id}`);
  });
  // A SQLite file has one writer, held by a lock the kernel releases when its holder dies; on PostgreSQL
  // the lease alone decides (every commit checks its fencing token).
  const file = !isPostgresUrl(options.dbPath) && options.dbPath !== ':memory:';
  if (file) checkDatabaseFile(options.dbPath);
  let lock: WriterLock | null;
  try {
    lock = file ? acquireWriterLock(options.dbPath) : null;
  } catch (err) {
    throw atStart(err, options.dbPath);
  }
  let database: EngineDatabase;
  try {
    database = await openEngineDatabase(options.dbPath, {
      durability: options.durability,
      logger,
      clock,
      idleInTransactionTimeoutMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    });
  } catch (err) {
    lock?.release();
    throw atStart(err, options.dbPath);
  }
  const close = async (): Promise<void> => {
    await database.close();
    lock?.release();
  };
  try {
    const store = new EngineStore(database.db, database);
    const { lease, takeover } = await claimOrStandBy({
      db: database.db,
      name: `engine/${venue.id}`,
      owner: processOwner(),
      ttlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
      clock,
      logger,
      locked: lock !== null,
      standby: database.dialect === 'postgres',
    });
    store.fenceWith({ name: lease.name, token: lease.token });
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
    let faultReported = false;
    const databaseFault = (failure: unknown): unknown => {
      const err = asStorageFault(failure);
      if (faultReported) return err;
      faultReported = true;
      const named = err instanceof SteadfastError && isStorageFault(err.code) ? err.code : null;
      const fault = named !== null && file ? refineFault(named, options.dbPath) : named;
      logger.error(
        { code: fault ?? 'COMMIT_FAILED', db: database.location, err: describeError(err) },
        fault === null
          ? 'a commit failed: the engine halts (restart to recover)'
          : `${STORAGE_FAULT_TEXT[fault]}: the engine halts, placing nothing more (repair it, then restart to recover)`,
      );
      return err;
    };
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
        options.onFatal?.(databaseFault(err));
      },
    });
    awaited.isAwaited = (key) => runtime.isAwaited(key);
    const notices = new OperatorNotices(logger, clock, { cancelUnconfirmedMs: options.timeouts.cancelMs });
    runtime.onCommitted(notices.committed);
    runtime.onCommitted(readModel.committed);
    if (takeover !== null) tellTakeover(runtime, takeover, clock, logger);
    const recovery = await runtime.start();
    readModel.recovered(runtime.liveActors());
    const reconcileDeps: ReconcileDeps = {
      venue,
      runtime,
      store,
      ownPrefix: `sf${identity.installId}-`,
      policy: options.unknownOrders,
      installedAt: identity.installedAt,
      timeouts: options.timeouts,
      clock,
    };
    return {
      database,
      store,
      runtime,
      identity,
      recovery,
      held: { lease, lock },
      takeover,
      reconcileDeps,
      markets,
      notices,
      readModel,
      effects,
      gate,
      tradingStateListener: onTradingState,
      startupRetryMs: patience,
      databaseFault,
      close,
    };
  } catch (err) {
    await close();
    throw atStart(err, options.dbPath);
  }
}

/** A storage fault met while opening, told with its code and the database; any other error as it is. */
function atStart(err: unknown, db: string): unknown {
  const fault = asStorageFault(err);
  if (!(fault instanceof SteadfastError) || !isStorageFault(fault.code)) return err;
  return new SteadfastError(
    fault.code,
    `${fault.code}: ${STORAGE_FAULT_TEXT[fault.code]} (${shownDb(db)}): ${fault.message}; the engine did not start`,
    { cause: err },
  );
}

/** The clientOrderIds of the live orders of `symbol` the read model holds. */
function* liveOrderIds(readModel: ReadModel, symbol: string): Iterable<string> {
  const orders = readModel.symbol(symbol)?.orders ?? {};
  for (const state in orders) yield* orders[state]!.keys();
}

/** Logs, at the first commit after a standby took the lease over, how long after the old holder's last renewal. */
function tellTakeover(
  runtime: DurableRuntime,
  takeover: NonNullable<ClaimedLease['takeover']>,
  clock: Clock,
  logger: Logger,
): void {
  const stop = runtime.onCommitted(() => {
    stop();
    logger.info(
      {
        previousOwner: takeover.previousOwner,
        sinceHolderLastRenewedMs: clock.now() - takeover.lastRenewedAt,
      },
      'standby took the lease over: first event committed',
    );
  });
}
