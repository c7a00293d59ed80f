import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { WatchedConditions } from '../../src/engine/watched-conditions.js';

describe('WatchedConditions', () => {
  it('warns once a condition was seen confirmAfter times in a row, then once per repeatMs, and tells its end', () => {
    const clock = new SimulatedClock();
    clock.set(1000);
    const watch = new WatchedConditions(clock, { confirmAfter: 2, repeatMs: 60_000 });
    expect(watch.holds('a')).toBeNull(); // one observation may be a fill in flight
    clock.increment(5000);
    expect(watch.holds('a')).toEqual({ forMs: 5000, times: 2 });
    clock.increment(5000);
    expect(watch.holds('a')).toBeNull(); // within repeatMs of the last warning
    clock.increment(60_000);
    expect(watch.holds('a')).toEqual({ forMs: 70_000, times: 4 });
    expect(watch.keys()).toEqual(['a']);
    expect(watch.ended('a')).toBe(4);
    expect(watch.keys()).toEqual([]);
    // a condition that ends before it was ever warned about ends silently, and starts over
    expect(watch.holds('b')).toBeNull();
    expect(watch.ended('b')).toBeNull();
    expect(watch.holds('b')).toBeNull();
  });
});
