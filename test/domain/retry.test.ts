import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { VenueError } from '../../src/adapters/venue.js';
import { retryRead, startupRetry } from '../../src/domain/retry.js';
import type { ReadRetry } from '../../src/domain/retry.js';

/** A read failing with `errors` in turn, then answering 'ok'; records when (simulated ms) it was called. */
function scripted(clock: SimulatedClock, errors: unknown[]) {
  const calls: number[] = [];
  const read = async () => {
    calls.push(clock.now());
    const err = errors[calls.length - 1];
    if (err !== undefined) throw err;
    return 'ok';
  };
  return { calls, read };
}

/** Runs `retryRead` to its end, moving the simulated clock 10 ms at a time while it waits. */
async function run(clock: SimulatedClock, read: () => Promise<string>, policy?: ReadRetry) {
  let settled = false;
  const outcome = retryRead(clock, read, policy).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  void outcome.finally(() => (settled = true));
  while (!settled) {
    await new Promise((r) => setImmediate(r));
    if (!settled) clock.increment(10);
  }
  return outcome;
}

const unknown = () => new VenueError('unknown', 'binance fetchBalance: outcome unknown: 503');

describe('retryRead', () => {
  it('retries transient failures with exponential backoff and returns the answer', async () => {
    const clock = new SimulatedClock();
    const { calls, read } = scripted(clock, [unknown(), unknown(), unknown()]);
    expect(await run(clock, read)).toEqual({ value: 'ok' });
    expect(calls).toEqual([0, 100, 300, 700]);
  });

  it('waits the Retry-After of a rate limit instead of the backoff', async () => {
    const clock = new SimulatedClock();
    const limited = new VenueError('rateLimited', 'banned', { retryAfterMs: 1000 });
    const { calls, read } = scripted(clock, [limited]);
    expect(await run(clock, read)).toEqual({ value: 'ok' });
    expect(calls).toEqual([0, 1000]);
  });

  it('gives up at once on a definite refusal, and after the attempts on transient failures', async () => {
    const clock = new SimulatedClock();
    const refused = new VenueError('rejected', 'the venue refused the API key');
    const first = scripted(clock, [refused]);
    expect(await run(clock, first.read)).toEqual({ error: refused });
    expect(first.calls).toHaveLength(1);
    const errors = Array.from({ length: 10 }, unknown);
    const second = scripted(clock, errors);
    expect(await run(clock, second.read, { attempts: 3 })).toEqual({ error: errors[2] });
    expect(second.calls).toHaveLength(3);
  });

  it('stops within the time budget and caps each wait', async () => {
    const clock = new SimulatedClock();
    const errors = Array.from({ length: 100 }, unknown);
    const { calls, read } = scripted(clock, errors);
    const outcome = await run(clock, read, { attempts: Infinity, budgetMs: 5_000, maxDelayMs: 1_000 });
    expect(outcome).toEqual({ error: errors[calls.length - 1] });
    // 100, 200, 400, 800, then 1,000 each: no attempt would start after 5 s.
    expect(calls).toEqual([0, 100, 300, 700, 1500, 2500, 3500, 4500]);
  });

  it('the start-up policy warns on every retry, naming what it reads', async () => {
    const clock = new SimulatedClock();
    const warnings: object[] = [];
    const logger = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (obj: object, msg?: string) => warnings.push({ ...obj, msg }),
    };
    const { read } = scripted(clock, [unknown(), unknown()]);
    expect(await run(clock, read, startupRetry(10_000, logger, 'account check'))).toEqual({ value: 'ok' });
    expect(warnings).toEqual([
      expect.objectContaining({ what: 'account check', attempt: 1, waitMs: 100, msg: expect.any(String) }),
      expect.objectContaining({ what: 'account check', attempt: 2, waitMs: 200 }),
    ]);
    expect(JSON.stringify(warnings[0])).toContain('503');
  });
});
