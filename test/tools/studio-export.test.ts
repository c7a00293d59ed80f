import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';
import { machineRegistry } from '../../src/machines/registry.js';
import { stateNodesOf } from '../../src/tools/studio-code.js';
import { runNpm } from '../support/cli-helpers.js';
import type { Finished } from '../support/cli-helpers.js';
import { repoRoot } from '../support/tmp.js';

/**
 * `npm run studio:export -- --out <dir>` writes every machine of the registry as a `createMachine({...})`
 * module; importing that module must rebuild the very machine the code defines (same states, same
 * transitions, guards, actions, invokes and delays by name), so the export is complete and in sync.
 */

// Inside the repository (git-ignored) so that the exported modules resolve `xstate` when imported.
const out = path.join(repoRoot, 'test-artifacts', `studio-export-${crypto.randomUUID()}`);
const machines = Object.entries(machineRegistry).map(([id, entry]) => [id, entry.machine] as const);
let run: Finished;

beforeAll(async () => {
  run = await runNpm(['run', '--silent', 'studio:export', '--', '--out', out]);
}, 60_000);

afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

/** The machine a module exports (its only export). */
async function exported(file: string): Promise<AnyStateMachine> {
  const module = (await import(pathToFileURL(file).href)) as Record<string, AnyStateMachine>;
  const values = Object.values(module);
  expect(values).toHaveLength(1);
  return values[0]!;
}

describe('studio:export', () => {
  it('writes one module per machine of the registry and says so', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(machines.map(([id]) => `${id}.ts`).sort());
    for (const [id] of machines) expect(run.stdout).toContain(path.join(out, `${id}.ts`));
  });

  it.each(machines)('%s: a createMachine() module naming every state', (id, machine) => {
    const source = fs.readFileSync(path.join(out, `${id}.ts`), 'utf8');
    expect(source).toMatch(/^export const \w+ = createMachine\(\{$/m);
    expect(source).not.toMatch(/\bsetup\(/);
    const states = stateNodesOf(machine);
    expect(states.length).toBeGreaterThan(0);
    for (const node of states)
      expect(source, `state ${node.id}`).toMatch(new RegExp(`^\\s+${node.key}: \\{`, 'm'));
  });

  it.each(machines)('%s: the module rebuilds the machine defined in the code', async (id, machine) => {
    const copy = await exported(path.join(out, `${id}.ts`));
    expect(copy.id).toBe(machine.id);
    expect(stateNodesOf(copy).map((n) => n.id)).toEqual(stateNodesOf(machine).map((n) => n.id));
    // Transitions with their guards, targets and actions; entry/exit actions, invokes, delays, tags.
    expect(JSON.parse(JSON.stringify(copy.root.definition))).toEqual(
      JSON.parse(JSON.stringify(machine.root.definition)),
    );
    expect(JSON.parse(JSON.stringify(toDirectedGraph(copy)))).toEqual(
      JSON.parse(JSON.stringify(toDirectedGraph(machine))),
    );
  });

  it('refuses to run without --out, naming the flag, with exit code 2', async () => {
    const missing = await runNpm(['run', '--silent', 'studio:export']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--out <dir>' not specified");
  });

  it('refuses an --out that is a file, naming the flag, with exit code 2 and writing nothing', async () => {
    const file = path.join(repoRoot, 'test-artifacts', `studio-export-file-${crypto.randomUUID()}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'not a directory');
    try {
      const refused = await runNpm(['run', '--silent', 'studio:export', '--', '--out', file]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--out');
      expect(fs.readFileSync(file, 'utf8')).toBe('not a directory');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
