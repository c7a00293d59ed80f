#!/usr/bin/env node
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { ConfigError, SteadfastError, describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { DEMO_CREDENTIALS, startVenueSim } from './server.js';
import type { VenueSim } from './server.js';

/**
 * `npm run venue-sim -- --port 0 --db <path> [--seed n] [--tick-ms n]`: runs the Binance-compatible venue
 * simulator until SIGINT/SIGTERM. The FIRST line on stdout is its base URL; logs go to stderr.
 * Credentials: VENUE_SIM_API_KEY/VENUE_SIM_API_SECRET, else STEADFAST_API_KEY/STEADFAST_API_SECRET, else the
 * demo pair (with a warning). Exit codes: 0 stopped by a signal, 1 failure, 2 bad flags.
 */

/** Parsed flags (strings, validated below). */
interface Flags {
  port: string;
  host: string;
  db: string;
  seed: string;
  tickMs: string;
  symbol?: string[];
  logLevel: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',')];

function integer(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(flag, `must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return n;
}

/** The account's key pair from the environment, and whether it is the demo pair. */
function credentialsFromEnv(env: NodeJS.ProcessEnv): { apiKey: string; apiSecret: string; demo: boolean } {
  for (const prefix of ['VENUE_SIM', 'STEADFAST']) {
    const apiKey = env[`${prefix}_API_KEY`];
    const apiSecret = env[`${prefix}_API_SECRET`];
    if (apiKey && apiSecret) return { apiKey, apiSecret, demo: false };
    if (apiKey || apiSecret) {
      throw new ConfigError(`${prefix}_API_KEY/${prefix}_API_SECRET`, 'set both or neither');
    }
  }
  return { ...DEMO_CREDENTIALS, demo: true };
}

async function run(flags: Flags): Promise<void> {
  const port = integer('--port', flags.port, 0, 65535);
  const seed = integer('--seed', flags.seed, -(2 ** 53 - 1), 2 ** 53 - 1);
  const tickMs = integer('--tick-ms', flags.tickMs, 0, 3_600_000);
  const { demo, ...credentials } = credentialsFromEnv(process.env);
  const logger: Logger = pino(
    { level: flags.logLevel, redact: ['apiKey', 'apiSecret', 'secret', '*.apiSecret', '*.secret'] },
    pino.destination(2),
  );
  if (demo) {
    process.stderr.write(
      `venue-sim: warning: using the demo credentials (api key '${DEMO_CREDENTIALS.apiKey}'); ` +
        'set VENUE_SIM_API_KEY and VENUE_SIM_API_SECRET to use your own\n',
    );
  }
  const sim: VenueSim = await startVenueSim({
    dbPath: flags.db,
    port,
    host: flags.host,
    seed,
    tickMs,
    credentials,
    logger,
    ...(flags.symbol !== undefined && { symbols: flags.symbol }),
  });
  process.stdout.write(`${sim.url}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'venue-sim: stopping');
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const program = new Command()
  .name('venue-sim')
  .description('Binance-spot-compatible venue simulator (REST /api/v3, WS API /ws-api/v3, admin /admin/)')
  .option('--port <n>', 'TCP port, 0 for any free one', '0')
  .option('--host <address>', 'interface to bind (the admin API answers loopback peers only)', '127.0.0.1')
  .option('--db <path>', 'its own SQLite file', 'data/venue-sim.db')
  .option('--seed <n>', 'seed of price walks, generated ids and faults', '1')
  .option('--tick-ms <n>', 'price walk period in ms, 0 = price moves only through the admin API', '500')
  .option(
    '--symbol <BASE/QUOTE>',
    'symbol, repeatable or comma-separated (default BTC/USDT, ETH/USDT)',
    collect,
  )
  .addOption(
    new Option('--log-level <level>', 'log level (logs go to stderr)')
      .choices(['debug', 'info', 'warn', 'error', 'silent'])
      .default('info'),
  )
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .action(run);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`venue-sim: ${describeError(err)}\n`);
  const bad = err instanceof ConfigError || (err instanceof SteadfastError && err.code === 'INVALID_INPUT');
  process.exit(bad ? 2 : 1);
});
