import { spawnSync } from 'node:child_process';

/** Minor-GC pauses of a trivial program on this machine. */
export interface GcFloor {
  scavenges: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * A program that does nothing but allocate small short-lived objects (keeping the latest 1,000 of them,
 * like 1,000 live actors being replaced) for 3 s, run in its own process. Its scavenge (minor GC) pauses
 * are a floor under any latency figure of a JavaScript engine on this machine: no code of ours runs in it.
 */
const SOURCE = `
const { PerformanceObserver } = require('node:perf_hooks');
const pauses = [];
new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.detail.kind === 1) pauses.push(e.duration); })
  .observe({ entryTypes: ['gc'] });
const keep = new Map();
let i = 0;
const t0 = Date.now();
(function loop() {
  for (let k = 0; k < 2000; k++) {
    const o = { a: i++, b: 'x' + i, c: [1, 2, 3], d: { e: i } };
    if (k % 10 === 0) keep.set(i % 1000, o);
  }
  if (Date.now() - t0 < 3000) setImmediate(loop);
  else setTimeout(() => {
    pauses.sort((a, b) => a - b);
    const at = (p) => pauses[Math.min(pauses.length - 1, Math.floor(p * pauses.length))] ?? 0;
    console.log(JSON.stringify({ scavenges: pauses.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: pauses.at(-1) ?? 0 }));
  }, 100);
})();
`;

/** Runs the trivial program and returns its scavenge pauses. */
export function measureGcFloor(): GcFloor {
  const run = spawnSync(process.execPath, ['-e', SOURCE], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`gc floor probe failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim()) as GcFloor;
}
