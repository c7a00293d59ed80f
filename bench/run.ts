import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tuneHeap } from '../src/cli/heap-tuning.js';
import { systemClock } from '../src/domain/clock.js';
import { describeSources, measureAllocation } from './allocation.js';
import { runDurable, summarize } from './durable.js';
import type { ThroughputResult } from './durable.js';
import { measureGcFloor } from './gc-floor.js';
import { openLoop } from './open-loop.js';
import { measureRecovery, seedLiveOrders } from './recovery.js';
import { runBaseline } from './simple-engine.js';
import { runVenueCalls } from './venue-calls.js';
import { runXstateFloor } from './xstate-floor.js';

/**
 * `npm run bench [-- --json] [-- --seconds N]`: durable events/s and event-to-commit latency at 1k and 10k
 * live orders, the SimpleEngine baseline in the same run, recovery time and RSS with 10k live orders, and
 * orders placed + acknowledged per second on the paper venue and through ccxt against the venue simulator.
 * With --json the last line is one JSON object. Figures are as measured on this machine, this run.
 */
// As src/main.ts does: the engine process's V8 flags, so the benchmark measures what `npm start` runs.
tuneHeap();
const args = process.argv.slice(2);
const json = args.includes('--json');
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 5) || 5;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'steadfast-bench-'));
const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (r: ThroughputResult) =>
  `${r.eventsPerSec.toFixed(0)} events/s (p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${(r.events / r.batches).toFixed(1)} events/commit)`;

async function durable(
  name: string,
  liveOrders: number,
  extra: { durability?: 'normal' | 'intent' | 'full'; ratePerSec?: number; concurrency?: number } = {},
) {
  const r = await runDurable({
    file: path.join(work, `${name}.db`),
    durability: extra.durability ?? 'normal',
    liveOrders,
    seconds,
    concurrency: extra.concurrency ?? 32,
    ...(extra.ratePerSec === undefined ? {} : { ratePerSec: extra.ratePerSec }),
    clock: systemClock,
  });
  log(`${name}: ${fmt(r)}`);
  return r;
}

