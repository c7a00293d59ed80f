import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Rng } from '../../src/adapters/paper/rng.js';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import { checkInvariants } from '../support/invariants.js';
import { auditPaper } from './chaos-audit.js';

/**
 * `npm run chaos -- [--venue paper] [--kills N] [--faults RATE] [--seed S] [--minutes M] [--json]`: the
 * engine (`npm start`'s bundle) as a child process trading two symbols on a faulty paper venue, SIGKILLed
 * N times (or until M minutes have passed) at seeded moments weighted toward the dangerous windows, and
 * restarted each time; then one graceful run, and an audit of the engine's database against the venue's
 * own records. Prints a table and, with --json, one JSON object on the last line. Exit 0 only when every
 * invariant holds.
 */
const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const fail = (message: string): never => {
  process.stderr.write(`steadfast chaos: ${message}\n`);
  process.exit(2);
};
const int = (name: string, fallback: number): number => {
  const raw = flag(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0
    ? n
    : fail(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
};
const venueKind = flag('--venue') ?? 'paper';
if (venueKind === 'sim') {
  fail(
    '--venue sim: the simulator venue is not part of the chaos command yet (npm test runs it: test/crash/ccxt-crash-recovery.test.ts)',
  );
}
if (venueKind !== 'paper') fail(`--venue must be paper or sim, got ${JSON.stringify(venueKind)}`);
const kills = int('--kills', 20);
const seed = int('--seed', Date.now() % 2 ** 31);
const minutes = flag('--minutes') === undefined ? null : int('--minutes', 0);
const rate = Number(flag('--faults') ?? 0.05);
if (!(rate >= 0 && rate <= 0.4))
  fail(`--faults must be a probability between 0 and 0.4, got ${flag('--faults')}`);
const json = args.includes('--json');

const root = path.resolve(import.meta.dirname, '../..');
// --no-build: the bundle is there already (the test runner built it).
if (!args.includes('--no-build')) {
  const built = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) fail('npm run build failed');
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'steadfast-chaos-'));
const db = path.join(work, 'engine.db');
const venueDb = path.join(work, 'venue.db');
const config = path.join(work, 'config.json');
fs.writeFileSync(
  config,
  JSON.stringify({
    symbols: ['BTC/USDT', 'ETH/USDT'],
    paper: {
      tickMs: 20,
      latencyMs: { min: 5, max: 60 },
      requestWindowMs: 400,
      faults: {
        timeoutAfterAccept: rate,
        failBeforeVenue: rate,
        reject: rate / 2,
        duplicateUpdate: Math.min(1, rate * 2),
        lateUpdate: Math.min(1, rate * 2),
        dropUpdate: rate,
        maxLateMs: 300,
      },
    },
    strategy: { intervalMs: 100, levels: 2, requoteBps: '1' },
    orders: { ackTimeoutMs: 250, cancelTimeoutMs: 250, lookupRetryMs: 100, maxAttempts: 3 },
    reconcile: { gapFillIntervalMs: 300 },
    statusIntervalMs: 0,
    stopTimeoutMs: 15_000,
  }),
);

/** Kill windows and their weights: after start-up, right after a committed call intent, right after the
 * venue accepted a place, right after a fill, or at a random moment. */
const WINDOWS = [
  ['startup', 0.15],
  ['after-intent', 0.25],
  ['after-accept', 0.25],
  ['after-fill', 0.15],
  ['random', 0.2],
] as const;
type Window = (typeof WINDOWS)[number][0];

function pickWindow(rng: Rng): Window {
  let x = rng.int(0, 999) / 1000;
  for (const [w, p] of WINDOWS) {
    if (x < p) return w;
    x -= p;
  }
  return 'random';
}

/** A count read from a SQLite file by another process (0 while the file or table does not exist yet). */
function counter(file: string, sql: string): () => number {
  let conn: Database.Database | null = null;
  return () => {
    try {
      conn ??= new Database(file, { readonly: true, fileMustExist: true });
      return Number((conn.prepare(sql).get() as { n: number }).n);
    } catch {
      conn?.close();
      conn = null;
      return 0;
    }
  };
}

function start(i: number): {
  child: ReturnType<typeof spawn>;
  stderr: () => string;
  ready: Promise<boolean>;
} {
  const child = spawn(
    process.execPath,
    [
      'dist/steadfast.mjs',
      'start',
      '--config',
      config,
      '--db',
      db,
      '--venue-db',
      venueDb,
      '--seed',
      String(seed + i),
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const ready = new Promise<boolean>((resolve) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('"msg":"trading-ready"')) resolve(true);
    });
    child.on('close', () => resolve(false));
  });
  return { child, stderr: () => stderr, ready };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rng = new Rng(seed);
