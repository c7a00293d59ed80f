import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../support/tmp.js';
import { TransitionTracer, machineStructure } from './machine-graph.js';
import type { ModelPath, ModelSpec } from './path-generator.js';

/**
 * Coverage of a machine by its generated paths, counted against the machine's own definition: every
 * state node and every transition (including `after`, invoke done/error and `always` ones). Written to
 * `test-artifacts/model-coverage/<machine id>.json` for `npm run test:model` to print.
 */

/** Covered and total states and transitions of one machine, with what is not covered. */
export interface CoverageReport {
  machine: string;
  paths: number;
  steps: number;
  states: { covered: number; total: number; uncovered: string[] };
  transitions: { covered: number; total: number; uncovered: string[] };
}

/** Where the reports are written. */
export const COVERAGE_DIR = path.join(repoRoot, 'test-artifacts', 'model-coverage');

/** Replays every path through the machine and counts what they cover. */
export function coverageOf(spec: ModelSpec, paths: readonly ModelPath[]): CoverageReport {
  const structure = machineStructure(spec.machine);
  const tracer = new TransitionTracer(spec.machine);
  const states = new Set<string>();
  const transitions = new Set<string>();
  for (const p of paths) {
    const t = tracer.trace(spec.input, p.events);
    t.states.forEach((s) => states.add(s));
    t.transitions.forEach((id) => transitions.add(id));
  }
  const uncoveredStates = structure.states.filter((s) => !states.has(s));
  const uncoveredTransitions = structure.transitions.map((t) => t.id).filter((id) => !transitions.has(id));
  return {
    machine: structure.machineId,
    paths: paths.length,
    steps: paths.reduce((n, p) => n + p.events.length, 0),
    states: {
      covered: structure.states.length - uncoveredStates.length,
      total: structure.states.length,
      uncovered: uncoveredStates,
    },
    transitions: {
      covered: structure.transitions.length - uncoveredTransitions.length,
      total: structure.transitions.length,
      uncovered: uncoveredTransitions,
    },
  };
}

/** Writes a machine's report (replacing an older one). */
export function writeCoverage(report: CoverageReport): void {
  fs.mkdirSync(COVERAGE_DIR, { recursive: true });
  fs.writeFileSync(path.join(COVERAGE_DIR, `${report.machine}.json`), `${JSON.stringify(report, null, 2)}\n`);
}

/** Reads a machine's report, or null when none was written. */
export function readCoverage(machine: string): CoverageReport | null {
  const file = path.join(COVERAGE_DIR, `${machine}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as CoverageReport) : null;
}

/** `coverage <machine>: states <covered>/<total>, transitions <covered>/<total>` */
export function coverageLine(r: CoverageReport): string {
  return (
    `coverage ${r.machine}: states ${r.states.covered}/${r.states.total}, ` +
    `transitions ${r.transitions.covered}/${r.transitions.total}`
  );
}
