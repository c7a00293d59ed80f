import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Rng } from '../../src/adapters/paper/rng.js';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import { checkInvariants } from '../support/invariants.js';
import { checkCcxtInvariants } from '../support/ccxt-invariants.js';
import { venueSimAdmin } from '../support/venue-sim.js';
import { audit, paperView, simView } from './chaos-audit.js';
import type { VenueView } from './chaos-audit.js';

/**
 * `npm run chaos -- [--venue paper|sim] [--kills N] [--faults RATE] [--seed S] [--minutes M] [--json]`: the
 * engine (`npm start`'s bundle) as a child process trading two symbols on a faulty venue (the paper venue,
 * or the Binance-compatible simulator as its own process, through ccxt), SIGKILLed
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
if (venueKind !== 'paper' && venueKind !== 'sim') {
  fail(`--venue must be paper or sim, got ${JSON.stringify(venueKind)}`);
}
const kills = int('--kills', 20);
const seed = int('--seed', Date.now() % 2 ** 31);
const minutes = flag('--minutes') === undefined ? null : int('--minutes', 0);
const rate = Number(flag('--faults') ?? 0.05);
if (!(rate >= 0 && rate <= 0.4))
  fail(`--faults must be a probability between 0 and 0.4, got ${flag('--faults')}`);
const json = args.includes('--json');

const root = path.resolve(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// --no-build: the bundle is there already (the test runner built it).
if (!args.includes('--no-build')) {
  const built = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) fail('npm run build failed');
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'steadfast-chaos-'));
const db = path.join(work, 'engine.db');
const venueDb = path.join(work, 'venue.db');
const config = path.join(work, 'config.json');
const SYMBOLS = ['BTC/USDT', 'ETH/USDT'];
const KEYS = { STEADFAST_API_KEY: 'sim-api-key', STEADFAST_API_SECRET: 'sim-api-secret' };

/** The venue the engine trades on, with what the chaos run needs of it. */
interface ChaosVenue {
  /** The config's venue part. */
  config: object;
  /** Extra `start` flags and environment. */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Places the venue accepted, and fills it made, so far (the kill windows watch them). */
  accepted(): Promise<number>;
  fills(): Promise<number>;
  /** Before each run (the simulator draws its faults anew). */
  beforeRun(i: number): Promise<void>;
  view(): Promise<VenueView>;
  /** The crash invariants that hold at any moment (test/support), checked between kills. */
  check(): Promise<string[]>;
  /** Stops the venue's market moving (before the final graceful stop). */
  quiet(): Promise<void>;
  /** Faults injected, by kind. */
  faults(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

function paperVenue(): ChaosVenue {
  const accepted = counter(
    venueDb,
    "select count(*) as n from requests where kind = 'place' and outcome = 'accepted'",
  );
  const fills = counter(venueDb, 'select count(*) as n from trades');
  return {
    config: {
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
      orders: { ackTimeoutMs: 250, cancelTimeoutMs: 250, lookupRetryMs: 100, maxAttempts: 3 },
      reconcile: { gapFillIntervalMs: 300 },
    },
    args: ['--venue-db', venueDb],
    env: {},
    accepted: () => Promise.resolve(accepted()),
    fills: () => Promise.resolve(fills()),
    beforeRun: () => Promise.resolve(),
    view: () => Promise.resolve(paperView(venueDb)),
    check: () => checkInvariants(db, venueDb, false),
    faults: () => {
      const venue = openPaperVenueStore(venueDb);
      try {
        const requests = venue.requests();
        return Promise.resolve({
          'reply lost after acceptance': requests.filter((r) => r.replyLost).length,
          'failed before the venue': requests.filter((r) => r.outcome === 'failedBeforeVenue').length,
          rejected: requests.filter((r) => r.outcome === 'rejected').length,
        });
      } finally {
        venue.close();
      }
    },
    quiet: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/** The Binance-compatible simulator as its own process, its price walking, its user-data socket dropping. */
async function simVenue(): Promise<ChaosVenue> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/venue-sim/main.ts',
      '--port',
      '0',
      '--db',
      path.join(work, 'sim.db'),
      '--tick-ms',
      '0',
      '--seed',
      String(seed),
      '--log-level',
      'warn',
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, VENUE_SIM_API_KEY: '', VENUE_SIM_API_SECRET: '', ...KEYS },
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!.trim());
    });
    child.once('exit', (code) => reject(new Error(`the venue simulator exited (${code})`)));
  });
  const admin = venueSimAdmin(() => url);
  let dropping = true;
  let ticking = true;
  // The market moves until the final run is to stop (a fill after the engine's last look would be lost).
  const market = (async () => {
    while (ticking) {
      await admin.post('tick').catch(() => {});
      await sleep(40);
    }
  })();
  const dropRng = new Rng(seed ^ 0x5eed);
  const drops = (async () => {
    while (dropping) {
      await sleep(dropRng.int(400, 2500));
      if (dropping) await admin.post('ws/disconnect').catch(() => {});
    }
  })();
  const faultRng = new Rng(seed ^ 0xfa17);
  return {
    config: {
      venue: { kind: 'binance', url, recvWindowMs: 1000, timeoutMs: 800 },
      orders: { ackTimeoutMs: 1000, cancelTimeoutMs: 1000, lookupRetryMs: 150, maxAttempts: 3 },
      reconcile: { gapFillIntervalMs: 400 },
    },
    args: [],
    env: KEYS,
    accepted: async () => (await admin.state()).orders.length,
    fills: async () => (await admin.state()).trades.length,
    beforeRun: async (i) => {
      const plan = {
        latencyMs: { min: 0, max: 40 },
        http5xx: rate * 0.6,
        rateLimit: { probability: rate * 0.4, retryAfterSec: 1 },
        ban418: { probability: rate * 0.06, retryAfterSec: 1 },
        acceptThenDrop: { probability: rate * 1.2, holdMs: faultRng.chance(0.5) ? 0 : 1000 },
        duplicateReports: Math.min(1, rate * 2),
        reorderReports: Math.min(1, rate * 2),
        reorderHoldMs: 150,
        seed: seed + i,
      };
      await admin.post('faults', plan);
    },
    view: async () => simView(await admin.state(), SYMBOLS),
    check: async () => checkCcxtInvariants(db, await admin.state(), false),
    faults: async () => {
      const fired = await admin.get<Record<string, unknown>>('faults').catch(() => ({}));
      return Object.fromEntries(
        Object.entries((fired as { injected?: Record<string, number> }).injected ?? {}).map(([k, v]) => [
          k,
          Number(v),
        ]),
      );
    },
    quiet: async () => {
      ticking = false;
      await market;
    },
    close: async () => {
      ticking = false;
      dropping = false;
      await Promise.all([market, drops]);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    },
  };
}

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
      ...venue.args,
      '--seed',
      String(seed + i),
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...venue.env } },
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

