#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ConfigError, SteadfastError, describeError } from './domain/errors.js';
import { runStart } from './cli/start.js';
import type { StartFlags } from './cli/start.js';
import { runStatus } from './cli/status.js';
import { runAck, runAlerts } from './cli/alerts.js';
import { tuneHeap } from './cli/heap-tuning.js';
import { parseIsoTime, runFills, runOrder, runOrders } from './cli/orders.js';
import { runReplayVerify } from './cli/replay.js';
import { runArchive } from './cli/archive.js';
import { parseSeconds, runTradingState } from './cli/trading-state.js';

// Before the engine allocates anything: its V8 flags (see heap-tuning.ts).
tuneHeap();

/**
 * Steadfast's command line. `npm start -- [flags]` runs `start`; `npm run status -- [flags]` runs `status`;
 * `npm run cli -- <command> [flags]` runs any command (`alerts`, `ack`, `orders`, `order`, `fills`,
 * `replay`, ...).
 * Exit codes: 0 ok, 1 runtime failure, 2 bad flags or config (nothing was changed).
 */
const program = new Command()
  .name('steadfast')
  .description('A durable trading engine: XState actors persisted transactionally to SQLite.')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

const collect = (value: string, previous: string[] = []) => [...previous, value];

program
  .command('start')
  .description('run the engine (paper venue by default) until --duration elapses or Ctrl-C')
  .option('--config <path>', 'JSON config file (see README)')
  .option('--db <path>', 'engine SQLite database (default data/steadfast.db)')
  .addOption(
    new Option('--durability <mode>', 'when commits reach the disk').choices(['intent', 'normal', 'full']),
  )
  .addOption(
    new Option('--venue <kind>', 'venue (binance: through ccxt, keys from STEADFAST_API_KEY/SECRET)').choices(
      ['paper', 'binance'],
    ),
  )
  .option('--venue-url <url>', 'base URL of a Binance-compatible venue (binance without it: real Binance)')
  .option('--venue-db <path>', "paper venue's own SQLite file (default beside --db)")
  .option('--symbol <symbol>', 'symbol to trade, BASE/QUOTE (repeatable or comma-separated)', collect)
  .option('--seed <n>', 'seed of everything random on our side (paper venue: price walk, fills, faults)')
  .option('--duration <seconds>', 'stop by itself after this many seconds, exit code 0')
  .addOption(
    new Option('--log-level <level>', 'log level (logs go to stderr)').choices([
      'debug',
      'info',
      'warn',
      'error',
      'silent',
    ]),
  )
  .option('--status-interval <ms>', 'status line interval, 0 to disable')
  .option('--metrics-port <n>', 'serve /metrics, /healthz, /readyz on 127.0.0.1:<n> (0: any free port)')
  .option('--cancel-on-exit', 'cancel all orders when stopping')
  .option('--cancel-all', 'trade nothing: cancel every open order, wait for the answers, exit (3: some left)')
  .option('--exit-when-ready', 'recover, reconcile, print one JSON line and exit (for benchmarks)')
  .option(
    '--inspect [url]',
    'stream XState inspection events over WebSocket to url (default ws://127.0.0.1:4280/inspect, the visualizer)',
  )
  .action(async (flags: StartFlags) => {
    process.exitCode = await runStart(flags);
  });

program
  .command('status')
  .description('print positions, order counts and fills of a database (the engine need not run)')
  .option('--db <path>', 'engine SQLite database', 'data/steadfast.db')
  .option('--json', 'one JSON object')
  .action(async (flags: { db: string; json?: boolean }) => {
    await runStatus({ db: flags.db, json: flags.json === true });
  });

program
  .command('alerts')
  .description('list the alerts no operator has acknowledged (the engine need not run)')
  .option('--db <path>', 'engine SQLite database', 'data/steadfast.db')
  .option('--all', 'acknowledged ones too')
  .option('--json', 'one JSON object')
  .action(async (flags: { db: string; all?: boolean; json?: boolean }) => {
    process.exitCode = await runAlerts({ db: flags.db, all: flags.all === true, json: flags.json === true });
  });

program
  .command('ack')
  .description('acknowledge an alert (its id as `alerts` lists it): its reminders stop until it recurs')
  .argument('<alert>', 'the alert id, <kind>/<subject>')
  .option('--db <path>', 'engine SQLite database', 'data/steadfast.db')
  .option('--note <text>', 'what was done about it (kept with the acknowledgement)')
  .option('--json', 'one JSON object')
  .action(async (id: string, flags: { db: string; note?: string; json?: boolean }) => {
    process.exitCode = await runAck({
      db: flags.db,
      id,
      note: flags.note ?? null,
      json: flags.json === true,
    });
  });

