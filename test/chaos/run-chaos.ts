import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { Rng } from '../../src/adapters/paper/rng.js';
import { openEngineDatabaseReadOnly } from '../../src/persistence/open-database.js';
import { isPostgresUrl } from '../../src/persistence/postgres.js';
import type { Database } from '../../src/persistence/schema.js';
import { audit } from './chaos-audit.js';
import { paperVenue, simVenue } from './chaos-venues.js';

/**
 * `npm run chaos -- [--venue paper|sim] [--kills N] [--faults RATE] [--seed S] [--minutes M] [--json]
 * [--db FILE|postgres://…] [--report FILE]`: the
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

const report = flag('--report');
const root = path.resolve(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// --no-build: the bundle is there already (the test runner built it).
if (!args.includes('--no-build')) {
  const built = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) fail('npm run build failed');
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'steadfast-chaos-'));
// --db: the engine database (a SQLite file or a postgres:// URL); a new SQLite file in the run's directory by default.
const db = flag('--db') ?? path.join(work, 'engine.db');
const config = path.join(work, 'config.json');
const SYMBOLS = ['BTC/USDT', 'ETH/USDT'];
const venueOptions = { work, engineDb: db, seed, rate, symbols: SYMBOLS };

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

function start(
  i: number,
  symbols: readonly string[],
): {
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
      '--symbol',
      symbols.join(','),
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

/** What the engine's log lines of one run tell: calls resumed, symbols withdrawn, stream reconnects. */
const seenInLogs = { resumedCalls: 0, withdrawnSymbols: 0, streamReconnects: 0, missedFillsFound: 0 };
function countLogs(stderr: string): void {
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const l = JSON.parse(line) as Record<string, unknown>;
    if (l.msg === 'trading-ready') seenInLogs.resumedCalls += Number(l.resumedCalls ?? 0);
    if (String(l.msg).startsWith('symbol no longer configured')) seenInLogs.withdrawnSymbols += 1;
    if (l.msg === 'user-data stream subscribed' && l.reconnect === true) seenInLogs.streamReconnects += 1;
    if (l.msg === 'gap-fill after subscription done')
      seenInLogs.missedFillsFound += Number(l.missedFills ?? 0);
  }
}

/** The engine database, read between runs (opened once it exists). */
let reader: Kysely<Database> | null = null;
async function engineRead<T>(query: (db: Kysely<Database>) => Promise<T>, fallback: T): Promise<T> {
  try {
    reader ??= await openEngineDatabaseReadOnly(db);
    return await query(reader);
  } catch {
    return fallback; // not created yet
  }
}
async function closeReader(): Promise<void> {
  await reader?.destroy();
  reader = null;
}
const pendingIntents = () =>
  engineRead(
    async (r) =>
      Number(
        (
          await r
            .selectFrom('outbox')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('status', '=', 'pending')
            .executeTakeFirstOrThrow()
        ).n,
      ),
    0,
  );

