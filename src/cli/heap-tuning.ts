import v8 from 'node:v8';

/**
 * V8 flags of the engine process. `--no-allocation-site-pretenuring`: V8 watches each allocation site
 * (an object or array literal in a function) and, when most of what one site allocates survives a
 * minor GC, allocates its later objects straight into the old generation. The engine's hot sites are
 * xstate's snapshot and context copies: an actor's newest snapshot lives until its next event, so they
 * look long-lived, but every older one is garbage. Pretenured, each dead snapshot sits in the old
 * generation until a full GC, and the young objects it points to (its context, its strings) count as
 * live at every minor GC meanwhile: they are copied, promoted and collected late. Measured in
 * 2026-12-06 (10e6c0c; the runs are in docs/benchmarks.md's history): the bytes that survive a minor GC of the machines' own workload
 * halve, and the benchmark's capacity and tail latency improve.
 */
export const ENGINE_V8_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring'];

/**
 * Sets ENGINE_V8_FLAGS in this process. Call it before the engine starts: `src/main.ts` calls it before
 * it parses its flags, and the benchmark at its start, so both run one configuration. Set at run time,
 * the flag takes effect (test/cli/heap-tuning.test.ts; the same minor-GC figures as on the command
 * line); setting it again is harmless. A program embedding the engine decides for its own process.
 */
export function tuneHeap(): void {
  for (const flag of ENGINE_V8_FLAGS) v8.setFlagsFromString(flag);
}
