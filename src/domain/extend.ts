/**
 * A copy of `base` with the fields of `extra` added or replaced: what `{ ...base, ...extra }` means, built
 * so that V8 keeps one hidden class for every result. On Node 20 (V8 11.3), an object literal that
 * starts with a spread and goes on with more properties (`{ ...event, at }`) gets a hidden class of its
 * own each time, after the first few calls at a site: every such object costs a new map, the code that
 * reads those objects goes megamorphic, and the new maps keep young objects alive through minor GCs. In
 * a loop of position-book fills this made each fill 1.6× slower and every update outlive minor GCs
 * (docs/benchmarks.md, seventh session). `Object.assign` onto a fresh object does not do this. A lint
 * rule (eslint.config.js) forbids the literal form in the engine's code and the paper venue. Typed as
 * `T & U`: where `extra` changes the type of a field, take that field out of `base` first
 * (`const { field, ...rest } = base`; an object rest keeps one hidden class).
 */
export function extend<T extends object, U extends object>(base: T, extra: U): T & U {
  return Object.assign({}, base, extra);
}
