import type { CallKind } from '../machines/messages.js';
import type { MachineEntry } from '../machines/registry.js';
import type { ArmedTimers } from './armed-timers.js';
import type { Batch } from './batch.js';
import type { BatchHost, TimerEntry } from './batch-host.js';
import type { HostedActor } from './hosted-actor.js';
import { OpenCalls } from './open-calls.js';
import type { CallGate, OutboxRow, Projector } from './types.js';

/** Keys remembered across batches (older ones are surely committed and readable). */
const RECENT_KEYS = 200_000;

/**
 * What the runtime holds in memory: live actors (and terminal ones until their last batch has committed),
 * the calls awaiting a result, the durable timers, and recently remembered keys. Batches read it as
 * their committed base (`BatchHost`); `absorb` makes a built batch the base of the next one before it
 * is committed (pipelining), `release` finishes it once it is.
 */
export class RuntimeMemory implements BatchHost {
  readonly actors = new Map<string, HostedActor>();
  readonly outbox = new OpenCalls();
  private readonly recent = new Set<string>();

  constructor(
    readonly registry: Record<string, MachineEntry>,
    readonly projectors: Record<string, Projector>,
    readonly timers: ArmedTimers,
    readonly gate: CallGate | null = null,
  ) {}

  committedActor(id: string): HostedActor | undefined {
    return this.actors.get(id);
  }

  /** What the machine of the call's actor declares the call to be (undeclared: a write, never resent). */
  callKind(row: OutboxRow): CallKind {
    const machine = this.actors.get(row.actorId)?.machineId ?? '';
    return this.registry[machine]?.calls[row.src] ?? 'write';
  }

  committedOutbox(key: string): OutboxRow | undefined {
    return this.outbox.get(key);
  }

  committedOutboxOf(actorId: string): readonly OutboxRow[] {
    return this.outbox.of(actorId);
  }

  committedTimer(key: string): TimerEntry | undefined {
    return this.timers.get(key);
  }

  recentlySeen(key: string): boolean {
    return this.recent.has(key);
  }

  /** Takes the durable timers (armed) and the open calls found at start. */
  resume(timers: readonly TimerEntry[], openCalls: readonly OutboxRow[]): void {
    for (const timer of timers) {
      this.timers.put(timer);
      this.timers.arm(timer);
    }
    for (const row of openCalls) this.outbox.add(row);
  }

  /** Makes a built batch the state the next batch builds on (nothing of it is released yet). */
  absorb(batch: Batch): void {
    for (const actor of batch.actors.values()) this.actors.set(actor.id, actor);
    if (batch.opened.size > 0) {
      for (const row of batch.opened.values()) if (!batch.closed.has(row.key)) this.outbox.add(row);
    }
    if (batch.closed.size > 0) for (const key of batch.closed) this.outbox.remove(key);
    if (batch.timersDeleted.size > 0) for (const key of batch.timersDeleted.keys()) this.timers.remove(key);
    if (batch.timersSet.size > 0) for (const timer of batch.timersSet.values()) this.timers.put(timer);
    if (batch.remembered.size > 0) this.rememberAll(batch.remembered);
  }

  private rememberAll(keys: ReadonlySet<string>): void {
    for (const key of keys) {
      this.recent.add(key);
      if (this.recent.size > RECENT_KEYS) this.recent.delete(this.recent.values().next().value as string);
    }
  }

  /**
   * After a batch has committed: its terminal actors (and terminal ones loaded only for it) leave memory,
   * its timers are armed. Returns its calls still awaited, to dispatch.
   */
  release(batch: Batch, loaded: readonly string[]): OutboxRow[] {
    for (const actor of batch.actors.values()) {
      if (!actor.live && this.actors.get(actor.id) === actor) this.actors.delete(actor.id);
    }
    for (const id of loaded)
      if (this.actors.get(id)?.live === false && !batch.actors.has(id)) this.actors.delete(id);
    if (batch.timersSet.size > 0) for (const timer of batch.timersSet.values()) this.timers.arm(timer);
    if (batch.opened.size === 0) return [];
    return [...batch.opened.values()].filter((row) => this.outbox.get(row.key) === row);
  }
}
