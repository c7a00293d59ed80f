/**
 * A step function of time: each change point holds its value until the next one. Change points are kept
 * in time order (a point stamped earlier than the last one is moved up to it: journal times of different
 * actors may interleave by a millisecond or two).
 */
export class StepSeries<T> {
  readonly at: number[] = [];
  readonly values: T[] = [];

  push(at: number, value: T): void {
    const last = this.at.at(-1);
    this.at.push(last !== undefined && at < last ? last : at);
    this.values.push(value);
  }

  get length(): number {
    return this.at.length;
  }

  /** The index of the last change point at or before `t` (-1 if none). */
  lastAtOrBefore(t: number): number {
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /**
   * The value at the end of each bucket `[start, start + width)` of `starts` (ascending): the last change
   * point before the bucket ends, or null before the first change point. One binary search, then a walk.
   */
  sample(starts: readonly number[], width: number): (T | null)[] {
    const out: (T | null)[] = [];
    const first = starts[0];
    if (first === undefined) return out;
    let i = this.lastAtOrBefore(first + width - 1);
    for (const start of starts) {
      const end = start + width - 1;
      while (i + 1 < this.at.length && this.at[i + 1]! <= end) i += 1;
      out.push(i >= 0 ? this.values[i]! : null);
    }
    return out;
  }
}

/** Bucket widths the dashboard uses (ms): 1, 2, 5 times a power of ten, from 100 ms. */
export function bucketWidth(spanMs: number, points: number): number {
  const want = Math.max(1, Math.ceil(spanMs / points));
  for (let scale = 100; ; scale *= 10) {
    for (const m of [1, 2, 5]) if (m * scale >= want) return m * scale;
  }
}

/** Starts of the buckets `width` wide (multiples of it) covering `[from, to]`. */
export function bucketStarts(from: number, to: number, width: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(from / width) * width; t <= to; t += width) out.push(t);
  return out;
}
