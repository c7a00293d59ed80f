/**
 * Where the latency of one event goes when the engine is otherwise idle:
 * `npx tsx bench/latency-breakdown.ts [fills] [gapMs]`. Sends fills one at a time, `gapMs` apart (default
 * 3; 0: back to back), through OnOrderUpdate on 100 open orders, and times each stage by wrapping the
 * store's methods: until the duplicate check's read starts, that read, until the commit starts, the writer
 * thread's round trip.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tuneHeap } from '../src/cli/heap-tuning.js';
import { systemClock } from '../src/domain/clock.js';
import { onOrderUpdate } from '../src/engine/on-order-update.js';
import { projectors } from '../src/engine/projections.js';
import { orderActorId } from '../src/machines/messages.js';
import { EngineStore } from '../src/persistence/engine-store.js';
import { openSqlite } from '../src/persistence/sqlite.js';
import { DurableRuntime } from '../src/runtime/durable-runtime.js';
import { percentile } from './durable.js';
import { benchOrder } from './workload.js';

// The engine process's V8 flags, as in src/main.ts and bench/run.ts.
tuneHeap();
const fills = Number(process.argv[2] ?? 400);
const gapMs = Number(process.argv[3] ?? 3);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latency-'));
const db = await openSqlite(path.join(dir, 'engine.db'), 'normal');
const store = new EngineStore(db.db, db);
const stages: Record<string, number[]> = {};
const note = (stage: string, ms: number) => (stages[stage] ??= []).push(ms);
let enqueuedAt = 0;
const timed = <A extends unknown[], R>(
  fn: (...a: A) => Promise<R>,
  stage: string,
  since?: string,
): ((...a: A) => Promise<R>) => {
  return async (...a: A) => {
    const t = performance.now();
    if (since !== undefined) note(since, t - enqueuedAt);
    const r = await fn(...a);
    note(stage, performance.now() - t);
    return r;
  };
};
store.knownTradeIds = timed(store.knownTradeIds.bind(store), 'duplicate check read', 'until the read');
store.commit = timed(store.commit.bind(store), 'commit (writer round trip)', 'until the commit');
const runtime = new DurableRuntime({
  store,
  effects: { execute: () => new Promise(() => {}), recover: () => ({ redispatch: true }) },
  clock: systemClock,
  projectors,
});
await runtime.start();
for (let i = 0; i < 100; i += 1) {
  const id = orderActorId(`b${i}`);
  await runtime.spawn(id, 'order', benchOrder(`b${i}`, i, systemClock.now()));
  await runtime.send(id, { type: 'ORDER_ACCEPTED', venueOrderId: `v-b${i}`, filledQuantity: '0' });
}
for (const s of Object.values(stages)) s.length = 0;
const total: number[] = [];
for (let n = 0; n < fills; n += 1) {
  const cid = `b${n % 100}`;
  await new Promise((r) => (gapMs === 0 ? setImmediate(r) : setTimeout(r, gapMs)));
  enqueuedAt = performance.now();
  const fill = {
    tradeId: `t${n}`,
    clientOrderId: cid,
    venueOrderId: `v-${cid}`,
    symbol: 'BTC/USDT',
    side: 'buy' as const,
    price: '40000',
    quantity: '0.0001',
    fee: '0',
    feeCurrency: 'USDT',
    liquidity: 'maker' as const,
    at: systemClock.now(),
  };
  await runtime.enqueue(onOrderUpdate('bench', store, { kind: 'fill', fill }));
  total.push(performance.now() - enqueuedAt);
}
const line = (name: string, xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const p = (q: number) => percentile(sorted, q).toFixed(3);
  return `${name.padEnd(28)} p50 ${p(50)} ms  p90 ${p(90)} ms`;
};
console.log(line('enqueue to commit', total));
for (const [name, xs] of Object.entries(stages)) console.log(line(name, xs));
await runtime.stop();
await db.close();
fs.rmSync(dir, { recursive: true, force: true });
