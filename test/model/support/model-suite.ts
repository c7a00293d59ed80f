import { describe, expect, it } from 'vitest';
import { dialects } from '../../support/dialects.js';
import { coverageLine, coverageOf, writeCoverage } from './coverage-report.js';
import type { ModelTarget } from './model-run.js';
import { MODEL_SEED, runTwice } from './model-test.js';
import { generatePaths } from './path-generator.js';

/**
 * The model-based suite of one machine: paths generated from the machine with xstate/graph, each its own
 * test run twice through the runtime (straight, and restored from the database between every pair of steps), on each dialect,
 * then a test that every state and every transition of the machine is covered by those paths.
 */
export function modelSuite(name: string, makeTarget: (seed: number) => ModelTarget): void {
  const target = makeTarget(MODEL_SEED);
  const generated = generatePaths(target.spec);
  const machine = target.spec.machine.id;
  describe(`${name}, model-based (seed ${MODEL_SEED}; rerun with STEADFAST_TEST_SEED=${MODEL_SEED})`, () => {
    describe.each(dialects)('$name', (dialect) => {
      it.skipIf(!dialect.runs).each(generated.paths.map((p) => [p.name, p] as const))(
        '%s',
        async (_name, path) => {
          await runTwice(target, path, MODEL_SEED, dialect);
        },
      );
    });

    it(`covers every state and every transition of the ${machine} machine`, () => {
      const report = coverageOf(target.spec, generated.paths);
      writeCoverage(report);
      expect(report.states.uncovered, `${coverageLine(report)}: states not covered`).toEqual([]);
      expect(report.transitions.uncovered, `${coverageLine(report)}: transitions not covered`).toEqual([]);
    });
  });
}