program
  .command('orders')
  .description('list the orders, oldest first (the engine need not run)')
  .requiredOption('--db <path>', 'engine SQLite database')
  .option('--state <state>', 'only orders in this state (open, filled, cancelled, ...)')
  .option('--symbol <symbol>', 'only orders of this symbol, BASE/QUOTE')
  .option('--json', 'one JSON object')
  .action(async (flags: { db: string; state?: string; symbol?: string; json?: boolean }) => {
    process.exitCode = await runOrders({
      db: flags.db,
      state: flags.state,
      symbol: flags.symbol,
      json: flags.json === true,
    });
  });

program
  .command('order')
  .description("show one order: its state, its actor's whole journal and its fills (the engine need not run)")
  .argument('<clientOrderId>', 'the order, by its clientOrderId')
  .requiredOption('--db <path>', 'engine SQLite database')
  .option('--json', 'one JSON object')
  .action(async (clientOrderId: string, flags: { db: string; json?: boolean }) => {
    process.exitCode = await runOrder({ db: flags.db, clientOrderId, json: flags.json === true });
  });

program
  .command('fills')
  .description('list the fill ledger in the order the trades happened (the engine need not run)')
  .requiredOption('--db <path>', 'engine SQLite database')
  .option('--since <time>', 'only fills at or after this ISO time (e.g. 2026-12-07T08:00:00Z)', parseIsoTime)
  .option('--json', 'one JSON object')
  .action(async (flags: { db: string; since?: number; json?: boolean }) => {
    process.exitCode = await runFills({ db: flags.db, since: flags.since, json: flags.json === true });
  });

program
  .command('replay')
  .description(
    'with --verify: rebuild every actor from its journal alone and compare with the stored snapshots; ' +
      'check positions against the fill ledger (the engine need not run)',
  )
  .requiredOption('--verify', 'verify (the only mode)')
  .requiredOption('--db <path>', 'engine SQLite database')
  .option('--json', 'one JSON object')
  .action(async (flags: { db: string; json?: boolean }) => {
    process.exitCode = await runReplayVerify({ db: flags.db, json: flags.json === true });
  });

program
  .command('halt')
  .description(
    'halt trading: a running engine places no new order from the commit on (within 1 s it stops trying); ' +
      'kept across restarts until `resume`',
  )
  .requiredOption('--reason <text>', 'why (shown by status and in the engine log)')
  .option('--cancel', 'also cancel every live order (needs a running engine) and wait for the answers')
  .option('--timeout <seconds>', 'how long --cancel waits for the live orders to be gone', parseSeconds, 30)
  .option('--db <path>', 'engine SQLite database', 'data/steadfast.db')
  .option('--json', 'one JSON object')
  .action(
    async (flags: { db: string; reason: string; cancel?: boolean; timeout: number; json?: boolean }) => {
      process.exitCode = await runTradingState({
        db: flags.db,
        state: 'halted',
        reason: flags.reason,
        cancel: flags.cancel === true,
        timeoutMs: flags.timeout * 1000,
        json: flags.json === true,
      });
    },
  );

program
  .command('reduce')
  .description('reduce only: a running engine places only orders that shrink the position, until `resume`')
  .requiredOption('--reason <text>', 'why (shown by status and in the engine log)')
  .option('--db <path>', 'engine SQLite database', 'data/steadfast.db')
  .option('--json', 'one JSON object')
  .action(async (flags: { db: string; reason: string; json?: boolean }) => {
    process.exitCode = await runTradingState({
      db: flags.db,
      state: 'reducing',
      reason: flags.reason,
      cancel: false,
      timeoutMs: 0,
      json: flags.json === true,
    });
  });

program
  .command('resume')
  .description('trade normally again after `halt` or `reduce`')
  .option('--reason <text>', 'why (kept with the state)')
  .option('--db <path>', 'engine SQLite database', 'data/steadfast.db')
  .option('--json', 'one JSON object')
  .action(async (flags: { db: string; reason?: string; json?: boolean }) => {
    process.exitCode = await runTradingState({
      db: flags.db,
      state: 'active',
      reason: flags.reason ?? null,
      cancel: false,
      timeoutMs: 0,
      json: flags.json === true,
    });
  });

program
  .command('archive')
  .description(
    'with --now: one retention pass (retention.keepEndedForMs of --config): ended orders and old journal ' +
      'rows move to archive files; asks the running engine to do it if one runs on the database',
  )
  .requiredOption('--now', 'run one pass now (the only mode)')
  .option('--db <path>', 'engine SQLite database', 'data/steadfast.db')
  .option('--config <path>', 'JSON config file whose retention.* to apply')
  .option('--timeout <seconds>', "how long to wait for a running engine's answer", parseSeconds, 60)
  .option('--json', 'one JSON object')
  .action(async (flags: { db: string; config?: string; timeout: number; json?: boolean }) => {
    process.exitCode = await runArchive(flags);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const bad = err instanceof ConfigError || (err instanceof SteadfastError && err.code === 'INVALID_INPUT');
  process.stderr.write(`steadfast: ${describeError(err)}\n`);
  process.exit(bad ? 2 : 1);
});
