import { initialTransition } from 'xstate';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { getStateNodes } from 'xstate/graph';

/**
 * Turns a machine definition into a module Stately Studio imports ("Import from code" reads a
 * `createMachine({...})` call): the machine's config as plain data. Every guard, action, actor and delay
 * of our machines is named in `setup`, so the config refers to them by name and loses nothing but their
 * bodies (and the context factory and invoke inputs, which are functions). The context shown is what
 * the factory returns without input (every field at its default).
 */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A single-quoted JavaScript string literal. */
const quote = (s: string): string =>
  `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;

/** A JavaScript literal for plain JSON data, with unquoted keys where possible, indented by two spaces. */
export function toLiteral(value: unknown, indent = ''): string {
  if (typeof value === 'string') return quote(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${inner}${toLiteral(v, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const key = (k: string) => (IDENTIFIER.test(k) ? k : quote(k));
  return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${toLiteral(v, inner)},`).join('\n')}\n${indent}}`;
}

/** Every state node below the root (xstate/graph's own walk). */
export function stateNodesOf(machine: AnyStateMachine): AnyStateNode[] {
  return getStateNodes(machine.root);
}

/** Number of transitions of a machine (every `on`, `after`, invoke done/error and `always` branch). */
export function transitionCount(machine: AnyStateMachine): number {
  let n = 0;
  for (const node of [machine.root, ...stateNodesOf(machine)]) {
    for (const list of node.transitions.values()) n += list.length;
    n += node.always?.length ?? 0;
  }
  return n;
}

/** The machine's config as plain data (functions dropped), with its default context. */
export function studioConfig(machine: AnyStateMachine): Record<string, unknown> {
  const config = JSON.parse(JSON.stringify(machine.config)) as Record<string, unknown>;
  const [initial] = initialTransition(machine, undefined);
  const { id, ...rest } = config;
  return { id, context: JSON.parse(JSON.stringify(initial.context)) as unknown, ...rest };
}

const names = (record: Record<string, unknown> | undefined): string =>
  Object.keys(record ?? {}).join(', ') || '(none)';

/** The source of `<machine id>.ts`: one exported `createMachine({...})` call. */
export function studioModule(machine: AnyStateMachine, version: number): string {
  const impl = machine.implementations as unknown as Record<string, Record<string, unknown> | undefined>;
  const constName = `${machine.id.replace(/[^\w$]/g, '_')}Machine`;
  return [
    `// The '${machine.id}' machine of Steadfast (definition version ${version}), exported by`,
    '// `npm run studio:export` from src/machines. Do not edit: export again after changing the machine.',
    '// Stately Studio: Import from code (see README, "Stately Studio"). Implementations are referenced by',
    '// name only; their code stays in src/machines:',
    `//   actions: ${names(impl.actions)}`,
    `//   guards: ${names(impl.guards)}`,
    `//   actors: ${names(impl.actors)}`,
    `//   delays: ${names(impl.delays)}`,
    "import { createMachine } from 'xstate';",
    '',
    `export const ${constName} = createMachine(${toLiteral(studioConfig(machine))});`,
    '',
  ].join('\n');
}
