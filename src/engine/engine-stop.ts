import { releaseLease } from '../persistence/lease.js';
import { DEFAULT_LEASE_TTL_MS } from './engine-options.js';
import type { EngineRun } from './engine-start.js';
import { cancelAfterHalt, cancelsAfterHalt } from './halt-cancel.js';
import { waitUntilQuiet } from './quiesce.js';
import type { StopReport } from './quiesce.js';

/** How a graceful stop goes (`Engine.stop`). */
export interface StopOptions {
  /** Cancel every order of every symbol first. */
  cancelOrders?: boolean;
  /** Longest wait for in-flight calls and unresolved orders to settle (default 10 s). */
  timeoutMs?: number;
  /** The failure this stop is for, if any (a failed commit, a lost lease, a failing database). */
  failure?: unknown;
}

/**
 * Graceful stop: strategy off, (optionally) cancel everything, wait for in-flight calls and unresolved
 * orders to settle, one last gap-fill, then close the runtime, the archive, the lease, the database and
 * the writer lock. Nothing is lost if it is interrupted. Reports whether everything settled and how many
 * orders were still live at the end.
 */
export async function windDown(run: EngineRun, options: StopOptions): Promise<StopReport> {
  const { readModel, gate, reactions, periodic, checks, runtime, database, held } = run;
  readModel.tradingState('stopping');
  reactions.tradingStopped();
  await gate.unwatch();
  await reactions.idle();
  await periodic.stop();
  run.unsubscribe();
  await checks.idle();
  await run.strategy.stop();
  let quiet = false;
  const failure = runtime.failure ?? options.failure ?? null;
  if (failure === null) {
    if (options.cancelOrders) for (const symbol of run.symbols().all) await run.withdraw(symbol);
    quiet = await waitUntilQuiet(runtime, options.timeoutMs ?? 10_000);
    if (!quiet)
      run.options.logger.warn(
        { code: 'STOPPING_UNRESOLVED' },
        'stopping with orders still unresolved; the next start resumes them',
      );
    await checks.serially(() => checks.gapFillAll(run.symbols().all));
  } else await afterHalt(run, failure, options.timeoutMs ?? 10_000);
  const liveOrders = [...runtime.liveActors('order')].length;
  await runtime.stop();
  run.retention.close();
  await releaseLease(database.db, held.lease).catch(() => {});
  await database.close();
  held.lock?.release();
  readModel.tradingState('stopped');
  return { quiet, liveOrders };
}

/**
 * The stop of a halted engine: nothing commits any more, so nothing it waits for could settle. The calls
 * already under way are let finish (their answers are not applied: the next start looks them up), then,
 * unless `orders.cancelOnDatabaseFailure` is off or the account may be another engine's now, this
 * engine's open orders are cancelled straight at the venue (see cancelAfterHalt). On PostgreSQL no cancel
 * leaves after two thirds of the lease's TTL from its last renewal: a standby may claim it once it expires.
 */
async function afterHalt(run: EngineRun, failure: unknown, timeoutMs: number): Promise<void> {
  const { options, runtime, database } = run;
  await runtime.settle(Math.min(timeoutMs, 5_000)).catch(() => false);
  if (options.cancelOnDatabaseFailure === false || !cancelsAfterHalt(failure)) return;
  const ttl = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  await cancelAfterHalt({
    venue: options.venue,
    symbols: run.symbols().all,
    ownPrefix: run.ownPrefix,
    logger: options.logger,
    clock: options.clock,
    deadline: database.dialect === 'postgres' ? run.lease.renewedAt + (ttl * 2) / 3 : null,
  });
}
