import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extend } from '../../src/domain/extend.js';
import { repoRoot } from '../support/tmp.js';
import { tempDirPerTest } from '../support/test-dir.js';

// Runs in a child node with natives syntax: counts how many results of 2,000 calls have a hidden class
// (map) other than the previous result's. `new Function` keeps the natives call away from the transpiler.
const probeSource = `
const { extend } = await import(${JSON.stringify(path.join(repoRoot, 'src/domain/extend.ts'))});
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)');
const make = (i) => ({ type: 'ORDER_FILLED', tradeId: 't' + i, quantity: '0.25' });
const count = (build) => {
  let previous = null;
  let changes = 0;
  for (let i = 0; i < 2000; i += 1) {
    const next = build(make(i), i);
    if (previous !== null && !sameMap(previous, next)) changes += 1;
    previous = next;
  }
  return changes;
};
process.stdout.write(JSON.stringify({
  extend: count((e, i) => extend(e, { at: i })),
  literal: count((e, i) => ({ ...e, at: i })),
}));
`;

describe('extend', () => {
  const t = tempDirPerTest('extend');

  it('copies base and adds or replaces the fields of extra, leaving both inputs unchanged', () => {
    const base = { type: 'X', at: 1, n: 2 };
    const extra = { at: 5, to: 'a' };
    const out = extend(base, extra);
    expect(out).toEqual({ type: 'X', at: 5, n: 2, to: 'a' });
    expect(out).not.toBe(base);
    expect(base).toEqual({ type: 'X', at: 1, n: 2 });
    expect(extra).toEqual({ at: 5, to: 'a' });
  });

  const probe = (): { extend: number; literal: number } => {
    const file = path.join(t.dir, 'probe.mjs');
    fs.writeFileSync(file, probeSource);
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', file], {
      cwd: repoRoot,
    });
    return JSON.parse(out.toString()) as { extend: number; literal: number };
  };

  it('gives every result one hidden class', () => {
    const { extend: changes, literal } = probe();
    expect(changes, `map changes over 2,000 results: extend ${changes}, literal ${literal}`).toBe(0);
  });

  // Why extend exists. On a Node whose V8 no longer does this, the test is skipped, not failed.
  it.runIf(process.versions.node.startsWith('20.'))(
    'on Node 20, the spread literal it replaces gives nearly every result a hidden class of its own',
    () => {
      expect(probe().literal).toBeGreaterThan(1000);
    },
  );
});
