import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { tuneHeap } from '../src/cli/heap-tuning.js';
import { systemClock } from '../src/domain/clock.js';
import { runDurable } from './durable.js';
import type { ThroughputResult } from './durable.js';
import { measureRecovery, seedLiveOrders } from './recovery.js';
import type { RecoveryResult } from './recovery.js';

/**
 * `npx tsx bench/dialects.ts [--seconds N] [--pg URL] [--json]`: the same durable workload on SQLite and on
 * PostgreSQL (default postgres://postgres@127.0.0.1:5432/test, a schema of its own per case, dropped after),
 * in one run: events/s and enqueue-to-commit latency at 1k and 10k live orders; 20 symbols on one engine
 * at 10k live orders; the engine process's restart to trading-ready (recovery and reconciliation with the
 * paper venue) and its RSS at 10k and 100k live orders; and on PostgreSQL, two engine processes at once on one
 * server (a schema each, 10 symbols and 5k live orders each), their rates added.
 */
tuneHeap();
const args = process.argv.slice(2);
if (args[0] === '--child') {
  // One engine of the split run: `--child <db> <liveOrders> <symbols> <seconds>`, its result as JSON.
  const [db, liveOrders, symbols, secs] = args.slice(1);
  const r = await runDurable({
    file: db!,
    durability: 'intent',
    liveOrders: Number(liveOrders),
    symbols: Number(symbols),
    seconds: Number(secs),
    concurrency: 32,
    clock: systemClock,
  });
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const seconds = Number(arg('--seconds') ?? 5) || 5;
const server = arg('--pg') ?? 'postgres://postgres@127.0.0.1:5432/test';
const json = args.includes('--json');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'steadfast-dialects-'));
const log = (line: string) => process.stdout.write(`${line}\n`);
let cases = 0;

/** A new database of `dialect`, and its removal. */
function target(dialect: 'sqlite' | 'postgres'): { url: string; drop: () => Promise<void> } {
  cases += 1;
  if (dialect === 'sqlite') {
    const file = path.join(work, `case-${cases}.db`);
    return { url: file, drop: async () => {} };
  }
  const schema = `steadfast_bench_${process.pid}_${cases}`;
  const url = new URL(server);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

/**
 * Recovery to trading-ready on `dialect` with `liveOrders` open orders: an engine database and a paper
 * venue holding the same open orders, then the engine process (`npm start`'s bundle) started on them with
 * --exit-when-ready: it recovers every actor, call and timer, reconciles every order with the venue and
 * reports when it would trade, with its RSS then.
 */
async function readyAfterRestart(
  dialect: 'sqlite' | 'postgres',
  liveOrders: number,
): Promise<RecoveryResult> {
  const dir = fs.mkdtempSync(path.join(work, `ready-${dialect}-${liveOrders}-`));
  const t = target(dialect);
  const db = dialect === 'sqlite' ? path.join(dir, 'engine.db') : t.url;
  try {
    await seedLiveOrders(dir, liveOrders, db);
    return await measureRecovery(dir, liveOrders, 'bundle', db);
  } finally {
    await t.drop();
  }
}

const results: Record<string, unknown> = {};
const fmt = (r: ThroughputResult) =>
  `${r.eventsPerSec.toFixed(0)} events/s (p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms)`;
try {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    for (const liveOrders of [1_000, 10_000]) {
      const t = target(dialect);
      try {
        const r = await runDurable({
          file: t.url,
          durability: 'intent',
          liveOrders,
          seconds,
          concurrency: 32,
          clock: systemClock,
        });
        results[`${dialect}.throughput.${liveOrders}`] = r;
        log(`${dialect}: ${liveOrders} live orders: ${fmt(r)}`);
      } finally {
        await t.drop();
      }
    }
    const many = target(dialect);
    try {
      const r = await runDurable({
        file: many.url,
        durability: 'intent',
        liveOrders: 10_000,
        symbols: 20,
        seconds,
        concurrency: 32,
        clock: systemClock,
      });
      results[`${dialect}.throughput.10000.symbols20`] = r;
      log(`${dialect}: 10000 live orders on 20 symbols: ${fmt(r)}`);
    } finally {
      await many.drop();
    }
    for (const liveOrders of [10_000, 100_000]) {
      const rec = await readyAfterRestart(dialect, liveOrders);
      results[`${dialect}.ready.${liveOrders}`] = rec;
      log(
        `${dialect}: restart to trading-ready with ${liveOrders} live orders: ${rec.readyMs.toFixed(0)} ms ` +
          `(${rec.actors} actors; ${rec.wallMs.toFixed(0)} ms from spawn), engine RSS ${rec.rssMb.toFixed(0)} MB`,
      );
    }
  }
  const split = [target('postgres'), target('postgres')];
  try {
    const engines = await Promise.all(split.map((t) => child(t.url, 5_000, 10, seconds)));
    const total = engines.reduce((n, r) => n + r.eventsPerSec, 0);
    results['postgres.split2'] = { eventsPerSec: total, engines };
    log(
      `postgres: two engines (10 symbols, 5000 live orders each): ${total.toFixed(0)} events/s together ` +
        `(${engines.map((r) => `${r.eventsPerSec.toFixed(0)}/s p99 ${r.p99Ms.toFixed(1)} ms`).join(', ')})`,
    );
  } finally {
    for (const t of split) await t.drop();
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

/** Runs one engine of the split run in a process of its own; resolves with its result. */
function child(db: string, liveOrders: number, symbols: number, secs: number): Promise<ThroughputResult> {
  const argv = [
    '--import',
    'tsx',
    process.argv[1]!,
    '--child',
    db,
    String(liveOrders),
    String(symbols),
    String(secs),
  ];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`bench child exited ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ThroughputResult);
    });
  });
}
if (json) log(JSON.stringify(results));
