/**
 * Where the durable engine's per-event allocation goes, by function: `npx tsx bench/allocation-sites.ts
 * [seconds] [top] [itemsPerSec]` runs the allocation benchmark's durable workload (open loop, 4,350 work
 * items/s by default as there, `synchronous=NORMAL`) after a warm-up run, under the sampling heap
 * profiler, and prints bytes per event by source, then the `top` allocating functions (default 40).
 * Builtins (JSON.stringify, Object.assign, ...) are named with the nearest caller that has a source file.
 * What a commit costs whatever its size weighs more at lower rates, where commits are smaller.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tuneHeap } from '../src/cli/heap-tuning.js';
import { systemClock } from '../src/domain/clock.js';
import { allocationSampler, describeSources } from './allocation.js';
import { runDurable } from './durable.js';

// The engine process's V8 flags, as in src/main.ts and bench/run.ts.
tuneHeap();
const seconds = Number(process.argv[2] ?? 5);
const top = Number(process.argv[3] ?? 40);
const ratePerSec = Number(process.argv[4] ?? 4_350);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alloc-sites-'));
try {
  // Warmed up first, as in `npm run bench` (where it runs after the other durable runs): cold, the engine
  // falls behind at this rate and its batches grow far beyond the warm ones.
  const warm = { liveOrders: 1000, seconds: 3, concurrency: 32, clock: systemClock } as const;
  await runDurable({ ...warm, file: path.join(dir, 'warm.db'), durability: 'normal' });
  const sampler = allocationSampler();
  const run = await runDurable({
    file: path.join(dir, 'engine.db'),
    durability: 'normal',
    liveOrders: 1000,
    seconds,
    concurrency: 0,
    ratePerSec,
    clock: systemClock,
    measured: sampler,
  });
  const result = sampler.result(run.events);
  const ours = result.bytesPerEvent - (result.bySource.xstate ?? 0) - (result.bySource.bench ?? 0);
  console.log(
    `${result.bytesPerEvent} B/event (${describeSources(result)}); ours ${ours}; ${(run.events / run.batches).toFixed(1)} events/commit`,
  );
  for (const s of sampler.sites(run.events).slice(0, top)) {
    console.log(`${s.bytesPerEvent.toFixed(0).padStart(6)}  ${s.source.padEnd(16)} ${s.site}`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
