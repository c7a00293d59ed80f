import type { AnyEventObject, AnyMachineSnapshot } from 'xstate';
import { SteadfastError } from '../domain/errors.js';
import { emptyCommitSet } from '../persistence/commit-set.js';
import { jsonColumn } from '../persistence/json-column.js';
import type { CommitSet } from '../persistence/commit-set.js';
import { DomainWrites } from './domain-writes.js';
import { HostedActor } from './hosted-actor.js';
import { initialSnapshot, nextSnapshot, transitionActions } from './pure-transition.js';
import type { CommittedTransition, OutboxRow, TxApi } from './types.js';
import { timerKey } from './batch-host.js';
import type { BatchHost, TimerEntry } from './batch-host.js';
import { extend } from '../domain/extend.js';

export type { BatchHost, TimerEntry } from './batch-host.js';
export { timerKey } from './batch-host.js';

type Delivery = { id: string; event: AnyEventObject };

/** What a batch that wrote none of them reads as its calls, timers or remembered keys. */
const NONE_MAP: ReadonlyMap<string, never> = new Map<string, never>();
const NONE_SET: ReadonlySet<string> = new Set();
/** The parameters of an action that has none. */
const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * One group-commit batch: an overlay over the committed state. Commands apply to it synchronously with
 * xstate's pure `transition()`; it collects every row of the transaction in `set`. Nothing here touches
 * the database or the venue; if the commit fails, the overlay is simply dropped.
 */
export class Batch extends DomainWrites implements TxApi {
  readonly actors = new Map<string, HostedActor>();
  /** Revision of each changed actor when this batch first touched it (0: created here). */
  private readonly baseRevs = new Map<string, number>();
  /** Each changed actor as it was before this batch (absent: created here). */
  private readonly before = new Map<string, HostedActor>();
  // Calls, timers and remembered keys: created on a batch's first use (a batch of fills opens no call).
  #opened: Map<string, OutboxRow> | null = null;
  #openedByActor: Map<string, OutboxRow[]> | null = null;
  #closed: Set<string> | null = null;
  #timersSet: Map<string, TimerEntry> | null = null;
  #timersDeleted: Map<string, { actorId: string; timerId: string }> | null = null;
  #remembered: Set<string> | null = null;
  readonly transitions: CommittedTransition[] = [];
  /** Messages caused by the command being applied and not yet delivered, oldest first. */
  readonly #deliveries: Delivery[] = [];

  /** Outbox rows opened by this batch, by key. */
  get opened(): ReadonlyMap<string, OutboxRow> {
    return this.#opened ?? NONE_MAP;
  }

  /** Keys of the outbox rows this batch closed. */
  get closed(): ReadonlySet<string> {
    return this.#closed ?? NONE_SET;
  }

  /** Timers as this batch leaves them: set (armed after commit) or deleted. A key is in one at most. */
  get timersSet(): ReadonlyMap<string, TimerEntry> {
    return this.#timersSet ?? NONE_MAP;
  }

  get timersDeleted(): ReadonlyMap<string, { actorId: string; timerId: string }> {
    return this.#timersDeleted ?? NONE_MAP;
  }

  /** Keys remembered by this batch (see TxApi.remember). */
  get remembered(): ReadonlySet<string> {
    return this.#remembered ?? NONE_SET;
  }

  constructor(
    private readonly host: BatchHost,
    batchNo: number,
    now: number,
  ) {
    super(emptyCommitSet(batchNo), now);
  }

  /** The actor as of this point of the batch. */
  actor(id: string): HostedActor | undefined {
    return this.actors.get(id) ?? this.host.committedActor(id);
  }

  /** True if `key` was remembered by this batch or a recent one. */
  seen(key: string): boolean {
    return this.remembered.has(key) || this.host.recentlySeen(key);
  }

