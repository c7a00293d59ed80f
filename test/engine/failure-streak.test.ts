import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { FailureStreak, FailureStreaks } from '../../src/engine/failure-streak.js';
import { recordingLogger as recording } from '../support/ccxt-venue.js';

describe('FailureStreak', () => {
  it('warns on the first failure, then once per interval with the count, and says when it recovered', () => {
    const clock = new SimulatedClock();
    const logger = recording();
    const streak = new FailureStreak(logger, clock, 'strategy tick', 10_000);
    for (let t = 0; t < 25_000; t += 100) {
      clock.set(t);
      streak.failed({ code: 'STRATEGY_TICK_FAILING', symbol: 'BTC/USDT' }, new Error('503'));
    }
    expect(streak.failures).toBe(250);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => [l.msg, l.obj.failures, l.obj.failingForMs])).toEqual([
      ['strategy tick failed', undefined, undefined],
      ['strategy tick still failing', 101, 10_000],
      ['strategy tick still failing', 201, 20_000],
    ]);
    expect(warnings[0]!.obj).toEqual({ code: 'STRATEGY_TICK_FAILING', symbol: 'BTC/USDT', err: '503' });
    expect(logger.lines.filter((l) => l.level === 'debug')).toHaveLength(247);

    clock.set(30_000);
    streak.succeeded({ symbol: 'BTC/USDT' });
    streak.succeeded({ symbol: 'BTC/USDT' }); // no streak any more: nothing to say
    expect(logger.lines.filter((l) => l.level === 'info').map((l) => [l.msg, l.obj])).toEqual([
      ['strategy tick recovered', { symbol: 'BTC/USDT', failures: 250, failedForMs: 30_000 }],
    ]);
    expect(streak.failures).toBe(0);

    streak.failed({ code: 'STRATEGY_TICK_FAILING', symbol: 'BTC/USDT' }, new Error('again'));
    expect(logger.lines.at(-1)).toMatchObject({ level: 'warn', msg: 'strategy tick failed' });
  });

  it('FailureStreaks keeps one streak per key', () => {
    const clock = new SimulatedClock();
    const logger = recording();
    const streaks = new FailureStreaks(logger, clock, 'gap-fill');
    streaks.of('BTC/USDT').failed({ code: 'GAP_FILL_FAILING', symbol: 'BTC/USDT' }, new Error('503'));
    streaks.of('BTC/USDT').failed({ code: 'GAP_FILL_FAILING', symbol: 'BTC/USDT' }, new Error('503'));
    streaks.of('ETH/USDT').failed({ code: 'GAP_FILL_FAILING', symbol: 'ETH/USDT' }, new Error('503'));
    expect(streaks.of('BTC/USDT')).toBe(streaks.of('BTC/USDT'));
    expect([streaks.of('BTC/USDT').failures, streaks.of('ETH/USDT').failures]).toEqual([2, 1]);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.obj.symbol)).toEqual([
      'BTC/USDT',
      'ETH/USDT',
    ]);
  });
});
