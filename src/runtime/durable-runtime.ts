import type { AnyEventObject } from 'xstate';
import type { Clock } from '../domain/clock.js';
import { SteadfastError, describeError } from '../domain/errors.js';
import { machineRegistry } from '../machines/registry.js';
import type { MachineEntry } from '../machines/registry.js';
import type { CommitSet } from '../persistence/commit-set.js';
import type { EngineStore } from '../persistence/engine-store.js';
import { ArmedTimers } from './armed-timers.js';
import { Batch } from './batch.js';
import type { BatchHost, TimerEntry } from './batch.js';
import { rehydrate, statePath } from './hosted-actor.js';
import type { HostedActor } from './hosted-actor.js';
import { OpenCalls } from './open-calls.js';
import { restoreState } from './restore.js';
import type { Command, CommittedTransition, EffectHandler, OutboxRow, Projector } from './types.js';

/** Options of the durable runtime. */
export interface RuntimeOptions {
  store: EngineStore;
  effects: EffectHandler;
  clock: Clock;
  registry?: Record<string, MachineEntry>;
  projectors?: Record<string, Projector>;
  /** Most commands per transaction (group commit). */
  maxBatch?: number;
  /** Told about failures of commands nobody awaits (call results, timers). Defaults to stderr. */
  onError?: (what: string, err: unknown) => void;
  /** Told once when a commit fails and the runtime halts (the process should stop; a restart recovers). */
  onHalt?: (err: unknown) => void;
}

/** What recovery found. */
export interface RecoveryReport {
  actors: number;
  resumedCalls: number;
  timers: number;
  migrated: number;
}

type Pending = { command: Command; resolve: (value: unknown) => void; reject: (err: unknown) => void };

/** Trade keys and the like remembered across batches (older ones are surely committed). */
const RECENT_KEYS = 200_000;

/**
 * Hosts persisted actors. Commands are applied with xstate's pure transition in group-commit batches; a
 * batch's snapshots, journal rows, outbox rows (call intents), timers and projections commit in ONE
 * transaction, and nothing of it leaves the process (calls, armed timers, resolved promises) before that
 * commit. Batches are pipelined: while one is being written (on the writer thread), the next is applied
 * to memory; commits happen in order, and a failed commit halts everything after it. Memory holds live
 * actors; the database is the truth, and `start()` rebuilds memory from it without replaying history.
 */
export class DurableRuntime implements BatchHost {
  readonly registry: Record<string, MachineEntry>;
  readonly projectors: Record<string, Projector>;
  /** Counters for status lines and benchmarks (committed work only). */
  readonly stats = { events: 0, batches: 0, commands: 0 };
  private readonly actors = new Map<string, HostedActor>();
  private readonly outbox = new OpenCalls();
  private readonly timers: ArmedTimers;
  private readonly recent = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly listeners = new Set<(transitions: CommittedTransition[]) => void>();
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  /** Settles when every batch built so far has been committed (or refused after a halt). */
  private tail: Promise<void> = Promise.resolve();
  private batchNo = 0;
  private halted: unknown = null;
  private stopping = false;

  constructor(private readonly options: RuntimeOptions) {
    this.registry = options.registry ?? machineRegistry;
    this.projectors = options.projectors ?? {};
    this.timers = new ArmedTimers(options.clock, (t) => {
      void this.enqueue({ kind: 'timer', actorId: t.actorId, timerId: t.timerId }).catch((err) =>
        this.report('timer', err),
      );
    });
  }

  /** Loads live actors, open calls and timers; resumes calls through `effects.recover`. */
  async start(): Promise<RecoveryReport> {
    const state = await restoreState(this.options.store, this.registry);
    this.batchNo = state.batchNo;
    for (const actor of state.actors) this.actors.set(actor.id, actor);
    if (state.migrated.length > 0) await this.writeMigrations(state.migrated);
    for (const timer of state.timers) {
      this.timers.put(timer);
      this.timers.arm(timer);
    }
    for (const row of state.openCalls) this.outbox.add(row);
    for (const row of state.openCalls) {
      const decision = this.options.effects.recover(row, this.options.clock.now());
      if ('redispatch' in decision) this.dispatch(row);
      else {
        void this.enqueue({ kind: 'result', key: row.key, event: decision.event }).catch((err) =>
          this.report('recovered call', err),
        );
      }
    }
    return {
      actors: this.actors.size,
      resumedCalls: state.openCalls.length,
      timers: this.timers.size,
      migrated: state.migrated.length,
    };
  }

  /** Creates an actor. Resolves once committed. */
  spawn(id: string, machine: string, input: unknown): Promise<unknown> {
    return this.enqueue({ kind: 'spawn', id, machine, input });
  }