const venue = venueKind === 'sim' ? await simVenue(venueOptions, root) : paperVenue(venueOptions);
fs.writeFileSync(
  config,
  JSON.stringify({
    symbols: SYMBOLS,
    strategy: { intervalMs: 100, levels: 2, requoteBps: '1' },
    statusIntervalMs: 0,
    stopTimeoutMs: 15_000,
    // On PostgreSQL a restarted engine waits for its killed predecessor's lease to expire.
    ...(isPostgresUrl(db) && { lease: { ttlMs: 1500 } }),
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
  // Most runs trade both symbols; some only one, so that the other is retired (its quotes withdrawn, its
  // fills still counted) by a run that may itself be killed at any moment.
  const symbols = [SYMBOLS, SYMBOLS, SYMBOLS, SYMBOLS, [SYMBOLS[0]!], [SYMBOLS[1]!]][rng.int(0, 5)]!;
  await venue.beforeRun(i);
  const run = start(i, symbols);
  if (i > 0) restarts += 1;
  if (window === 'startup') await sleep(rng.int(100, 1500));
  else {
    if (!(await run.ready)) fail(`run ${i} exited before trading-ready:\n${run.stderr().slice(-1500)}`);
    const ready = /"readyMs":(\d+)/.exec(run.stderr());
    if (i > 0 && ready !== null) readyAfterKill.push(Number(ready[1]));
    await sleep(rng.int(50, 600)); // let it trade a little first
    const watch =
      window === 'after-intent'
        ? pendingIntents
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
  countLogs(run.stderr());
  killed += 1;
  killedIn.set(window, (killedIn.get(window) ?? 0) + 1);
  const problems = await venue.check();
  if (problems.length > 0)
    during.push(`after kill ${killed} (${window}): ${problems.slice(0, 3).join('; ')}`);
}
// One graceful run: it recovers, trades until a fill the venue made after it was ready is in its ledger,
// stops; then everything must agree with the venue.
const last = start(killed + 1, SYMBOLS);
restarts += 1;
if (!(await last.ready)) fail(`the final run did not start:\n${last.stderr().slice(-1500)}`);
const before = new Set((await venue.view()).trades.map((t) => t.tradeId));
const until = Date.now() + 30_000;
let finalFill = false;
while (!finalFill && Date.now() < until) {
  await sleep(200);
  const fresh = (await venue.view()).trades.map((t) => t.tradeId).filter((id) => !before.has(id));
  const recorded = await engineRead(
    async (r) =>
      fresh.length === 0
        ? []
        : await r.selectFrom('fills').select('trade_id').where('trade_id', 'in', fresh).execute(),
    [],
  );
  finalFill = recorded.length > 0;
}
if (!finalFill) during.push('the final run recorded no fill the venue made after it was ready (30 s)');
await venue.quiet();
await sleep(500);
last.child.kill('SIGTERM');
const finalCode = await new Promise<number | null>((r) => last.child.once('close', (code) => r(code)));
countLogs(last.stderr());
await closeReader();
const finalView = await venue.view();
const result = await audit(db, finalView);
const fillsBySymbol: Record<string, number> = {};
for (const t of finalView.trades) fillsBySymbol[t.symbol] = (fillsBySymbol[t.symbol] ?? 0) + 1;
const faults = await venue.faults();
await venue.close();
const sorted = [...readyAfterKill].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const ok =
  finalCode === 0 &&
  during.length === 0 &&
  result.duplicateClientOrderIds +
    result.unknownVenueOrders +
    result.lostFills +
    result.doubleCountedFills +
    result.positionMismatches +
    result.openOrderMismatches +
    result.stuckOrders ===
    0 &&
  result.integrityOk !== false &&
  result.replayOk;

const rows: [string, string | number | boolean][] = [
  ['seed', seed],
  ['engine database', isPostgresUrl(db) ? 'postgresql' : 'sqlite'],
  ['kills', killed],
  ...[...killedIn].map(([w, n]): [string, number] => [`  in window ${w}`, n]),
  ['restarts', restarts],
  ['restart to trading-ready after a kill, p50 / p99 ms', `${pct(50)} / ${pct(99)}`],
  ['calls in flight at a kill, resumed', seenInLogs.resumedCalls],
  ['symbols withdrawn by a run without them', seenInLogs.withdrawnSymbols],
  ['user-data stream reconnects', seenInLogs.streamReconnects],
  ['fills found by gap-fills after a (re)subscription', seenInLogs.missedFillsFound],
  ['venue orders', result.orders],
  ['venue fills', result.fills],
  ...Object.entries(faults).map(([k, n]): [string, number] => [`faults: ${k}`, n]),
  ['violations seen between kills', during.length],
  ['duplicate clientOrderIds', result.duplicateClientOrderIds],
  ['venue orders unknown to the engine', result.unknownVenueOrders],
  ['venue fills never counted', result.lostFills],
  ['fills counted twice or not at the venue', result.doubleCountedFills],
  ['positions or realized PnL differing from the venue', result.positionMismatches],
  ['  of which realized PnL', result.realizedPnlMismatches],
  ['open orders on one side only', result.openOrderMismatches],
  ['orders stuck with nothing in flight', result.stuckOrders],
  [
    isPostgresUrl(db) ? 'amcheck ok' : 'integrity_check ok',
    result.integrityOk ?? 'not checked (amcheck not available)',
  ],
  ['every journal replays to its snapshot', result.replayOk],
  ['final graceful run exit code', String(finalCode)],
  ['ok', ok],
];
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(52)} ${String(v)}\n`);
for (const p of [...during, ...result.problems]) process.stdout.write(`  ${p}\n`);
const { orders, fills, duplicateClientOrderIds, unknownVenueOrders, lostFills, doubleCountedFills } = result;
const { positionMismatches, openOrderMismatches, stuckOrders, integrityOk, replayOk } = result;
const summary = {
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
};
// --report FILE: everything above as one JSON document (the test suite reads it).
if (report !== undefined) {
  const detail = { venue: venueKind, seed, killedIn: Object.fromEntries(killedIn), faults, fillsBySymbol };
  const readyMs = { p50: pct(50), p99: pct(99) };
  const full = { ...summary, ...detail, ...seenInLogs, readyMs, finalCode, during, audit: result };
  fs.writeFileSync(report, `${JSON.stringify(full, null, 2)}\n`);
}
if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
if (ok) fs.rmSync(work, { recursive: true, force: true });
else process.stdout.write(`kept for inspection: ${work}\n`);
process.exit(ok ? 0 : 1);
