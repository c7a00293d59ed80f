/**
 * Where the latency tail comes from: `npx tsx bench/tail-diagnosis.ts <eventsPerSec>` (open loop) or
 * `npx tsx bench/tail-diagnosis.ts 0 <inFlight>` (closed loop). Prints the durable run's figures with the
 * writer thread's commit times, then GC pauses by kind (1 = scavenge, 4 = mark-compact, 8 = incremental)
 * and the main thread's event-loop delay.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { tuneHeap } from '../src/cli/heap-tuning.js';
import { systemClock } from '../src/domain/clock.js';
import { runDurable } from './durable.js';

// The engine process's V8 flags, as in src/main.ts and bench/run.ts.
tuneHeap();

const rate = Number(process.argv[2] ?? 8000);
const conc = process.argv[3];
const gcs: number[] = [];
const kinds: Record<number, number> = {};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcs.push(e.duration);
    const k = (e as unknown as { detail: { kind: number } }).detail.kind;
    kinds[k] = (kinds[k] ?? 0) + e.duration;
  }
}).observe({ entryTypes: ['gc'] });
const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diag-'));
const r = await runDurable({
  file: path.join(dir, 'd.db'),
  durability: 'normal',
  liveOrders: 1000,
  seconds: 5,
  concurrency: conc ? Number(conc) : 32,
  ...(conc ? {} : { ratePerSec: rate }),
  clock: systemClock,
});
h.disable();
gcs.sort((a, b) => a - b);
const big = gcs.filter((g) => g > 2);
console.log(JSON.stringify({ ...r, evPerBatch: r.events / r.batches }));
console.log(
  `gc: n=${gcs.length} total=${gcs.reduce((a, b) => a + b, 0).toFixed(0)}ms max=${gcs.at(-1)?.toFixed(1)} >2ms: ${big.length} [${big.slice(-10).map((x) => x.toFixed(1))}]`,
);
console.log(JSON.stringify(kinds));
console.log(
  `eld: p50=${(h.percentile(50) / 1e6).toFixed(2)} p99=${(h.percentile(99) / 1e6).toFixed(2)} max=${(h.max / 1e6).toFixed(1)}`,
);
fs.rmSync(dir, { recursive: true, force: true });
