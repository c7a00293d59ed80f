import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { machineRegistry } from '../../../src/machines/registry.js';
import { repoRoot } from '../../support/tmp.js';
import { COVERAGE_DIR, coverageLine, readCoverage } from './coverage-report.js';

/**
 * `npm run test:model`: runs the model-based tests alone (vitest on test/model, extra arguments passed
 * on), then prints one coverage line per machine of the registry, last:
 * `coverage <machine>: states <covered>/<total>, transitions <covered>/<total>`.
 * Exits non-zero if vitest failed or a machine has no coverage report (no model test ran for it).
 */

const require = createRequire(import.meta.url);
const vitest = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');

fs.rmSync(COVERAGE_DIR, { recursive: true, force: true });
const run = spawnSync(process.execPath, [vitest, 'run', 'test/model', ...process.argv.slice(2)], {
  cwd: repoRoot,
  stdio: 'inherit',
});
let status = run.status ?? 1;
const lines: string[] = [];
const first = ['order', 'adjustOrders', 'positionBook'];
const machines = [...first, ...Object.keys(machineRegistry).filter((m) => !first.includes(m))];
for (const machine of machines) {
  const report = readCoverage(machine);
  if (report === null) {
    lines.push(`coverage ${machine}: no report (its model test did not run)`);
    status = status === 0 ? 1 : status;
  } else {
    lines.push(coverageLine(report));
  }
}
process.stdout.write(`\n${lines.join('\n')}\n`);
process.exit(status);
