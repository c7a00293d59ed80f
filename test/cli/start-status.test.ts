import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/persistence/status-query.js';
import {
  digest,
  jsonLines,
  readMeta,
  rowCount,
  runNpm,
  theLog,
  withReadOnly,
} from '../support/cli-helpers.js';
import type { Finished } from '../support/cli-helpers.js';
import { runCliToEnd } from '../support/engine-process.js';
import { tempDir } from '../support/tmp.js';

/**
 * The command-line contract, end to end with the real CLI in child processes:
 * `start --duration --seed --db` stops by itself with exit code 0, `status --db --json` prints one JSON
 * object read straight from the database, a second start resumes the same database.
 */

const DECIMAL = /^-?\d+(\.\d+)?$/;
const NUM = String.raw`-?\d+(?:\.\d+)?`;
const STATUS_LINE = new RegExp(
  String.raw`^BTC/USDT mid ${NUM} pos ${NUM} @ ${NUM} rPnL ${NUM} \| open \d+ \| \d+ ev/s \| calls \d+$`,
);

let tmp: { dir: string; cleanup: () => void };
let db: string;
let first: Finished;
let firstMs: number;
/** `status --json` after the first run. */
let report: StatusReport;

beforeAll(async () => {
  tmp = tempDir('cli-start');
  db = path.join(tmp.dir, 'e.db');
  const t0 = performance.now();
  first = await runCliToEnd(['start', '--duration', '4', '--seed', '7', '--db', db]);
  firstMs = performance.now() - t0;
}, 30_000);

afterAll(() => tmp.cleanup());

/** What the database itself says, for comparison with `status --json`. */
async function dbFacts(file: string) {
  return withReadOnly(file, async (conn) => {
    const positions = await conn
      .selectFrom('positions')
      .selectAll()
      .orderBy('venue')
      .orderBy('symbol')
      .execute();
    const orderStates = await conn
      .selectFrom('orders')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const fills = await conn
      .selectFrom('fills')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', ['applied', 'orphan'])
      .executeTakeFirstOrThrow();
    return {
      positions,
      orders: Object.fromEntries(orderStates.map((o) => [o.state, Number(o.n)])),
      fills: Number(fills.n),
    };
  });
}

function parseOneJsonLine(stdout: string): StatusReport {
  expect(stdout.endsWith('\n')).toBe(true);
  const body = stdout.slice(0, -1);
  expect(body.includes('\n')).toBe(false);
  const parsed: unknown = JSON.parse(body);
  expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)).toBe(true);
  return parsed as StatusReport;
}

