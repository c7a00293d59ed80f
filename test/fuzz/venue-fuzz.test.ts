import { expect, it } from 'vitest';
import { tempDirPerTest } from '../support/test-dir.js';
import { runVenueFuzz } from './venue-fuzz.js';
import { runWsFuzz } from './ws-fuzz.js';

const tmp = tempDirPerTest('venue-fuzz');
const seed = Number(process.env.STEADFAST_TEST_SEED ?? 20261207);

it(`hostile venue payloads and strategy output: no crash, no partial write, each refusal recorded once (seed ${seed}; rerun with STEADFAST_TEST_SEED=${seed})`, async () => {
  const report = await runVenueFuzz({ runs: 600, seed, dir: tmp.dir });
  expect(report.problems).toEqual([]);
  expect(report).toMatchObject({ crashes: 0, partialWrites: 0, ok: true });
  expect(report.runs).toBe(600);
  expect(report.anomalies).toBeGreaterThan(100);
}, 120_000);

it(`hostile executionReports and frames over the simulator's WebSocket to the real ccxt client and an engine: no crash or dropped stream, each refusal recorded once, nothing dropped without a trace (seed ${seed}; rerun with STEADFAST_TEST_SEED=${seed})`, async () => {
  const report = await runWsFuzz({ runs: 200, seed, dir: tmp.dir });
  expect(report.problems).toEqual([]);
  expect(report.untracedCases).toEqual([]);
  expect(report).toMatchObject({ runs: 200, crashes: 0, partialWrites: 0, untraced: 0 });
  expect(report.anomalies).toBeGreaterThan(50);
}, 120_000);