const venue = venueKind === 'sim' ? await simVenue() : paperVenue();
fs.writeFileSync(
  config,
  JSON.stringify({
    symbols: SYMBOLS,
    strategy: { intervalMs: 100, levels: 2, requoteBps: '1' },
    statusIntervalMs: 0,
    stopTimeoutMs: 15_000,
    ...venue.config,
  }),
);
const rng = new Rng(seed);
const began = Date.now();
const killedIn = new Map<Window, number>();
const readyAfterKill: number[] = [];
const during: string[] = [];
let killed = 0;
let restarts = 0;
for (let i = 0; minutes === null ? killed < kills : Date.now() - began < minutes * 60_000; i += 1) {
  const window = pickWindow(rng);
  await venue.beforeRun(i);
  const run = start(i);
  if (i > 0) restarts += 1;
  if (window === 'startup') await sleep(rng.int(100, 1500));
  else {
    if (!(await run.ready)) fail(`run ${i} exited before trading-ready:\n${run.stderr().slice(-1500)}`);
    const ready = /"readyMs":(\d+)/.exec(run.stderr());
    if (i > 0 && ready !== null) readyAfterKill.push(Number(ready[1]));
    await sleep(rng.int(50, 600)); // let it trade a little first
    const intents = counter(db, "select count(*) as n from outbox where status = 'pending'");
    const watch =
      window === 'after-intent'
        ? () => Promise.resolve(intents())
        : window === 'after-accept'
          ? venue.accepted
          : window === 'after-fill'
            ? venue.fills
            : null;
    if (watch === null) await sleep(rng.int(50, 2000));
    else {
      const base = await watch();
      const until = Date.now() + 3000;
      while ((await watch()) <= base && Date.now() < until) await sleep(2);
    }
  }
  if (run.child.exitCode !== null) fail(`run ${i} exited by itself:\n${run.stderr().slice(-1500)}`);
  run.child.kill('SIGKILL');
  await new Promise((r) => run.child.once('close', r));
  killed += 1;
  killedIn.set(window, (killedIn.get(window) ?? 0) + 1);
  const problems = await venue.check();
  if (problems.length > 0)
    during.push(`after kill ${killed} (${window}): ${problems.slice(0, 3).join('; ')}`);
}
// One graceful run: it recovers, trades, stops; then everything must agree with the venue.
const last = start(killed + 1);
restarts += 1;
if (!(await last.ready)) fail(`the final run did not start:\n${last.stderr().slice(-1500)}`);
await sleep(3000);
await venue.quiet();
await sleep(500);
last.child.kill('SIGTERM');
const finalCode = await new Promise<number | null>((r) => last.child.once('close', (code) => r(code)));
const report = await audit(db, await venue.view());
const faults = await venue.faults();
await venue.close();
const sorted = [...readyAfterKill].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const ok =
  finalCode === 0 &&
  during.length === 0 &&
  report.duplicateClientOrderIds +
    report.unknownVenueOrders +
    report.lostFills +
    report.doubleCountedFills +
    report.positionMismatches +
    report.openOrderMismatches +
    report.stuckOrders ===
    0 &&
  report.integrityOk &&
  report.replayOk;