describe('npm start -- --duration 4 --seed 7 --db <tmp>/e.db', () => {
  it('stops by itself after the duration with exit code 0', () => {
    expect(first.code).toBe(0);
    const logs = jsonLines(first.stderr);
    const ready = theLog(logs, 'trading-ready');
    const stopping = theLog(logs, 'stopping');
    expect(ready.db).toBe(db);
    expect(ready.actors).toBe(0);
    expect(stopping.why).toBe('duration elapsed');
    const ranMs = stopping.time - ready.time;
    expect(ranMs).toBeGreaterThanOrEqual(3_990);
    expect(ranMs).toBeLessThan(6_000);
    expect(firstMs).toBeGreaterThanOrEqual(4_000);
    expect(logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });

  it('writes logs as pino JSON lines on stderr and only the status line on stdout', () => {
    const logs = jsonLines(first.stderr);
    expect(logs.length).toBeGreaterThanOrEqual(3);
    for (const l of logs) {
      expect(typeof l.level).toBe('number');
      expect(typeof l.time).toBe('number');
      expect(typeof l.msg).toBe('string');
    }
    // Non-TTY stdout: one line every 5 intervals of 1 s, so exactly the first one in a 4 s run.
    const lines = first.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(STATUS_LINE);
  });

  it('creates the engine database and the paper venue database beside it', () => {
    expect(fs.existsSync(db)).toBe(true);
    expect(fs.existsSync(path.join(tmp.dir, 'e.paper-venue.db'))).toBe(true);
  });
});

describe('npm run status -- --db <path> --json (engine not running)', () => {
  it('prints exactly one JSON line matching the database, and does not change it', async () => {
    const before = digest(db);
    const out = await runCliToEnd(['status', '--db', db, '--json']);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    report = parseOneJsonLine(out.stdout);
    expect(digest(db)).toBe(before);

    const facts = await dbFacts(db);
    // positions: array of {symbol, quantity, averagePrice, realizedPnl}, all decimal strings.
    expect(Array.isArray(report.positions)).toBe(true);
    expect(report.positions.map((p) => p.symbol)).toEqual(['BTC/USDT']);
    for (const p of report.positions) {
      expect(p.quantity).toMatch(DECIMAL);
      expect(p.averagePrice).toMatch(DECIMAL);
      expect(p.realizedPnl).toMatch(DECIMAL);
    }
    expect(
      report.positions.map((p) => [p.symbol, p.quantity, p.averagePrice, p.realizedPnl, p.fillCount]),
    ).toEqual(
      facts.positions.map((p) => [p.symbol, p.quantity, p.average_price, p.realized_pnl, p.fill_count]),
    );

    // orders: a count per state, numbers, totalling the orders table.
    expect(typeof report.orders === 'object' && !Array.isArray(report.orders)).toBe(true);
    for (const n of Object.values(report.orders)) {
      expect(Number.isInteger(n)).toBe(true);
      expect(n).toBeGreaterThan(0);
    }
    expect(report.orders).toEqual(facts.orders);
    const total = Object.values(report.orders).reduce((a, b) => a + b, 0);
    expect(total).toBe(await rowCount(db, 'orders'));
    expect(total).toBeGreaterThan(0);

    // fills: a number, the fills that moved a position (applied or orphan).
    expect(typeof report.fills).toBe('number');
    expect(report.fills).toBe(facts.fills);
    expect(report.journalEvents).toBe(await rowCount(db, 'journal'));
    expect(report.lease).toBe(null);
  });

  it('without --json prints positions and order counts for humans', async () => {
    const json = report;
    const out = await runCliToEnd(['status', '--db', db]);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    const lines = out.stdout.split('\n');
    expect(lines[0]).toBe('positions:');
    const position = json.positions[0]!;
    expect(lines[1]!.startsWith(`  paper BTC/USDT: qty ${position.quantity} @ `)).toBe(true);
    expect(lines[1]!.includes(`realized ${position.realizedPnl}`)).toBe(true);
    const orderLine = Object.entries(json.orders)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ');
    expect(lines).toContain(`orders: ${orderLine}`);
    expect(lines.some((l) => l === `fills: ${json.fills}` || l.startsWith(`fills: ${json.fills} (+`))).toBe(
      true,
    );
    expect(out.stdout.trimStart().startsWith('{')).toBe(false);
  });

  it('on a missing database exits non-zero naming --db, and creates nothing', async () => {
    const missing = path.join(tmp.dir, 'nowhere', 'missing.db');
    const out = await runCliToEnd(['status', '--db', missing, '--json']);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(`steadfast: --db: no database at ${missing}\n`);
    expect(fs.existsSync(path.join(tmp.dir, 'nowhere'))).toBe(false);
  });
});

describe('a second start on the same database (through the npm scripts)', () => {
  it('resumes: trading-ready reports the live actors and the boot epoch increases', async () => {
    const metaBefore = await readMeta(db);
    expect(metaBefore.bootEpoch).toBe('1');
    const live = await withReadOnly(db, async (conn) =>
      Number(
        (
          await conn
            .selectFrom('actors')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('live', '=', 1)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );
    // At least the position book and the AdjustOrders workflow stay live.
    expect(live).toBeGreaterThanOrEqual(2);

    const second = await runNpm(['start', '--silent', '--', '--duration', '2', '--seed', '7', '--db', db]);
    expect(second.code).toBe(0);
    const logs = jsonLines(second.stderr);
    expect(second.stderr).toContain('"msg":"trading-ready"');
    const ready = theLog(logs, 'trading-ready');
    expect(ready.actors).toBe(live);
    expect(theLog(logs, 'recovered and reconciled').bootEpoch).toBe(2);
    expect(theLog(logs, 'stopping').why).toBe('duration elapsed');
    for (const line of second.stdout.split('\n').filter((l) => l !== '')) expect(line).toMatch(STATUS_LINE);

    const metaAfter = await readMeta(db);
    expect(metaAfter.bootEpoch).toBe('2');
    expect(metaAfter.installId).toBe(metaBefore.installId);
    expect(metaAfter.installedAt).toBe(metaBefore.installedAt);
  }, 30_000);

  it('npm run status --silent prints the same single JSON line as the CLI', async () => {
    const viaNpm = await runNpm(['run', 'status', '--silent', '--', '--db', db, '--json']);
    expect(viaNpm.code).toBe(0);
    expect(viaNpm.stderr).toBe('');
    const direct = await runCliToEnd(['status', '--db', db, '--json']);
    expect(parseOneJsonLine(viaNpm.stdout)).toEqual(parseOneJsonLine(direct.stdout));
    expect(viaNpm.stdout).toBe(direct.stdout);
  });
});