const began = Date.now();
const killedIn = new Map<Window, number>();
const readyAfterKill: number[] = [];
const during: string[] = [];
let killed = 0;
let restarts = 0;
for (let i = 0; minutes === null ? killed < kills : Date.now() - began < minutes * 60_000; i += 1) {
  const window = pickWindow(rng);
  const run = start(i);
  if (i > 0) restarts += 1;
  if (window === 'startup') await sleep(rng.int(100, 1500));
  else {
    if (!(await run.ready)) fail(`run ${i} exited before trading-ready:\n${run.stderr().slice(-1500)}`);
    const ready = /"readyMs":(\d+)/.exec(run.stderr());
    if (i > 0 && ready !== null) readyAfterKill.push(Number(ready[1]));
    await sleep(rng.int(50, 600)); // let it trade a little first
    const watch =
      window === 'after-intent'
        ? counter(db, "select count(*) as n from outbox where status = 'pending'")
        : window === 'after-accept'
          ? counter(
              venueDb,
              "select count(*) as n from requests where kind = 'place' and outcome = 'accepted'",
            )
          : window === 'after-fill'
            ? counter(venueDb, 'select count(*) as n from trades')
            : null;
    if (watch === null) await sleep(rng.int(50, 2000));
    else {
      const base = watch();
      const until = Date.now() + 3000;
      while (watch() <= base && Date.now() < until) await sleep(2);
    }
  }
  if (run.child.exitCode !== null) fail(`run ${i} exited by itself:\n${run.stderr().slice(-1500)}`);
  run.child.kill('SIGKILL');
  await new Promise((r) => run.child.once('close', r));
  killed += 1;
  killedIn.set(window, (killedIn.get(window) ?? 0) + 1);
  const problems = await checkInvariants(db, venueDb, false);
  if (problems.length > 0)
    during.push(`after kill ${killed} (${window}): ${problems.slice(0, 3).join('; ')}`);
}
// One graceful run: it recovers, trades, stops; then everything must agree with the venue.
const last = start(killed + 1);
restarts += 1;
if (!(await last.ready)) fail(`the final run did not start:\n${last.stderr().slice(-1500)}`);
await sleep(3000);
last.child.kill('SIGTERM');
const finalCode = await new Promise<number | null>((r) => last.child.once('close', (code) => r(code)));
const audit = await auditPaper(db, venueDb);
const venue = openPaperVenueStore(venueDb);
const requests = venue.requests();
venue.close();
const faults = {
  replyLostAfterAccept: requests.filter((r) => r.replyLost).length,
  failedBeforeVenue: requests.filter((r) => r.outcome === 'failedBeforeVenue').length,
  rejected: requests.filter((r) => r.outcome === 'rejected').length,
};
const sorted = [...readyAfterKill].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const ok =
  finalCode === 0 &&
  during.length === 0 &&
  audit.duplicateClientOrderIds +
    audit.unknownVenueOrders +
    audit.lostFills +
    audit.doubleCountedFills +
    audit.positionMismatches +
    audit.openOrderMismatches +
    audit.stuckOrders ===
    0 &&
  audit.integrityOk &&
  audit.replayOk;

const rows: [string, string | number | boolean][] = [
  ['seed', seed],
  ['kills', killed],
  ...[...killedIn].map(([w, n]): [string, number] => [`  in window ${w}`, n]),
  ['restarts', restarts],
  ['restart to trading-ready after a kill, p50 / p99 ms', `${pct(50)} / ${pct(99)}`],
  ['venue orders', audit.orders],
  ['venue fills', audit.fills],
  ['faults: replies lost after acceptance', faults.replyLostAfterAccept],
  ['faults: failed before the venue', faults.failedBeforeVenue],
  ['faults: rejected', faults.rejected],
  ['violations seen between kills', during.length],
  ['duplicate clientOrderIds', audit.duplicateClientOrderIds],
  ['venue orders unknown to the engine', audit.unknownVenueOrders],
  ['venue fills never counted', audit.lostFills],
  ['fills counted twice or not at the venue', audit.doubleCountedFills],
  ['positions differing from the venue fills', audit.positionMismatches],
  ['open orders on one side only', audit.openOrderMismatches],
  ['orders stuck with nothing in flight', audit.stuckOrders],
  ['integrity_check ok', audit.integrityOk],
  ['every journal replays to its snapshot', audit.replayOk],
  ['final graceful run exit code', String(finalCode)],
  ['ok', ok],
];
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(48)} ${String(v)}\n`);
for (const p of [...during, ...audit.problems]) process.stdout.write(`  ${p}\n`);
if (json) {
  const { orders, fills, duplicateClientOrderIds, unknownVenueOrders, lostFills, doubleCountedFills } = audit;
  const { positionMismatches, openOrderMismatches, stuckOrders, integrityOk, replayOk } = audit;
  process.stdout.write(
    `${JSON.stringify({
      kills: killed,
      restarts,
      orders,
      fills,
      duplicateClientOrderIds,
      unknownVenueOrders,
      lostFills,
      doubleCountedFills,
      positionMismatches,
      openOrderMismatches,
      stuckOrders,
      integrityOk,
      replayOk,
      ok,
    })}\n`,
  );
}
if (ok) fs.rmSync(work, { recursive: true, force: true });
else process.stdout.write(`kept for inspection: ${work}\n`);
process.exit(ok ? 0 : 1);
