import { describe, expect, it } from 'vitest';
import { quotedMid } from '../../visualizer/dashboard-model.js';
import { StepSeries, bucketStarts, bucketWidth } from '../../visualizer/step-series.js';

/** The dashboard's bucketing: a step series sampled at the end of each bucket. */
describe('step series and buckets', () => {
  const series = () => {
    const s = new StepSeries<string>();
    s.push(1000, 'a');
    s.push(1500, 'b');
    s.push(1500, 'c');
    s.push(3200, 'd');
    return s;
  };

  it('samples the last value before each bucket ends, null before the first change', () => {
    expect(series().sample([0, 1000, 2000, 3000, 4000], 1000)).toEqual([null, 'c', 'c', 'd', 'd']);
    expect(series().sample([1200], 100)).toEqual(['a']);
    expect(series().sample([], 1000)).toEqual([]);
  });

  it('keeps change points in time order', () => {
    const s = series();
    s.push(3100, 'e');
    expect(s.at.at(-1)).toBe(3200);
    expect(s.sample([3000], 1000)).toEqual(['e']);
    expect(s.lastAtOrBefore(999)).toBe(-1);
    expect(s.lastAtOrBefore(1500)).toBe(2);
  });

  it('picks 1-2-5 bucket widths from 100 ms, so that the span takes at most the points asked for', () => {
    expect(bucketWidth(0, 300)).toBe(100);
    expect(bucketWidth(30_000, 300)).toBe(100);
    expect(bucketWidth(30_001, 300)).toBe(200);
    expect(bucketWidth(3_600_000, 300)).toBe(20_000);
    expect(bucketWidth(86_400_000, 500)).toBe(200_000);
    for (const [span, points] of [
      [123_456, 10],
      [9_999_999, 500],
      [1, 10],
    ] as const)
      expect(bucketStarts(5, 5 + span, bucketWidth(span, points)).length).toBeLessThanOrEqual(points + 2);
  });

  it('aligns bucket starts to multiples of the width', () => {
    expect(bucketStarts(1250, 1800, 200)).toEqual([1200, 1400, 1600, 1800]);
  });

  it('takes the quoted mid between the highest bid and the lowest ask, exactly', () => {
    const desired = [
      { side: 'buy', price: '100.1' },
      { side: 'buy', price: '100.3' },
      { side: 'sell', price: '100.8' },
      { side: 'sell', price: '100.6' },
    ];
    expect(quotedMid(desired)).toBe('100.45');
    expect(
      quotedMid([
        { side: 'buy', price: '0.1' },
        { side: 'sell', price: '0.2' },
      ]),
    ).toBe('0.15');
    expect(quotedMid(desired.slice(0, 2))).toBeNull();
  });
});
