import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_V8_FLAGS } from '../../src/cli/heap-tuning.js';
import { repoRoot } from '../support/tmp.js';
import { tempDirPerTest } from '../support/test-dir.js';

const probeSource = `
import v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
for (const flag of process.argv.slice(2)) v8.setFlagsFromString(flag);
let scavenges = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.detail.kind === 1) scavenges += 1;
});
observer.observe({ entryTypes: ['gc'] });
// One allocation site whose objects all outlive a minor GC, like an actor's newest snapshot: V8 pretenures
// such a site (its objects then skip the young generation) unless pretenuring is off.
const ring = new Array(200_000);
const make = (i) => ({ i, pair: [i, i + 1] });
for (let i = 0; i < 3_000_000; i += 1) ring[i % ring.length] = make(i);
await new Promise((r) => setTimeout(r, 50));
observer.disconnect();
process.stdout.write(JSON.stringify({ scavenges }));
`;

describe('engine V8 flags', () => {
  const t = tempDirPerTest('heap-tuning');

  /** Minor GCs of the probe in a plain node process (as `npm start` runs) with `flags` set at run time. */
  const probe = (flags: readonly string[]): number => {
    const file = path.join(t.dir, 'probe.mjs');
    fs.writeFileSync(file, probeSource);
    const out = execFileSync(process.execPath, [file, ...flags], { cwd: t.dir });
    return (JSON.parse(out.toString()) as { scavenges: number }).scavenges;
  };

  it('its flags, set at run time as tuneHeap does, turn allocation-site pretenuring off', () => {
    // Pretenured, the site's objects go to the old generation and the young one rarely fills: measured
    // 10 minor GCs against 46 with pretenuring off (Node 20.20, seven runs each, no variation).
    const control = probe([]);
    const tuned = probe(ENGINE_V8_FLAGS);
    expect(tuned, `minor GCs: tuned ${tuned}, control ${control}`).toBeGreaterThanOrEqual(2 * control);
  });

  it('the CLI entry sets them before it does anything else', () => {
    const main = fs.readFileSync(path.join(repoRoot, 'src/main.ts'), 'utf8');
    const firstStatement = /^(?!import\s|\/\/|#!|\s*$).*$/m.exec(main)?.[0];
    expect(firstStatement).toBe('tuneHeap();');
  });
});