  /** Sends an event to an actor (stamped with `at` if absent). Resolves once committed: true if it changed. */
  send(id: string, event: AnyEventObject): Promise<boolean> {
    const stamped = typeof event.at === 'number' ? event : { ...event, at: this.options.clock.now() };
    return this.enqueue({ kind: 'send', id, event: stamped }) as Promise<boolean>;
  }

  /** Queues any command; resolves with its result once its batch has committed. */
  enqueue(command: Command): Promise<unknown> {
    if (this.halted !== null) return Promise.reject(this.haltError());
    return new Promise((resolve, reject) => {
      this.queue.push({ command, resolve, reject });
      if (this.flushing === null)
        this.flushing = new Promise((r) => setImmediate(r)).then(() => this.flush());
    });
  }

  /** The in-memory actor (live, or terminal until its last batch has committed). */
  actor(id: string): HostedActor | undefined {
    return this.actors.get(id);
  }

  /** Live actors, optionally of one machine. */
  *liveActors(machine?: string): Iterable<HostedActor> {
    for (const a of this.actors.values())
      if (a.live && (machine === undefined || a.machineId === machine)) yield a;
  }

  /** Number of calls started and not yet answered. */
  get openCalls(): number {
    return this.outbox.size;
  }

  /** Subscribes to committed transitions (for inspection); returns an unsubscribe function. */
  onCommitted(listener: (transitions: CommittedTransition[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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

  /** Waits (up to `timeoutMs` of real time) for in-flight calls to answer and their results to commit. */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      await this.drain();
      if (this.inflight.size === 0) return this.queue.length === 0;
      await Promise.race([Promise.all(this.inflight), new Promise((r) => setTimeout(r, 20))]);
    }
    return false;
  }

  /** Stops dispatching and disarms timers (they stay in the database). Pending commands still commit. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.timers.disable();
    await this.drain();
  }

  /** The error that halted the runtime, or null. */
  get failure(): unknown {
    return this.halted;
  }

  /** True while the call's result is still awaited (the effect handler checks before sending). */
  isAwaited(key: string): boolean {
    return this.outbox.has(key) && !this.stopping && this.halted === null;
  }

  committedActor(id: string): HostedActor | undefined {
    return this.actors.get(id);
  }

  committedOutbox(key: string): OutboxRow | undefined {
    return this.outbox.get(key);
  }

  committedOutboxOf(actorId: string): Iterable<OutboxRow> {
    return this.outbox.of(actorId);
  }

  committedTimer(key: string): TimerEntry | undefined {
    return this.timers.get(key);
  }

  recentlySeen(key: string): boolean {
    return this.recent.has(key);
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
      if (this.queue.length > 0 && this.halted === null) {
        this.flushing = new Promise((r) => setImmediate(r)).then(() => this.flush());
      }
    }
  }

  private async process(items: Pending[]): Promise<void> {
    const prepared = new Map<Pending, unknown>();
    let loaded: string[];
    try {
      loaded = await this.preload(items, prepared);
    } catch (err) {
      for (const item of items) item.reject(err);
      return;
    }
    let live = items;
    let batch: Batch;
    let results: unknown[];
    for (;;) {
      batch = new Batch(this, this.batchNo + 1, this.options.clock.now());
      results = [];
      const failedAt = this.applyAll(batch, live, prepared, results);
      if (failedAt === null) break;
      live[failedAt.index]!.reject(failedAt.error);
      live = live.filter((_, i) => i !== failedAt.index);
    }
    const set = batch.finish();
    const empty = isEmpty(set);
    if (!empty) this.batchNo += 1;
    this.absorb(batch);
    const previous = this.tail;
    this.tail = (async () => {
      await previous;
      if (this.halted === null && !empty) {
        try {
          await this.options.store.commit(set);
        } catch (err) {
          this.halt(err);
        }
      }
      if (this.halted !== null) {
        for (const item of live) item.reject(this.haltError());
        return;
      }
      this.release(batch, set, loaded, live.length);
      live.forEach((item, i) => item.resolve(results[i]));
    })();
  }

  private applyAll(batch: Batch, items: Pending[], prepared: Map<Pending, unknown>, results: unknown[]) {
    for (let index = 0; index < items.length; index += 1) {
      const item = items[index]!;
      try {
        results.push(this.applyOne(batch, item.command, prepared.get(item)));
      } catch (error) {
        return { index, error };
      }
    }
    return null;
  }

  private applyOne(batch: Batch, command: Command, prepared: unknown): unknown {
    switch (command.kind) {
      case 'spawn':
        return batch.spawn(command.id, command.machine, command.input).id;
      case 'send':
        return batch.send(command.id, command.event);
      case 'result':
        return batch.applyResult(command.key, command.event);
      case 'timer':
        return batch.fireTimer(command.actorId, command.timerId);
      case 'work':
        return command.run(batch, prepared);
    }
  }

