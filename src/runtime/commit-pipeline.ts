import { SteadfastError, describeError } from '../domain/errors.js';
import type { MachineEntry } from '../machines/registry.js';
import { isEmptyCommitSet } from '../persistence/commit-set.js';
import type { CommitSet } from '../persistence/commit-set.js';
import type { Batch } from './batch.js';
import { buildBatch, prepareCommands } from './batch-builder.js';
import type { Pending } from './batch-builder.js';
import type { RuntimeMemory } from './runtime-memory.js';
import type { CommitTimeListener, RuntimeOptions } from './runtime-options.js';
import type { Command } from './types.js';

/**
 * Told after a batch's commit, before its commands' promises resolve: the batch, what it committed, the
 * actors loaded for it, its number of commands, and the guarded intents the commit refused.
 */
export type BatchRelease = (
  batch: Batch,
  set: CommitSet,
  loaded: readonly string[],
  commands: number,
  refused: readonly string[],
) => void;

/**
 * The durable runtime's group commit: queued commands are applied to memory in batches and each batch is
 * committed in one transaction. Batches are pipelined: while one is being written (on the writer thread),
 * the next is applied to memory; commits happen in order, and a failed commit halts everything after it.
 */
export class CommitPipeline {
  /** Number of the last batch written (or restored). */
  batchNo = 0;
  private readonly timedListeners = new Set<CommitTimeListener>();
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  /** Settles when every batch built so far has been committed (or refused after a halt). */
  private tail: Promise<void> = Promise.resolve();
  private halted: unknown = null;

  constructor(
    private readonly options: RuntimeOptions,
    private readonly registry: Record<string, MachineEntry>,
    private readonly memory: RuntimeMemory,
    private readonly release: BatchRelease,
  ) {}

  /** Queues any command; resolves with its result once its batch has committed (see scheduleFlush). */
  enqueue(command: Command): Promise<unknown> {
    if (this.halted !== null) return Promise.reject(this.haltError());
    return new Promise((resolve, reject) => {
      this.queue.push({ command, resolve, reject });
      if (this.flushing === null) this.scheduleFlush();
    });
  }

  /** Number of commands queued for a batch not yet built. */
  get queued(): number {
    return this.queue.length;
  }

  /** See DurableRuntime.onCommitTimed. */
  onCommitTimed(listener: CommitTimeListener): () => void {
    this.timedListeners.add(listener);
    return () => this.timedListeners.delete(listener);
  }

  /** Resolves when the queue is empty and every batch is committed. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.flushing !== null) await this.flushing;
      const tail = this.tail;
      await tail;
      if (this.flushing === null && tail === this.tail) return;
    }
  }

  /** The error that halted the pipeline, or null. */
  get failure(): unknown {
    return this.halted;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.halted === null) {
        const items = this.queue.splice(0, this.options.maxBatch ?? 512);
        const previous = this.tail;
        await this.process(items);
        // At most one batch is being written while the next one is built.
        await previous;
      }
    } finally {
      this.flushing = null;
      if (this.queue.length > 0 && this.halted === null) this.scheduleFlush();
    }
  }

  /**
   * A batch starts at the end of the current microtask run: commands queued by one synchronous burst share
   * it, and commands arriving while a batch is being written queue behind it and share the next one.
   */
  private scheduleFlush(): void {
    this.flushing = Promise.resolve().then(() => this.flush());
  }

  private async process(items: Pending[]): Promise<void> {
    let prepared: Map<Pending, unknown>;
    let loaded: string[];
    try {
      ({ prepared, loaded } = await prepareCommands(
        items,
        this.memory.actors,
        this.options.store,
        this.registry,
      ));
    } catch (err) {
      for (const item of items) item.reject(err);
      return;
    }
    const { batch, live, results } = buildBatch(
      this.memory,
      this.batchNo + 1,
      this.options.clock.now(),
      items,
      prepared,
    );
    const set = batch.finish();
    const empty = isEmptyCommitSet(set);
    if (!empty) this.batchNo += 1;
    this.memory.absorb(batch);
    const previous = this.tail;
    this.tail = (async () => {
      await previous;
      let refused: readonly string[] = [];
      if (this.halted === null && !empty) {
        const started = this.timedListeners.size > 0 ? performance.now() : 0;
        try {
          ({ refused } = await this.options.store.commit(set));
        } catch (err) {
          this.halt(err);
        }
        if (this.halted === null && this.timedListeners.size > 0) {
          const seconds = (performance.now() - started) / 1000;
          for (const l of this.timedListeners) l(seconds, set.journal.length);
        }
      }
      if (this.halted !== null) {
        for (const item of live) item.reject(this.haltError());
        return;
      }
      this.release(batch, set, loaded, live.length, refused);
      live.forEach((item, i) => item.resolve(results[i]));
    })();
  }

  private halt(err: unknown): void {
    if (this.halted !== null) return;
    this.halted = err;
    this.memory.timers.disable();
    const pending = this.queue;
    this.queue = [];
    for (const item of pending) item.reject(this.haltError());
    this.options.onHalt?.(err);
  }

  private haltError(): SteadfastError {
    return new SteadfastError(
      'INTERNAL',
      `runtime halted after a failed commit: ${describeError(this.halted)}`,
      { cause: this.halted },
    );
  }
}