  /** Remembers `key` for the following batches, committed or not yet. */
  remember(key: string): void {
    (this.#remembered ??= new Set()).add(key);
  }

  /** The open (not yet answered) outbox row, or undefined if closed or unknown. */
  openOutbox(key: string): OutboxRow | undefined {
    if (this.closed.has(key)) return undefined;
    return this.opened.get(key) ?? this.host.committedOutbox(key);
  }

  /** The durable timer, or undefined if fired, cancelled or unknown. */
  timer(key: string): TimerEntry | undefined {
    if (this.timersDeleted.has(key)) return undefined;
    return this.timersSet.get(key) ?? this.host.committedTimer(key);
  }

  /** Puts an already-changed actor into the batch (a migration), remembering the revision it came from. */
  adopt(actor: HostedActor, baseRev: number): void {
    this.baseRevs.set(actor.id, baseRev);
    this.actors.set(actor.id, actor);
  }

  /** Delivers `event` and every message it causes. True if the target actor changed. */
  send(id: string, event: AnyEventObject): boolean {
    try {
      const changed = this.step(id, event);
      this.deliver();
      return changed;
    } finally {
      this.#deliveries.length = 0; // what a throwing step left undelivered dies with it
    }
  }

  /** Creates an actor and applies everything its initial state causes. */
  spawn(id: string, machine: string, input: unknown): HostedActor {
    try {
      const actor = this.create(id, machine, input);
      this.deliver();
      return this.actor(actor.id) ?? actor;
    } finally {
      this.#deliveries.length = 0;
    }
  }

  /** Delivers the queued messages and every message they cause. */
  private deliver(): void {
    const queue = this.#deliveries;
    for (let d = queue.shift(); d !== undefined; d = queue.shift()) this.step(d.id, d.event);
  }

  /** Applies a call's result: closes its outbox row, then delivers it (late results are only recorded). */
  applyResult(key: string, event: AnyEventObject): boolean {
    const row = this.openOutbox(key);
    const result = JSON.stringify(event);
    if (row === undefined) {
      this.set.outboxClosed.push({ key, status: 'abandoned', result, closedAt: this.now });
      return false;
    }
    this.closeOutbox(key, 'done', result);
    return this.send(row.actorId, event);
  }

  /**
   * Fires a durable timer if it is still set. A timer whose actor no longer exists is only deleted (a
   * terminal actor, loaded for the firing, ignores it: its row goes too).
   */
  fireTimer(actorId: string, timerId: string): boolean {
    const key = timerKey(actorId, timerId);
    const timer = this.timer(key);
    if (timer === undefined) return false;
    this.deleteTimer(key);
    if (this.actor(actorId) === undefined) return false;
    return this.send(actorId, extend(timer.event, { at: this.now }));
  }

  /**
   * Writes the final snapshot and projection of every actor changed in this batch, and each timer as the
   * batch leaves it: a timer set and cancelled within the batch is written neither way.
   */
  finish(): CommitSet {
    for (const t of this.timersSet.values()) {
      this.set.timers.push({
        actorId: t.actorId,
        timerId: t.timerId,
        event: jsonColumn(t.event),
        dueAt: t.dueAt,
      });
    }
    if (this.timersDeleted.size > 0) this.set.timersDeleted = [...this.timersDeleted.values()];
    // One close per outbox row: a late result for a row abandoned in this same batch merges into it.
    if (this.set.outboxClosed.length > 1) {
      const closes = new Map<string, CommitSet['outboxClosed'][number]>();
      for (const c of this.set.outboxClosed) {
        const before = closes.get(c.key);
        closes.set(c.key, before === undefined ? c : extend(before, { result: c.result ?? before.result }));
      }
      this.set.outboxClosed = [...closes.values()];
    }
    for (const actor of this.actors.values()) {
      this.set.actors.push({
        id: actor.id,
        machine: actor.machineId,
        version: actor.entry.version,
        rev: actor.rev,
        baseRev: this.baseRevs.get(actor.id) ?? actor.rev - 1,
        state: actor.state,
        live: actor.live ? 1 : 0,
        snapshot: actor.persistColumn(),
        createdAt: actor.createdAt,
        at: this.now,
      });
      this.host.projectors[actor.machineId]?.(actor, this.set, this.before.get(actor.id));
    }
    return this.set;
  }

  private create(id: string, machine: string, input: unknown): HostedActor {
    if (this.actor(id) !== undefined) throw new SteadfastError('INVALID_INPUT', `actor ${id} already exists`);
    const entry = this.host.registry[machine];
    if (entry === undefined) throw new SteadfastError('INVALID_INPUT', `unknown machine '${machine}'`);
    const snapshot = initialSnapshot(entry.machine, input);
    const actions = transitionActions();
    const actor = HostedActor.created(id, machine, entry, snapshot as AnyMachineSnapshot, this.now);
    this.record(actor, { type: 'xstate.init', input }, actions);
    return actor;
  }

  private step(id: string, event: AnyEventObject): boolean {
    const actor = this.actor(id);
    if (actor === undefined)
      throw new SteadfastError('INVALID_INPUT', `no actor ${id} (event ${event.type})`);
    const next = nextSnapshot(actor.entry.machine, actor.snapshot, event);
    if (next === actor.snapshot) return false;
    const actions = transitionActions();
    this.record(actor.next(next as AnyMachineSnapshot), event, actions);
    return true;
  }

  private record(
    actor: HostedActor,
    event: AnyEventObject,
    actions: readonly { type: string; params?: unknown }[],
  ): void {
    if (!this.baseRevs.has(actor.id)) {
      this.baseRevs.set(actor.id, actor.rev - 1);
      const previous = this.host.committedActor(actor.id);
      if (previous !== undefined) this.before.set(actor.id, previous);
    }
    this.actors.set(actor.id, actor);
    const state = actor.state;
    this.set.journal.push({
      batch: this.set.batch,
      actorId: actor.id,
      rev: actor.rev,
      eventType: event.type,
      event: jsonColumn(event),
      state,
      at: typeof event.at === 'number' ? event.at : this.now,
    });
    this.transitions.push({
      actorId: actor.id,
      machine: actor.machineId,
      rev: actor.rev,
      event,
      state,
      snapshot: actor.snapshot,
    });
    for (let i = 0; i < actions.length; i += 1) {
      const action = actions[i]!;
      this.effect(actor, action.type, (action.params ?? NO_PARAMS) as Record<string, unknown>);
    }
    this.abandonStoppedCalls(actor);
  }

  private effect(actor: HostedActor, type: string, p: Record<string, unknown>): void {
    if (type === 'xstate.spawnChild') {
      const row: OutboxRow = {
        key: `${actor.id}/${String(p.id)}/${actor.rev}`,
        actorId: actor.id,
        childId: String(p.id),
        src: String(p.src),
        input: p.input ?? null,
        createdAt: this.now,
      };
      const gate = this.host.gate;
      const guarded = gate !== null && gate.guards(row.src);
      if (guarded) {
        const reason = gate.check(row, this);
        if (reason !== null) {
          // Denied: never written; the actor gets the gate's denial instead of the call's result, journaled.
          this.#deliveries.push({ id: actor.id, event: gate.denial(row, reason, this.now) });
          return;
        }
      }
      (this.#opened ??= new Map()).set(row.key, row);
      const mine = (this.#openedByActor ??= new Map()).get(actor.id);
      if (mine === undefined) this.#openedByActor.set(actor.id, [row]);
      else mine.push(row);
      this.set.outbox.push(
        extend(row, { input: JSON.stringify(row.input), gateVersion: guarded ? gate.version() : null }),
      );
    } else if (type === 'xstate.raise' && typeof p.delay === 'number') {
      const timer: TimerEntry = {
        actorId: actor.id,
        timerId: String(p.id),
        event: p.event as AnyEventObject,
        dueAt: this.now + p.delay,
      };
      const key = timerKey(actor.id, timer.timerId);
      this.#timersDeleted?.delete(key);
      (this.#timersSet ??= new Map()).set(key, timer);
    } else if (type === 'xstate.cancel') {
      const key = timerKey(actor.id, String(p.sendId));
      if (this.timer(key) !== undefined) this.deleteTimer(key);
    } else if (type === 'xstate.emit') {
      const message = p.event as AnyEventObject & { to?: unknown };
      if (message.type === 'engine.spawn') {
        const spawn = message as unknown as { id: string; machine: string; input: unknown };
        this.create(spawn.id, spawn.machine, spawn.input);
      } else if (typeof message.to === 'string') {
        const { to, ...event } = message;
        this.#deliveries.push({
          id: to,
          event: extend(event, { at: typeof event.at === 'number' ? event.at : this.now }),
        });
      }
    }
  }

  /** Calls whose invoking state was left are no longer awaited: their rows close as abandoned. */
  private abandonStoppedCalls(actor: HostedActor): void {
    const children = actor.snapshot.children as Record<string, unknown>;
    // Indexed loops: no iterator per event (closing a row changes neither list).
    const committed = this.host.committedOutboxOf(actor.id);
    for (let i = 0; i < committed.length; i += 1) this.abandonIfStopped(committed[i]!, children);
    const opened = this.#openedByActor?.get(actor.id);
    if (opened !== undefined)
      for (let i = 0; i < opened.length; i += 1) this.abandonIfStopped(opened[i]!, children);
  }

  private abandonIfStopped(row: OutboxRow, children: Record<string, unknown>): void {
    if (this.closed.has(row.key) || row.childId in children) return;
    this.closeOutbox(row.key, 'abandoned', null);
  }

  private closeOutbox(key: string, status: 'done' | 'abandoned', result: string | null): void {
    (this.#closed ??= new Set()).add(key);
    this.set.outboxClosed.push({ key, status, result, closedAt: this.now });
  }

  private deleteTimer(key: string): void {
    const timer = this.timer(key);
    if (timer === undefined) return;
    this.#timersSet?.delete(key);
    (this.#timersDeleted ??= new Map()).set(key, { actorId: timer.actorId, timerId: timer.timerId });
  }
}