  /** Runs `prepare` reads, then loads the actors the commands name that are not in memory (terminal ones). */
  private async preload(items: Pending[], prepared: Map<Pending, unknown>): Promise<string[]> {
    await Promise.all(
      items.map(async (item) => {
        if (item.command.kind === 'work' && item.command.prepare)
          prepared.set(item, await item.command.prepare());
      }),
    );
    const wanted = new Set<string>();
    for (const item of items) {
      const { command } = item;
      if (command.kind === 'send' || command.kind === 'spawn') wanted.add(command.id);
      if (command.kind !== 'work' || command.actorIds === undefined) continue;
      const ids =
        typeof command.actorIds === 'function' ? command.actorIds(prepared.get(item)) : command.actorIds;
      for (const id of ids) wanted.add(id);
    }
    const missing = [...wanted].filter((id) => !this.actors.has(id));
    for (const row of await this.options.store.loadActors(missing)) {
      if (this.actors.has(row.id)) continue;
      this.actors.set(row.id, rehydrate(row, this.registry));
    }
    return missing;
  }

  /** Makes a built batch the state the next batch builds on (nothing is released yet). */
  private absorb(batch: Batch): void {
    for (const actor of batch.actors.values()) this.actors.set(actor.id, actor);
    for (const row of batch.opened.values()) if (!batch.closed.has(row.key)) this.outbox.add(row);
    for (const key of batch.closed) this.outbox.remove(key);
    for (const key of batch.timersDeleted) this.timers.remove(key);
    for (const timer of batch.timersSet.values()) this.timers.put(timer);
    for (const key of batch.remembered) {
      this.recent.add(key);
      if (this.recent.size > RECENT_KEYS) this.recent.delete(this.recent.values().next().value as string);
    }
  }

  /** After a batch's commit: terminal actors leave memory, its timers are armed, its calls dispatched. */
  private release(batch: Batch, set: CommitSet, loaded: readonly string[], commands: number): void {
    for (const actor of batch.actors.values()) {
      if (!actor.live && this.actors.get(actor.id) === actor) this.actors.delete(actor.id);
    }
    for (const id of loaded)
      if (this.actors.get(id)?.live === false && !batch.actors.has(id)) this.actors.delete(id);
    for (const timer of batch.timersSet.values()) this.timers.arm(timer);
    for (const row of batch.opened.values()) if (this.outbox.get(row.key) === row) this.dispatch(row);
    this.stats.batches += 1;
    this.stats.events += set.journal.length;
    this.stats.commands += commands;
    if (this.listeners.size > 0 && batch.transitions.length > 0) {
      for (const l of this.listeners) l(batch.transitions);
    }
  }

  private dispatch(row: OutboxRow): void {
    if (this.stopping || this.halted !== null) return;
    const call = (async () => {
      const event = await this.options.effects.execute(row);
      if (this.halted !== null) return;
      await this.enqueue({ kind: 'result', key: row.key, event }).catch((err) =>
        this.report('call result', err),
      );
    })();
    this.inflight.add(call);
    void call.finally(() => this.inflight.delete(call));
  }

  private async writeMigrations(actors: HostedActor[]): Promise<void> {
    const batch = new Batch(this, this.batchNo + 1, this.options.clock.now());
    for (const actor of actors) {
      const bumped = { ...actor, rev: actor.rev + 1, migrated: false };
      batch.adopt(bumped, actor.rev);
      batch.set.journal.push({
        actorId: actor.id,
        rev: bumped.rev,
        eventType: 'engine.migrated',
        event: JSON.stringify({ type: 'engine.migrated', toVersion: actor.entry.version }),
        state: statePath(actor.snapshot.value),
        at: batch.now,
      });
    }
    await this.options.store.commit(batch.finish());
    this.batchNo += 1;
    for (const actor of batch.actors.values()) this.actors.set(actor.id, actor);
  }

  private report(what: string, err: unknown): void {
    if (this.halted !== null) return;
    if (this.options.onError) this.options.onError(what, err);
    else process.stderr.write(`steadfast: ${what} failed: ${describeError(err)}\n`);
  }

  private halt(err: unknown): void {
    if (this.halted !== null) return;
    this.halted = err;
    this.timers.disable();
    const pending = this.queue;
    this.queue = [];
    for (const item of pending) item.reject(this.haltError());
    this.options.onHalt?.(err);
  }

  private haltError(): SteadfastError {
    return new SteadfastError(
      'INTERNAL',
      `runtime halted after a failed commit: ${describeError(this.halted)}`,
      {
        cause: this.halted,
      },
    );
  }
}

function isEmpty(set: CommitSet): boolean {
  return (
    set.actors.length +
      set.journal.length +
      set.outbox.length +
      set.outboxClosed.length +
      set.timers.length +
      set.timersDeleted.length +
      set.orders.length +
      set.fills.length +
      set.positions.length +
      set.anomalies.length +
      set.meta.length ===
    0
  );
}
