import { runVenueFuzz } from './venue-fuzz.js';

/**
 * `npm run fuzz -- [--runs N] [--seed S] [--json]`: hostile venue payloads and strategy output (see
 * venue-fuzz.ts), N cases in all, a third for each target, from seed S (default: 1,000 and a seed of this
 * run, printed).
 * Prints a summary and, with --json, one JSON object on the last line:
 * `{ "runs", "crashes", "partialWrites", "anomalies", "ok" }`. Exit 0 only when ok.
 */
const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const number = (name: string, fallback: number): number => {
  const raw = arg(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(
      `steadfast fuzz: ${name} must be a non-negative integer, got ${JSON.stringify(raw)}\n`,
    );
    process.exit(2);
  }
  return n;
};
const runs = number('--runs', 1000);
const seed = number('--seed', Date.now() % 2 ** 31);
const report = await runVenueFuzz({ runs, seed });
process.stdout.write(
  `fuzz (seed ${seed}; rerun with --seed ${seed}): ${report.runs} cases, ${report.crashes} crashes, ` +
    `${report.partialWrites} partial writes, ${report.anomalies} refusals recorded: ${report.ok ? 'ok' : 'FAILED'}\n`,
);
for (const p of report.problems) process.stdout.write(`  ${p}\n`);
if (args.includes('--json')) {
  const { runs: n, crashes, partialWrites, anomalies, ok } = report;
  process.stdout.write(`${JSON.stringify({ runs: n, crashes, partialWrites, anomalies, ok })}\n`);
}
process.exit(report.ok ? 0 : 1);
