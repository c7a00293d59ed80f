import type { AnyEventObject } from 'xstate';
import { SteadfastError, describeError } from '../domain/errors.js';
import { machineRegistry } from '../machines/registry.js';
import type { MachineEntry } from '../machines/registry.js';
import type { CommitSet } from '../persistence/commit-set.js';
import { ArmedTimers } from './armed-timers.js';
import type { Batch } from './batch.js';
import { CommitPipeline } from './commit-pipeline.js';
import type { HostedActor } from './hosted-actor.js';
import { RuntimeMemory } from './runtime-memory.js';
import type { CommitTimeListener, RuntimeOptions } from './runtime-options.js';
import { restoreState, writeBackMigrated } from './restore.js';
import type { Command, CommitListener, OutboxRow, Projector } from './types.js';
import { extend } from '../domain/extend.js';

/** What recovery found. */
export interface RecoveryReport {
  actors: number;
  resumedCalls: number;
  timers: number;
  migrated: number;
}

/**
 * Hosts persisted actors. Commands are applied with xstate's pure transition in group-commit batches; a
 * batch's snapshots, journal rows, outbox rows (call intents), timers and projections commit in ONE
 * transaction, and nothing of it leaves the process (calls, armed timers, resolved promises) before that
 * commit. Batches are pipelined: while one is being written (on the writer thread), the next is applied
 * to memory; commits happen in order, and a failed commit halts everything after it. Memory holds live
 * actors; the database is the truth, and `start()` rebuilds memory from it without replaying history.
 */
export class DurableRuntime {
  readonly registry: Record<string, MachineEntry>;
  readonly projectors: Record<string, Projector>;
  /** Counters for status lines and benchmarks (committed work only). */
  readonly stats = { events: 0, batches: 0, commands: 0 };
  private readonly memory: RuntimeMemory;
  private readonly pipeline: CommitPipeline;
  private readonly inflight = new Set<Promise<void>>();
  private readonly listeners = new Set<CommitListener>();
  private stopping = false;
  /** Stopped and drained: nothing more is accepted. */
  private closed = false;

  constructor(private readonly options: RuntimeOptions) {
    this.registry = options.registry ?? machineRegistry;
    this.projectors = options.projectors ?? {};
    const timers = new ArmedTimers(options.clock, (t) => {
      void this.enqueue({ kind: 'timer', actorId: t.actorId, timerId: t.timerId }).catch((err) =>
        this.report('timer', err),
      );
    });
    this.memory = new RuntimeMemory(this.registry, this.projectors, timers, options.gate ?? null);
    this.pipeline = new CommitPipeline(options, this.registry, this.memory, (...args) =>
      this.release(...args),
    );
  }

  /** Loads live actors, open calls and timers; resumes calls through `effects.recover`. */
  async start(): Promise<RecoveryReport> {
    const state = await restoreState(this.options.store, this.registry);
    this.pipeline.batchNo = state.batchNo;
    for (const actor of state.actors) this.memory.actors.set(actor.id, actor);
    if (state.migrated.length > 0) {
      const now = this.options.clock.now();
      await writeBackMigrated(
        this.options.store,
        this.memory,
        this.pipeline.batchNo + 1,
        now,
        state.migrated,
      );
      this.pipeline.batchNo += 1;
    }
    this.memory.resume(state.timers, state.openCalls);
    for (const row of state.openCalls) {
      const kind = this.memory.callKind(row);
      const decision = this.options.effects.recover(row, kind, this.options.clock.now());
      if ('redispatch' in decision) this.dispatch(row);
      else {
        void this.enqueue({ kind: 'result', key: row.key, event: decision.event }).catch((err) =>
          this.report('recovered call', err),
        );
      }
    }
    return {
      actors: this.memory.actors.size,
      resumedCalls: state.openCalls.length,
      timers: this.memory.timers.size,
      migrated: state.migrated.length,
    };
  }

  /** Creates an actor. Resolves once committed. */
  spawn(id: string, machine: string, input: unknown): Promise<unknown> {
    return this.enqueue({ kind: 'spawn', id, machine, input });
  }

  /** Sends an event to an actor (stamped with `at` if absent). Resolves once committed: true if it changed. */
  send(id: string, event: AnyEventObject): Promise<boolean> {
    const stamped = typeof event.at === 'number' ? event : extend(event, { at: this.options.clock.now() });
    return this.enqueue({ kind: 'send', id, event: stamped }) as Promise<boolean>;
  }

