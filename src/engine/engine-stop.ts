import { releaseLease } from '../persistence/lease.js';
import type { EngineRun } from './engine-start.js';
import { waitUntilQuiet } from './quiesce.js';
import type { StopReport } from './quiesce.js';

/** How a graceful stop goes (`Engine.stop`). */
export interface StopOptions {
  /** Cancel every order of every symbol first. */
  cancelOrders?: boolean;
  /** Longest wait for in-flight calls and unresolved orders to settle (default 10 s). */
  timeoutMs?: number;
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
  if (options.cancelOrders) for (const symbol of run.symbols().all) await run.withdraw(symbol);
  const quiet = await waitUntilQuiet(runtime, options.timeoutMs ?? 10_000);
  if (!quiet)
    run.options.logger.warn(
      { code: 'STOPPING_UNRESOLVED' },
      'stopping with orders still unresolved; the next start resumes them',
    );
  await checks.serially(() => checks.gapFillAll(run.symbols().all));
  const liveOrders = [...runtime.liveActors('order')].length;
  await runtime.stop();
  run.retention.close();
  await releaseLease(database.db, held.lease).catch(() => {});
  await database.close();
  held.lock?.release();
  readModel.tradingState('stopped');
  return { quiet, liveOrders };
}
