import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOG_CODES } from '../../src/domain/logger.js';
import { jsonLines } from '../support/cli-helpers.js';
import type { LogLine } from '../support/cli-helpers.js';
import { runCli } from '../support/engine-process.js';
import type { EngineProcess } from '../support/engine-process.js';
import { tempDir } from '../support/tmp.js';

/**
 * Every warn and error line of a real engine run carries a `code` of the documented set: the engine runs
 * (real processes, the paper venue with faults) under a risk limit that denies and then halts trading,
 * and starts again on the halted database.
 */

const tmp = tempDir('cli-coded-log-lines');
const engines: EngineProcess[] = [];

afterAll(async () => {
  for (const e of engines) {
    if (e.child.exitCode === null && e.child.signalCode === null) {
      e.child.kill('SIGKILL');
      await e.exited;
    }
  }
  tmp.cleanup();
});

const known = new Set<string>(LOG_CODES);

/** The warn and error lines (pino level >= 40) whose code is missing or not one of LOG_CODES. */
const uncoded = (lines: readonly LogLine[]) =>
  lines.filter((l) => l.level >= 40 && !(typeof l.code === 'string' && known.has(l.code)));

/** The codes of the warn and error lines. */
const codesOf = (lines: readonly LogLine[]) =>
  new Set(lines.filter((l) => l.level >= 40).map((l) => String(l.code)));

/** Runs `start` until `done` holds on its log, then stops it with SIGTERM; returns its log lines. */
async function runUntil(args: string[], what: string, done: (stderr: string) => boolean): Promise<LogLine[]> {
  const e = runCli(['start', '--status-interval', '0', ...args]);
  engines.push(e);
  await e.ready;
  await e.until(what, () => done(e.output().stderr), 30_000);
  e.child.kill('SIGTERM');
  const { code } = await e.exited;
  expect(code, e.output().stderr.slice(-2000)).toBe(0);
  return jsonLines(e.output().stderr);
}

describe('warn and error log lines', () => {
  it('all carry a documented code, through risk denials, a risk halt and a start on a halted database', async () => {
    const db = path.join(tmp.dir, 'e.db');
    const config = path.join(tmp.dir, 'config.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        symbols: ['BTC/USDT', 'ETH/USDT'],
        // ETH/USDT's orders (0.01 by default) are all above its limit: denied, then the denials halt.
        risk: { haltAfterDenials: 8, symbols: { 'ETH/USDT': { maxOrderQuantity: '0.001' } } },
        paper: { faults: { reject: 0.2, timeoutAfterAccept: 0.2, dropUpdate: 0.2, lateUpdate: 0.2 } },
        orders: { ackTimeoutMs: 300, cancelTimeoutMs: 300, lookupRetryMs: 100, absenceProofMs: 500 },
        // Stops without waiting for the venue: orders still unresolved are warned about.
        stopTimeoutMs: 0,
      }),
    );
    const halted = (stderr: string) => stderr.includes('"code":"TRADING_HALTED"');

    const first = await runUntil(['--db', db, '--config', config, '--seed', '11'], 'the risk halt', halted);
    expect(uncoded(first)).toEqual([]);
    expect([...codesOf(first)]).toEqual(expect.arrayContaining(['RISK_DENIED', 'TRADING_HALTED']));

    // Started on the halted database: it warns at once.
    const second = await runUntil(['--db', db, '--config', config, '--seed', '12'], 'the halt', halted);
    expect(uncoded(second)).toEqual([]);
    expect(codesOf(second).has('TRADING_HALTED')).toBe(true);
  }, 90_000);
});
