import { Session } from 'node:inspector/promises';
import { systemClock } from '../src/domain/clock.js';
import { runDurable } from './durable.js';
import type { MeasuredSpan } from './durable.js';
import { runXstateFloor } from './xstate-floor.js';

/** Bytes allocated on the main thread per durable event, in all and by where the allocating code lives. */
export interface AllocationResult {
  events: number;
  bytesPerEvent: number;
  /** Bytes per event by source: `xstate`, `big.js`, `kysely`, `src/<dir>`, `bench`, `other`. */
  bySource: Record<string, number>;
}

interface ProfileNode {
  callFrame: { url: string; functionName: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Where a frame's code lives; frames without a source file (V8 builtins, natives) are charged to their caller. */
function sourceOf(url: string, caller: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(src\/[^/]+|bench)\//.exec(url);
  if (ours) return ours[1]!;
  return url === '' || url.startsWith('node:') ? caller : 'other';
}

/**
 * Samples every allocation of this thread (V8's sampling heap profiler, keeping samples of objects that
 * later died in a minor or major GC) between `begin` and `end`. Allocation, unlike latency, does not move
 * with a noisy machine: it is what sets how often the young generation is collected, and so how many
 * events wait behind a minor-GC pause. The SQLite writer thread is another isolate and is not counted.
 */
export function allocationSampler(samplingIntervalBytes = 4096): MeasuredSpan & {
  result(events: number): AllocationResult;
  sites(events: number): AllocationSite[];
} {
  const session = new Session();
  let profile: { head: ProfileNode } | undefined;
  return {
    async begin(): Promise<void> {
      session.connect();
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: samplingIntervalBytes,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    },
    async end(): Promise<void> {
      profile = (await session.post('HeapProfiler.stopSampling')).profile as unknown as {
        head: ProfileNode;
      };
      session.disconnect();
    },
    /** Bytes per event of what was sampled. */
    result(events: number): AllocationResult {
      if (profile === undefined) throw new Error('allocationSampler: result() before end()');
      const bySource: Record<string, number> = {};
      let total = 0;
      const walk = (node: ProfileNode, caller: string) => {
        const source = sourceOf(node.callFrame.url, caller);
        bySource[source] = (bySource[source] ?? 0) + node.selfSize;
        total += node.selfSize;
        for (const child of node.children) walk(child, source);
      };
      walk(profile.head, 'other');
      const perEvent = (bytes: number) => Math.round(bytes / Math.max(1, events));
      const sorted = Object.entries(bySource).sort((a, b) => b[1] - a[1]);
      return {
        events,
        bytesPerEvent: perEvent(total),
        bySource: Object.fromEntries(sorted.map(([k, v]) => [k, perEvent(v)])),
      };
    },
    /**
     * Bytes per event by allocating function, largest first. A frame without a source file (a builtin such
     * as JSON.stringify or Object.assign) is named with the nearest caller that has one.
     */
    sites(events: number): AllocationSite[] {
      if (profile === undefined) throw new Error('allocationSampler: sites() before end()');
      const bytes = new Map<string, { source: string; bytes: number }>();
      const walk = (node: ProfileNode, caller: string, callerSite: string) => {
        const { url, functionName, lineNumber, columnNumber } = node.callFrame;
        const source = sourceOf(url, caller);
        const own = /\/(src\/.*|bench\/.*|node_modules\/.*)$/.exec(url)?.[1];
        const name = functionName === '' ? '(anonymous)' : functionName;
        const site =
          own !== undefined
            ? `${name} ${own}:${lineNumber + 1}:${columnNumber}`
            : url === '' || url.startsWith('node:')
              ? `${name} <- ${callerSite}`
              : `${name} ${url}`;
        if (node.selfSize > 0) {
          const entry = bytes.get(site) ?? { source, bytes: 0 };
          entry.bytes += node.selfSize;
          bytes.set(site, entry);
        }
        for (const child of node.children) walk(child, source, own !== undefined ? site : callerSite);
      };
      walk(profile.head, 'other', '(root)');
      return [...bytes.entries()]
        .map(([site, v]) => ({ site, source: v.source, bytesPerEvent: v.bytes / Math.max(1, events) }))
        .sort((a, b) => b.bytesPerEvent - a.bytesPerEvent);
    },
  };
}

/** Bytes per event allocated by one function (see allocationSampler's `sites`). */
export interface AllocationSite {
  site: string;
  source: string;
  bytesPerEvent: number;
}

/** `source bytes, …` for the `top` largest sources of a result. */
export function describeSources(result: AllocationResult, top = Infinity): string {
  return Object.entries(result.bySource)
    .slice(0, top)
    .map(([source, bytes]) => `${source} ${bytes}`)
    .join(', ');
}

/** Allocation per event of the durable engine and of the xstate floor, on the same open-loop workload. */
export interface AllocationFigures {
  durable: AllocationResult;
  floor: AllocationResult;
  /** Work items offered per second in both runs. */
  ratePerSec: number;
}

/**
 * Measures bytes allocated per event at ~10,000 events/s (4,350 work items/s) for the durable engine
 * (SQLite file `file`, `synchronous=NORMAL`) and for the xstate floor. The sampler slows both runs, so
 * their latencies are not reported.
 */
export async function measureAllocation(file: string, seconds: number): Promise<AllocationFigures> {
  const ratePerSec = 4_350;
  const durableSampler = allocationSampler();
  const run = await runDurable({
    file,
    durability: 'normal',
    liveOrders: 1000,
    seconds,
    concurrency: 0,
    ratePerSec,
    clock: systemClock,
    measured: durableSampler,
  });
  const floorSampler = allocationSampler();
  const floor = await runXstateFloor({ liveOrders: 1000, seconds, ratePerSec, measured: floorSampler });
  return {
    durable: durableSampler.result(run.events),
    floor: floorSampler.result(floor.events),
    ratePerSec,
  };
}
