import fs from 'node:fs';
import path from 'node:path';
import { runCli, runCliToEnd } from './engine-process.js';

/**
 * Databases written by real engine runs (the bundle, paper venue), for the operator commands' tests.
 */

/** A fast, faulty paper market on two symbols: fills, timeouts after acceptance, lost and late updates. */
const FAULTY = {
  symbols: ['BTC/USDT', 'ETH/USDT'],
  paper: {
    tickMs: 20,
    latencyMs: { min: 5, max: 60 },
    requestWindowMs: 400,
    faults: {
      timeoutAfterAccept: 0.05,
      failBeforeVenue: 0.05,
      reject: 0.02,
      duplicateUpdate: 0.1,
      lateUpdate: 0.1,
      dropUpdate: 0.05,
      maxLateMs: 300,
    },
  },
  strategy: { intervalMs: 100, levels: 2, requoteBps: '1' },
  orders: { ackTimeoutMs: 250, cancelTimeoutMs: 250, lookupRetryMs: 100, maxAttempts: 3 },
  reconcile: { gapFillIntervalMs: 300 },
  statusIntervalMs: 0,
};

/**
 * Two symbols quoting two levels each under a per-order worst-case position limit (risk maxPosition) below
 * two levels' size: the engine trades, and the pre-trade risk checks deny some orders (`maxPosition`).
 */
const DENYING = {
  symbols: ['BTC/USDT', 'ETH/USDT'],
  paper: { tickMs: 20 },
  strategy: { intervalMs: 100, levels: 2, requoteBps: '1' },
  risk: { maxPosition: '0.015' },
  statusIntervalMs: 0,
};

/** Writes the DENYING config beside `db` and returns its path (for `start --config`). */
export function denyingConfig(db: string): string {
  const config = path.join(path.dirname(db), `${path.basename(db)}.denying.json`);
  fs.writeFileSync(config, JSON.stringify(DENYING));
  return config;
}

/** Runs the engine for `seconds` on `db` and waits for it to stop by itself; throws unless it exits 0. */
export async function gracefulRun(db: string, seconds: number, seed: number): Promise<void> {
  const run = await runCliToEnd(['start', '--duration', String(seconds), '--seed', String(seed), '--db', db]);
  if (run.code !== 0) throw new Error(`engine run exited ${run.code}:\n${run.stderr.slice(-2000)}`);
}

/**
 * Runs the engine `kills` times on `db` with the faulty config, each killed with SIGKILL `afterMs` after it
 * is trading: the database is left as the last kill left it.
 */
export async function killedRuns(db: string, kills: number, seed: number, afterMs = 700): Promise<void> {
  const config = path.join(path.dirname(db), `${path.basename(db)}.config.json`);
  fs.writeFileSync(config, JSON.stringify(FAULTY));
  for (let i = 0; i < kills; i += 1) {
    const run = runCli(['start', '--config', config, '--db', db, '--seed', String(seed + i)]);
    await run.ready;
    await new Promise((r) => setTimeout(r, afterMs + 150 * i));
    if (run.child.exitCode !== null) throw new Error(`engine run ${i} exited before its kill`);
    run.child.kill('SIGKILL');
    const { signal } = await run.exited;
    if (signal !== 'SIGKILL') throw new Error(`engine run ${i} was not killed (${signal})`);
  }
}

/** The JSON object on the last line of `stdout` (throws when the last line is not one). */
export function lastJson<T>(stdout: string): T {
  const lines = stdout.split('\n').filter((l) => l !== '');
  const parsed = JSON.parse(lines.at(-1) ?? '') as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`last line is not a JSON object: ${lines.at(-1)}`);
  return parsed as T;
}
