import { InvalidArgumentError } from 'commander';
import type { DeskState, TradingStateRecord } from '../domain/trading-state.js';
import { LIVE_ORDER_STATES } from '../engine/metrics.js';
import { TRADING_STATE_POLL_MS } from '../engine/trading-gate.js';
import { engineRuns, openEngineDatabaseForOperator, shownDb } from '../persistence/open-database.js';
import { countOrdersIn, readTradingState, writeTradingState } from '../persistence/trading-state.js';

/** Flags of `halt`, `reduce` and `resume`. */
export interface TradingStateFlags {
  db: string;
  state: DeskState;
  reason: string | null;
  /** `halt --cancel`: also cancel every live order and wait for the venue's answers. */
  cancel: boolean;
  /** How long `--cancel` waits for the live orders to be gone (ms). */
  timeoutMs: number;
  json: boolean;
}

/**
 * `npm run cli -- halt --reason <text> [--cancel]`, `reduce --reason <text>`, `resume`: writes the desk's
 * trading state to the database (one row, its own transaction). A running engine follows it within
 * TRADING_STATE_POLL_MS, and from that commit on no order placement decided under the earlier state can
 * commit. With `--cancel`, waits until the orders projection holds no live order (the running engine
 * cancels them and records the venue's answers): exit 1 if some are left after the timeout, or if no
 * engine runs on the database (the halt is written; the next engine start cancels them, as does
 * `start --cancel-all`).
 */
export async function runTradingState(flags: TradingStateFlags): Promise<number> {
  const db = await openEngineDatabaseForOperator(flags.db);
  const shown = shownDb(flags.db);
  try {
    const written = await writeTradingState(
      db,
      { state: flags.state, reason: flags.reason, cancelRequested: flags.cancel },
      Date.now(),
    );
    if (!flags.cancel) {
      report(flags, written, {});
      return 0;
    }
    if (!(await engineRuns(flags.db, db, Date.now()))) {
      report(flags, written, { liveOrders: await countOrdersIn(db, LIVE_ORDER_STATES) });
      process.stderr.write(
        `steadfast: halted, but no engine is running on ${shown}: --cancel needs a running engine. ` +
          `The live orders are cancelled when an engine starts on it (or run \`start --cancel-all --db ${shown}\`)\n`,
      );
      return 1;
    }
    const deadline = Date.now() + flags.timeoutMs;
    // The engine needs at least one poll to see the halt before the projection can tell anything.
    await sleep(2 * TRADING_STATE_POLL_MS);
    for (;;) {
      const live = await countOrdersIn(db, LIVE_ORDER_STATES);
      const now = (await readTradingState(db)).version === written.version;
      if (!now) {
        process.stderr.write('steadfast: the trading state was changed again while waiting for --cancel\n');
        report(flags, written, { liveOrders: live });
        return 1;
      }
      if (live === 0) {
        report(flags, written, { liveOrders: 0 });
        return 0;
      }
      if (Date.now() >= deadline) {
        report(flags, written, { liveOrders: live });
        process.stderr.write(
          `steadfast: ${live} order(s) still live after ${flags.timeoutMs / 1000} s (\`npm run cli -- orders --db ${shown}\` lists them)\n`,
        );
        return 1;
      }
      await sleep(100);
    }
  } finally {
    await db.destroy();
  }
}

function report(flags: TradingStateFlags, r: TradingStateRecord, extra: { liveOrders?: number }): void {
  const out = Object.assign(
    { tradingState: r.state, tradingStateReason: r.reason, cancel: r.cancelRequested },
    extra,
  );
  if (flags.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else {
    const why = r.reason === null ? '' : ` (${r.reason})`;
    const live = extra.liveOrders === undefined ? '' : `, live orders: ${extra.liveOrders}`;
    process.stdout.write(`trading ${r.state}${why}${live}\n`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Parses `--timeout <seconds>` (a positive number). */
export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new InvalidArgumentError('must be a positive number of seconds.');
  return seconds;
}
