import crypto from 'node:crypto';
import { pino } from 'pino';
import { createPaperVenue } from '../adapters/paper/paper-venue.js';
import { openExchangeVenue } from '../adapters/venue-factory.js';
import type { RunnableVenue } from '../adapters/venue-factory.js';
import { systemClock } from '../domain/clock.js';
import { ConfigError, describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { extend } from '../domain/extend.js';
import { Engine } from '../engine/engine.js';
import type { RetentionOptions } from '../engine/retention.js';
import { shownDb } from '../persistence/open-database.js';
import { isPostgresUrl } from '../persistence/postgres.js';
import { checkDatabaseFile } from '../persistence/storage-fault.js';
import { defaultArchiveDir } from '../persistence/archive/archive-store.js';
import { parseInspectUrls, startInspection } from '../inspect/inspect-option.js';
import { DEFAULT_PAPER_MARKETS, defaultVenueDb, parseConfig, readConfigFile } from './config.js';
import type { Config } from './config.js';

export { defaultVenueDb } from './config.js';
import { StatusLine } from './status-line.js';
import { startMonitoring } from './monitoring.js';

/** Flags of `npm start` (all optional; they override the config file). */
export interface StartFlags {
  config?: string;
  db?: string;
  durability?: string;
  venue?: string;
  venueUrl?: string;
  venueDb?: string;
  symbol?: string[];
  seed?: string;
  duration?: string;
  logLevel?: string;
  statusInterval?: string;
  cancelOnExit?: boolean;
  /** Trade nothing: cancel every open order, wait for the venue's answers, exit. */
  cancelAll?: boolean;
  exitWhenReady?: boolean;
  /** `--metrics-port <n>`: serve /metrics, /healthz, /readyz on 127.0.0.1:<n>. */
  metricsPort?: string;
  /** `--inspect [url]`: true when given without a URL. */
  inspect?: string | boolean;
}

function integerFlag(
  name: string,
  value: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < min || n > max || !Number.isSafeInteger(n)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(name, `must be an integer ${range}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Merges the config file and the flags into a validated Config. Throws ConfigError naming the field. */
export function resolveStartConfig(flags: StartFlags): { config: Config; durationMs: number | null } {
  const raw = (flags.config === undefined ? {} : readConfigFile(flags.config)) as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError('--config', 'must hold a JSON object');
  const merged: Record<string, unknown> = { ...raw };
  const section = (key: string) =>
    ({ ...((raw[key] as object | undefined) ?? {}) }) as Record<string, unknown>;
  if (flags.db !== undefined) merged.db = flags.db;
  if (flags.durability !== undefined) merged.durability = flags.durability;
  if (flags.logLevel !== undefined) merged.logLevel = flags.logLevel;
  if (flags.symbol !== undefined) merged.symbols = flags.symbol.flatMap((s) => s.split(','));
  const venue = section('venue');
  if (flags.venue !== undefined) venue.kind = flags.venue;
  if (flags.venueUrl !== undefined) venue.url = flags.venueUrl;
  merged.venue = venue;
  const paper = section('paper');
  const seed = integerFlag('--seed', flags.seed, 0);
  if (seed !== undefined) paper.seed = seed;
  if (flags.venueDb !== undefined) paper.db = flags.venueDb;
  merged.paper = paper;
  const statusInterval = integerFlag('--status-interval', flags.statusInterval, 0);
  if (statusInterval !== undefined) merged.statusIntervalMs = statusInterval;
  const metricsPort = integerFlag('--metrics-port', flags.metricsPort, 0, 65_535);
  if (metricsPort !== undefined) merged.metrics = extend(section('metrics'), { port: metricsPort });
  let durationMs: number | null = null;
  if (flags.duration !== undefined) {
    const seconds = Number(flags.duration);
    if (!/^\d+(\.\d+)?$/.test(flags.duration) || !(seconds > 0)) {
      throw new ConfigError(
        '--duration',
        `must be a positive number of seconds, got ${JSON.stringify(flags.duration)}`,
      );
    }
    durationMs = Math.round(seconds * 1000);
  }
  const config = parseConfig(merged, flags.config ?? 'flags');
  if (flags.cancelAll === true && flags.exitWhenReady === true)
    throw new ConfigError('--cancel-all', 'cannot be combined with --exit-when-ready');
  return { config, durationMs };
}

/** `npm start`: runs the engine until the duration ends or a signal arrives. Returns the exit code. */
export async function runStart(flags: StartFlags): Promise<number> {
  const { config, durationMs } = resolveStartConfig(flags);
  const inspectUrls = parseInspectUrls(flags.inspect);
  const logger: Logger = pino(
    { level: config.logLevel, redact: ['apiKey', 'secret', '*.apiKey', '*.secret'] },
    pino.destination(2),
  );
  // A damaged database file is refused before anything (the paper venue's file, the lock) is created.
  if (!isPostgresUrl(config.db)) checkDatabaseFile(config.db);
  const monitoring = await startMonitoring(config, flags, logger);
  const venue: RunnableVenue =
    config.venue.kind !== 'paper'
      ? await openExchangeVenue({
          ...config.venue,
          exchangeId: config.venue.kind,
          budget: config.venueBudget,
          seed: config.paper.seed, // --seed: anything random on our side (reconnect jitter)
          clock: systemClock,
          logger,
        })
      : createPaperVenue({
          dbPath: config.paper.db ?? defaultVenueDb(config.db),
          seed: config.paper.seed,
          clock: systemClock,
          markets: config.paper.markets ?? DEFAULT_PAPER_MARKETS,
          tickMs: config.paper.tickMs,
          latencyMs: config.paper.latencyMs,
          makerFeeBps: config.paper.makerFeeBps,
          takerFeeBps: config.paper.takerFeeBps,
          requestWindowMs: config.paper.requestWindowMs,
          faults: config.paper.faults,
          onListenerError: (err) =>
            logger.error({ code: 'VENUE_LISTENER_FAILED', err: describeError(err) }, 'venue listener failed'),
          budget: config.venueBudget,
          logger,
        });
  venue.start();
  let engine: Engine;
  let onFatal: (err: unknown) => void = () => {};
  try {
    engine = await Engine.open({
      dbPath: config.db,
      durability: config.durability,
      venue,
      clock: systemClock,
      logger,
      symbols: config.symbols,
      strategy: config.strategy,
      strategyIntervalMs: config.strategy.intervalMs,
      maxOpenOrders: config.risk.maxOpenOrders,
      // The global maxOpenOrders is AdjustOrders' own limit (it alone decides what to place, counting the
      // orders it tracks); the gate counting live orders its own way would deny its replacements. A
      // per-symbol risk.symbols[s].maxOpenOrders is checked at the gate.
      risk: { ...config.risk, maxOpenOrders: undefined },
      timeouts: {
        ackMs: config.orders.ackTimeoutMs,
        cancelMs: config.orders.cancelTimeoutMs,
        lookupRetryMs: config.orders.lookupRetryMs,
        absenceProofMs: config.orders.absenceProofMs,
      },
      maxAttempts: config.orders.maxAttempts,
      gapFillIntervalMs: config.reconcile.gapFillIntervalMs,
      balanceCheckIntervalMs: config.reconcile.balanceCheckIntervalMs,
      startupRetryMs: config.venue.startupRetryMs,
      unknownOrders: config.reconcile.unknownOrders,
      cancelOnDatabaseFailure: config.orders.cancelOnDatabaseFailure,
      retention: retentionOf(config),
      leaseTtlMs: config.lease.ttlMs,
      newInstallId: () => crypto.randomBytes(4).readUInt32BE(0).toString(36).padStart(6, '0').slice(0, 6),
      onFatal: (err) => onFatal(err),
    });
  } catch (err) {
    await venue.close();
    await monitoring?.server.close();
    throw err;
  }
  monitoring?.metrics.attach(engine);
  const readyMs = Math.round(performance.now());
  logger.info({ readyMs, db: shownDb(config.db), ...engine.recovery }, 'trading-ready');
  if (flags.exitWhenReady) {
    process.stdout.write(
      `${JSON.stringify({ ready: true, readyMs, ...engine.recovery, rssMb: process.memoryUsage().rss / 2 ** 20, heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20 })}\n`,
    );
    await engine.stop({ timeoutMs: 0 });
    await venue.close();
    await monitoring?.server.close();
    return 0;
  }
  if (flags.cancelAll === true)
    return cancelAllAndExit(engine, venue, config.stopTimeoutMs, logger).finally(() =>
      monitoring?.server.close(),
    );
  const inspection = inspectUrls && startInspection(engine.runtime, inspectUrls, systemClock, logger);
  engine.startTrading();
  const status = new StatusLine(engine, config.statusIntervalMs);
  status.start();
  return new Promise<number>((resolve) => {
    let stopping = false;
    /** Set when a fatal failure comes while the stop is already under way: the exit code says so. */
    let failedWhileStopping = false;
    const shutdown = (why: string, code: number, signal = false, failure?: unknown) => {
      if (stopping && !signal) {
        // A second failure of a stop already under way (a lost lease, then its refused commit): one stop.
        if (code !== 0) failedWhileStopping = true;
        return;
      }
      if (stopping) {
        process.stderr.write('steadfast: second signal, exiting now (the next start recovers)\n');
        process.exit(130);
      }
      stopping = true;
      logger.info({ why }, 'stopping');
      status.stop();
      // The in-process paper venue pauses with the engine (as it does when the process dies): its market
      // stops first, so the engine's last reconciliation sees every fill it will ever have made.
      venue.stop();
      engine
        .stop({ cancelOrders: flags.cancelOnExit === true, timeoutMs: config.stopTimeoutMs, failure })
        .then(() => (failedWhileStopping ? 1 : code))
        .catch((err: unknown) => {
          logger.error({ code: 'STOP_FAILED', err: describeError(err) }, 'stop failed');
          return 1;
        })
        .then(async (exitCode) => {
          await inspection?.close();
          await venue.close();
          await monitoring?.server.close();
          resolve(exitCode);
        });
    };
    onFatal = (err) => shutdown(`fatal: ${describeError(err)}`, 1, false, err);
    // Unref'd: a stop for another reason (a signal) must not wait for it, nor take its end for a second signal.
    if (durationMs !== null) setTimeout(() => shutdown('duration elapsed', 0), durationMs).unref();
    process.on('SIGINT', () => shutdown('SIGINT', 0, true));
    process.on('SIGTERM', () => shutdown('SIGTERM', 0, true));
  });
}

/**
 * `--cancel-all`: after recovery and reconciliation, starts no strategy, cancels every open order through
 * the durable AdjustOrders workflow (an empty desired set per symbol), waits up to `stopTimeoutMs` for the
 * venue's answers, prints one JSON line and exits: 0 when no order is left live, 3 when some are (their
 * cancels stay durable: the next start resumes them).
 */
async function cancelAllAndExit(
  engine: Engine,
  venue: RunnableVenue,
  timeoutMs: number,
  logger: Logger,
): Promise<number> {
  logger.info({}, 'cancelling every open order (--cancel-all)');
  venue.stop();
  const report = await engine.stop({ cancelOrders: true, timeoutMs }).finally(() => venue.close());
  process.stdout.write(`${JSON.stringify({ cancelAll: true, ...report })}\n`);
  if (report.liveOrders === 0) return 0;
  process.stderr.write(
    `steadfast: ${report.liveOrders} orders are still live (cancels not answered within stopTimeoutMs); ` +
      'run --cancel-all again\n',
  );
  return 3;
}

/** The engine's retention options of a config (`retention.enabled` false: passes only when asked). */
function retentionOf(config: Config): RetentionOptions {
  const { enabled, keepEndedForMs, intervalMs, dir } = config.retention;
  return {
    keepEndedForMs,
    intervalMs: enabled ? intervalMs : null,
    dir: dir ?? defaultArchiveDir(config.db),
  };
}