  /** Queues any command; resolves with its result once its batch has committed (see CommitPipeline). */
  enqueue(command: Command): Promise<unknown> {
    if (this.closed) {
      return Promise.reject(
        new SteadfastError(
          'RUNTIME_STOPPED',
          'the runtime has stopped: nothing more commits (the next start recovers)',
        ),
      );
    }
    return this.pipeline.enqueue(command);
  }

  /** The in-memory actor (live, or terminal until its last batch has committed). */
  actor(id: string): HostedActor | undefined {
    return this.memory.actors.get(id);
  }

  /** Live actors, optionally of one machine. */
  *liveActors(machine?: string): Iterable<HostedActor> {
    for (const a of this.memory.actors.values())
      if (a.live && (machine === undefined || a.machineId === machine)) yield a;
  }

  /** Number of calls started and not yet answered. */
  get openCalls(): number {
    return this.memory.outbox.size;
  }

  /** Calls started and not yet answered, counted by source (`placeOrder`, `cancelOrder`, `lookupOrder`). */
  openCallsBySource(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const row of this.memory.outbox.all()) counts.set(row.src, (counts.get(row.src) ?? 0) + 1);
    return counts;
  }

  /** Subscribes to what each batch committed (see CommitListener); returns an unsubscribe function. */
  onCommitted(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Subscribes to each batch's commit time (from handing it to the store to the store's answer, queueing
   * behind the previous commit included) and its number of journal events; returns an unsubscribe function.
   */
  onCommitTimed(listener: CommitTimeListener): () => void {
    return this.pipeline.onCommitTimed(listener);
  }

  /** Resolves when the queue is empty and every batch is committed. */
  drain(): Promise<void> {
    return this.pipeline.drain();
  }

  /** Waits (up to `timeoutMs` of real time) for in-flight calls to answer and their results to commit. */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      await this.drain();
      if (this.inflight.size === 0) return this.pipeline.queued === 0;
      await Promise.race([Promise.all(this.inflight), new Promise((r) => setTimeout(r, 20))]);
    }
    return false;
  }

  /**
   * Stops dispatching and disarms timers (they stay in the database). Pending commands still commit; after
   * that nothing more does (the caller closes the database next): a call answered later is not applied
   * (its intent stays open in the outbox, and the next start resumes it by looking it up), and `enqueue`
   * refuses with RUNTIME_STOPPED.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.memory.timers.disable();
    await this.drain();
    this.closed = true;
    // What was queued while the first drain settled.
    await this.drain();
  }

  /** The error that halted the runtime, or null. */
  get failure(): unknown {
    return this.pipeline.failure;
  }

  /** True while the call's result is still awaited (the effect handler checks before sending). */
  isAwaited(key: string): boolean {
    return this.memory.outbox.has(key) && !this.stopping && this.failure === null;
  }

  /**
   * After a batch's commit: memory catches up, its calls leave, its listeners hear of it. A guarded intent
   * the commit refused (the gate's rule changed since the batch checked it) never leaves: its actor gets
   * the gate's denial as the call's result, in a later batch.
   */
  private release(
    batch: Batch,
    set: CommitSet,
    loaded: readonly string[],
    commands: number,
    refused: readonly string[],
  ): void {
    for (const row of this.memory.release(batch, loaded)) {
      if (refused.length > 0 && refused.includes(row.key)) this.deny(row);
      else this.dispatch(row);
    }
    this.stats.batches += 1;
    this.stats.events += set.journal.length;
    this.stats.commands += commands;
    if (this.listeners.size > 0 && (batch.transitions.length > 0 || set.anomalies.length > 0)) {
      for (const l of this.listeners) l(batch.transitions, set.anomalies);
    }
  }

  private deny(row: OutboxRow): void {
    const gate = this.options.gate;
    if (gate === undefined) return;
    const event = gate.denial(row, 'changed before the commit', this.options.clock.now());
    void this.enqueue({ kind: 'result', key: row.key, event }).catch((err) =>
      this.report('denied call', err),
    );
  }

  private dispatch(row: OutboxRow): void {
    if (this.stopping || this.failure !== null) return;
    const call = (async () => {
      const event = await this.options.effects.execute(row);
      if (this.failure !== null || this.closed) return;
      await this.enqueue({ kind: 'result', key: row.key, event }).catch((err) =>
        this.report('call result', err),
      );
    })();
    this.inflight.add(call);
    void call.finally(() => this.inflight.delete(call));
  }

  private report(what: string, err: unknown): void {
    if (this.failure !== null || this.closed) return;
    if (this.options.onError) this.options.onError(what, err);
    else process.stderr.write(`steadfast: ${what} failed: ${describeError(err)}\n`);
  }
}
