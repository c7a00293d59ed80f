import { expect, it } from 'vitest';
import { tempDirPerTest } from '../support/test-dir.js';
import { runVenueFuzz } from './venue-fuzz.js';

const tmp = tempDirPerTest('venue-fuzz');
const seed = Number(process.env.STEADFAST_TEST_SEED ?? 20261207);

it(`hostile venue payloads and strategy output: no crash, no partial write, each refusal recorded once (seed ${seed}; rerun with STEADFAST_TEST_SEED=${seed})`, async () => {
  const report = await runVenueFuzz({ runs: 600, seed, dir: tmp.dir });
  expect(report.problems).toEqual([]);
  expect(report).toMatchObject({ crashes: 0, partialWrites: 0, ok: true });
  expect(report.runs).toBe(600);
  expect(report.anomalies).toBeGreaterThan(100);
}, 120_000);
