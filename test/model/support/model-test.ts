import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { TestDialect } from '../../support/dialects.js';
import { tempDir } from '../../support/tmp.js';
import { runPath } from './model-run.js';
import type { ModelTarget } from './model-run.js';
import type { ModelPath } from './path-generator.js';

/** The seed of the generated payloads (`STEADFAST_TEST_SEED` reruns one). */
export const MODEL_SEED = Number(process.env.STEADFAST_TEST_SEED ?? 20260404);

/** Appends the seed to a failure so that it can be rerun. */
function withSeed(err: unknown, seed: number): unknown {
  if (err instanceof Error) err.message += `\n(seed ${seed}; rerun with STEADFAST_TEST_SEED=${seed})`;
  return err;
}

/**
 * Runs a path twice on fresh files: straight, then with the runtime dropped and restored from SQLite
 * between every pair of steps. Each run already matched the model after every step; the two runs must
 * also have left identical databases and identical venue-side effects: the same calls, each sent once.
 */
export async function runTwice(
  target: ModelTarget,
  modelPath: ModelPath,
  seed: number,
  dialect: TestDialect,
): Promise<void> {
  const tmp = tempDir('model');
  try {
    const dirs = ['straight', 'restored'].map((d) => path.join(tmp.dir, d));
    for (const d of dirs) fs.mkdirSync(d);
    const straight = await runPath(target, modelPath, 'straight', dirs[0]!, dialect);
    const restored = await runPath(target, modelPath, 'restored', dirs[1]!, dialect);
    expect(straight.resumed, 'a straight run resumes nothing').toBe(0);
    const keys = straight.sent.map((c) => c.key);
    expect(new Set(keys).size, 'no call sent twice').toBe(keys.length);
    target.expectSent?.(straight.oracle, straight.sent);
    expect(restored.sent, 'calls sent to the venue, restored vs straight').toEqual(straight.sent);
    expect(restored.venueLog, "the paper venue's request log, restored vs straight").toEqual(
      straight.venueLog,
    );
    expect(restored.tables, 'engine database, restored vs straight').toEqual(straight.tables);
  } catch (err) {
    throw withSeed(err, seed);
  } finally {
    tmp.cleanup();
  }
}