try {
  log(
    `steadfast bench: node ${process.version}, ${os.cpus().length} cpus, ${seconds}s per run, work dir ${work}`,
  );
  const gcFloor = measureGcFloor();
  log(
    `gc floor (a trivial allocating program, no engine code): ${gcFloor.scavenges} scavenges, p50 ${gcFloor.p50Ms.toFixed(2)} ms, p99 ${gcFloor.p99Ms.toFixed(2)} ms, max ${gcFloor.maxMs.toFixed(2)} ms`,
  );
  // The open-loop driver alone at the ~1,000 events/s rate, each item doing nothing: how late this
  // machine runs a timer-driven loop, a floor under the open-loop latencies below.
  const idle: number[] = [];
  const idleFrom = performance.now();
  await openLoop(idleFrom, idleFrom + seconds * 1000, 430, (t0) => idle.push(performance.now() - t0));
  const driverFloor = summarize(0, seconds, 0, idle);
  log(
    `driver floor (the open-loop driver at 430 items/s, items doing nothing): p50 ${driverFloor.p50Ms.toFixed(2)} ms, p99 ${driverFloor.p99Ms.toFixed(2)} ms`,
  );
  const max1k = await durable('durable-1k-normal-closed32', 1000);
  const intent1k = await durable('durable-1k-intent-closed32', 1000, { durability: 'intent' });
  log(`intent / normal: ${(intent1k.eventsPerSec / max1k.eventsPerSec).toFixed(2)}`);
  const wide1k = await durable('durable-1k-normal-closed128', 1000, { concurrency: 128 });
  // Half the closed-loop maximum (a work item is ~2.2 events): the rate `p99Ms` is measured at.
  const pacedItemsPerSec = Math.round((max1k.eventsPerSec / 2.2) * 0.5);
  const paced = await durable('durable-1k-normal-paced', 1000, { ratePerSec: pacedItemsPerSec });
  // About 1,000 events/s (a work item is 2.3 events on average): a market maker's normal load.
  const lowLoad = await durable('durable-1k-normal-paced-1k', 1000, { ratePerSec: 430 });
  const capacity = await durable('durable-1k-normal-open-overload', 1000, { ratePerSec: 15_000 });
  // The same workload with nothing but the machines' pure transitions, at ~20,000 and ~1,000 events/s.
  const floor = await runXstateFloor({ liveOrders: 1000, seconds, ratePerSec: 8_700 });
  const floorLow = await runXstateFloor({ liveOrders: 1000, seconds, ratePerSec: 430 });
  // And at the rate of the engine's paced run: the floor under `p99Ms`, for the ratio of the two.
  const floorPaced = await runXstateFloor({ liveOrders: 1000, seconds, ratePerSec: pacedItemsPerSec });
  for (const [name, r] of [
    ['xstate-floor-20k', floor],
    ['xstate-floor-1k', floorLow],
    ['xstate-floor-paced', floorPaced],
  ] as const) {
    log(
      `${name} (pure transitions only, no persistence): ${r.eventsPerSec.toFixed(0)} events/s (p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms; ${r.scavenges} scavenges, p99 pause ${r.scavengeP99Ms.toFixed(2)} ms)`,
    );
  }
  log(
    `engine p99 / xstate floor p99 at ${pacedItemsPerSec} items/s: ${paced.p99Ms.toFixed(2)} / ${floorPaced.p99Ms.toFixed(2)} ms = ${(paced.p99Ms / Math.max(floorPaced.p99Ms, 1e-3)).toFixed(1)}`,
  );
  // Bytes allocated per event on the main thread: what sets how often a minor GC pauses it.
  const alloc = await measureAllocation(path.join(work, 'allocation.db'), seconds);
  log(
    `allocation per event at ${alloc.ratePerSec} items/s: durable ${alloc.durable.bytesPerEvent} B (${describeSources(alloc.durable, 6)}); xstate floor ${alloc.floor.bytesPerEvent} B (${describeSources(alloc.floor, 6)})`,
  );
  const ourBytesPerEvent =
    alloc.durable.bytesPerEvent - (alloc.durable.bySource.xstate ?? 0) - (alloc.durable.bySource.bench ?? 0);
  log(`ours (not xstate's, not the benchmark driver's): ${ourBytesPerEvent} B/event`);
  const max10k = await durable('durable-10k-normal-closed32', 10_000);
  const base1k = runBaseline({ dir: path.join(work, 'base-1k'), liveOrders: 1000, seconds });
  log(`baseline-1k (SimpleEngine, whole state per event): ${fmt(base1k)}`);
  const base10k = runBaseline({ dir: path.join(work, 'base-10k'), liveOrders: 10_000, seconds });
  log(`baseline-10k (SimpleEngine, whole state per event): ${fmt(base10k)}`);
  const recDir = path.join(work, 'recovery');
  fs.mkdirSync(recDir);
  await seedLiveOrders(recDir, 10_000);
  const recovery = await measureRecovery(recDir, 10_000, 'bundle');
  log(
    `recovery (npm start's bundle): ${recovery.actors} actors, ready ${recovery.readyMs} ms after process start (wall ${recovery.wallMs.toFixed(0)} ms), RSS ${recovery.rssMb.toFixed(0)} MB`,
  );
  const recoveryTsx = await measureRecovery(recDir, 10_000, 'tsx');
  log(
    `recovery (sources through tsx): ready ${recoveryTsx.readyMs} ms after process start, RSS ${recoveryTsx.rssMb.toFixed(0)} MB`,
  );
  const calls = await runVenueCalls(work, seconds);
  const callFmt = (r: ThroughputResult) =>
    `${r.eventsPerSec.toFixed(0)} orders/s (p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms)`;
  log(`place+ack, paper venue in process, 8 in flight: ${callFmt(calls.paper)}`);
  log(`place+ack, ccxt -> venue simulator over loopback HTTP, 8 in flight: ${callFmt(calls.ccxt)}`);
  const result = {
    eventsPerSec: Math.round(max1k.eventsPerSec),
    p50Ms: Number(paced.p50Ms.toFixed(3)),
    p99Ms: Number(paced.p99Ms.toFixed(3)),
    latencyAtEventsPerSec: Math.round(paced.eventsPerSec),
    xstateFloorP99AtLatencyRateMs: Number(floorPaced.p99Ms.toFixed(3)),
    p99ToFloorRatio: Number((paced.p99Ms / Math.max(floorPaced.p99Ms, 1e-3)).toFixed(2)),
    lowLoadEventsPerSec: Math.round(lowLoad.eventsPerSec),
    lowLoadP50Ms: Number(lowLoad.p50Ms.toFixed(3)),
    lowLoadP99Ms: Number(lowLoad.p99Ms.toFixed(3)),
    gcFloorScavengeP50Ms: Number(gcFloor.p50Ms.toFixed(3)),
    gcFloorScavengeP99Ms: Number(gcFloor.p99Ms.toFixed(3)),
    driverFloorP50Ms: Number(driverFloor.p50Ms.toFixed(3)),
    driverFloorP99Ms: Number(driverFloor.p99Ms.toFixed(3)),
    capacityEventsPerSec: Math.round(capacity.eventsPerSec),
    xstateFloorEventsPerSec: Math.round(floor.eventsPerSec),
    xstateFloorP99Ms: Number(floor.p99Ms.toFixed(3)),
    xstateFloorLowLoadP99Ms: Number(floorLow.p99Ms.toFixed(3)),
    bytesPerEvent: alloc.durable.bytesPerEvent,
    xstateBytesPerEvent: alloc.durable.bySource.xstate ?? 0,
    xstateFloorBytesPerEvent: alloc.floor.bytesPerEvent,
    allocationBySource: alloc.durable.bySource,
    ourBytesPerEvent,
    closed128EventsPerSec: Math.round(wide1k.eventsPerSec),
    closed128P99Ms: Number(wide1k.p99Ms.toFixed(3)),
    saturatedP50Ms: Number(max1k.p50Ms.toFixed(3)),
    saturatedP99Ms: Number(max1k.p99Ms.toFixed(3)),
    intentEventsPerSec: Math.round(intent1k.eventsPerSec),
    intentP99Ms: Number(intent1k.p99Ms.toFixed(3)),
    intentToNormalRatio: Number((intent1k.eventsPerSec / max1k.eventsPerSec).toFixed(3)),
    baselineEventsPerSec: Math.round(base1k.eventsPerSec),
    liveOrders: 1000,
    eventsPerSec10k: Math.round(max10k.eventsPerSec),
    baselineEventsPerSec10k: Math.round(base10k.eventsPerSec),
    speedup10k: Number((max10k.eventsPerSec / base10k.eventsPerSec).toFixed(1)),
    recoveryMs: recovery.readyMs,
    recoveryWallMs: Math.round(recovery.wallMs),
    recoveryLiveOrders: recovery.liveOrders,
    rssMb: Number(recovery.rssMb.toFixed(1)),
    recoveryTsxMs: recoveryTsx.readyMs,
    rssTsxMb: Number(recoveryTsx.rssMb.toFixed(1)),
    paperOrdersPerSec: Math.round(calls.paper.eventsPerSec),
    ccxtOrdersPerSec: Math.round(calls.ccxt.eventsPerSec),
    ccxtPlaceP50Ms: Number(calls.ccxt.p50Ms.toFixed(2)),
    ccxtPlaceP99Ms: Number(calls.ccxt.p99Ms.toFixed(2)),
    synchronous: {
      eventsPerSec: 'NORMAL',
      intentEventsPerSec: 'FULL for commits with call intents, else NORMAL',
      baseline: 'NORMAL',
    },
  };
  if (json) log(JSON.stringify(result));
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
