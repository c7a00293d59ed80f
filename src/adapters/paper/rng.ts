/**
 * A small seeded PRNG (mulberry32) whose whole state is one unsigned 32-bit integer, so it can be stored
 * in SQLite and resumed after a restart. Draws are floats for random choices only: never use them as
 * money. To turn a draw into a decimal quantity, draw an integer count of `stepSize` units.
 */
export class Rng {
  #state: number;

  /** Resumes a stream at `state` (any integer; only its low 32 bits are kept). */
  constructor(state: number) {
    if (!Number.isInteger(state)) throw new Error(`Rng state must be an integer, got ${state}`);
    this.#state = state >>> 0;
  }

  /** The current state, an unsigned 32-bit integer; `new Rng(rng.state)` continues the same stream. */
  get state(): number {
    return this.#state;
  }

  /** Draws a float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Draws an integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new Error(`Rng.int needs integers min <= max, got ${min}..${max}`);
    }
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p` (always draws once, so the stream advances the same whatever `p` is). */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Mixes 32 bits (the murmur3 finalizer). */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Derives the initial state of an independent stream named `stream` from a user seed (a safe integer),
 * so that e.g. the fault plan and the price walk of each symbol never share draws.
 */
export function deriveSeed(seed: number, stream: string): number {
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be a safe integer, got ${seed}`);
  let h = 0x811c9dc5; // FNV-1a over the stream name
  for (let i = 0; i < stream.length; i++) {
    h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193);
  }
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return mix32(mix32(h ^ lo) ^ mix32(hi + 0x9e3779b9));
}

/** A new Rng for the stream `stream` of `seed`. */
export function streamRng(seed: number, stream: string): Rng {
  return new Rng(deriveSeed(seed, stream));
}