const rows: [string, string | number | boolean][] = [
  ['seed', seed],
  ['kills', killed],
  ...[...killedIn].map(([w, n]): [string, number] => [`  in window ${w}`, n]),
  ['restarts', restarts],
  ['restart to trading-ready after a kill, p50 / p99 ms', `${pct(50)} / ${pct(99)}`],
  ['venue orders', report.orders],
  ['venue fills', report.fills],
  ...Object.entries(faults).map(([k, n]): [string, number] => [`faults: ${k}`, n]),
  ['violations seen between kills', during.length],
  ['duplicate clientOrderIds', report.duplicateClientOrderIds],
  ['venue orders unknown to the engine', report.unknownVenueOrders],
  ['venue fills never counted', report.lostFills],
  ['fills counted twice or not at the venue', report.doubleCountedFills],
  ['positions differing from the venue fills', report.positionMismatches],
  ['open orders on one side only', report.openOrderMismatches],
  ['orders stuck with nothing in flight', report.stuckOrders],
  ['integrity_check ok', report.integrityOk],
  ['every journal replays to its snapshot', report.replayOk],
  ['final graceful run exit code', String(finalCode)],
  ['ok', ok],
];
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(48)} ${String(v)}\n`);
for (const p of [...during, ...report.problems]) process.stdout.write(`  ${p}\n`);
if (json) {
  const { orders, fills, duplicateClientOrderIds, unknownVenueOrders, lostFills, doubleCountedFills } =
    report;
  const { positionMismatches, openOrderMismatches, stuckOrders, integrityOk, replayOk } = report;
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
