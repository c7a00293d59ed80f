import { emptyCommitSet } from '../persistence/commit-set.js';
import { jsonColumn } from '../persistence/json-column.js';
import type { CommitSet } from '../persistence/commit-set.js';
import { DomainWrites } from './domain-writes.js';
import type { HostedActor } from './hosted-actor.js';
import type { OutboxRow } from './types.js';
import type { BatchHost, TimerEntry } from './batch-host.js';
import { extend } from '../domain/extend.js';

/** What a batch that wrote none of them reads as its calls, timers or remembered keys. */
const NONE_MAP: ReadonlyMap<string, never> = new Map<string, never>();
const NONE_SET: ReadonlySet<string> = new Set();

/**
 * What a batch changes, as an overlay over the committed state (its host): changed actors, calls opened
 * and closed, timers set and deleted, remembered keys. Reads see the overlay first, then the committed
 * state; `finish` writes the overlay's final rows into the batch's commit set. See Batch.
 */
export abstract class BatchOverlay extends DomainWrites {
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
    protected readonly host: BatchHost,
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

  /** Puts a changed actor into the batch; its first change here keeps the revision and state it came from. */
  protected change(actor: HostedActor): void {
    if (!this.baseRevs.has(actor.id)) {
      this.baseRevs.set(actor.id, actor.rev - 1);
      const previous = this.host.committedActor(actor.id);
      if (previous !== undefined) this.before.set(actor.id, previous);
    }
    this.actors.set(actor.id, actor);
  }

  /** Opens an outbox row (a call intent, sent after the commit). */
  protected openCall(row: OutboxRow): void {
    (this.#opened ??= new Map()).set(row.key, row);
    const mine = (this.#openedByActor ??= new Map()).get(row.actorId);
    if (mine === undefined) this.#openedByActor.set(row.actorId, [row]);
    else mine.push(row);
  }

  /** Sets (or resets) a durable timer. */
  protected setTimer(key: string, timer: TimerEntry): void {
    this.#timersDeleted?.delete(key);
    (this.#timersSet ??= new Map()).set(key, timer);
  }

  /** Calls whose invoking state was left are no longer awaited: their rows close as abandoned. */
  protected abandonStoppedCalls(actor: HostedActor): void {
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

  protected closeOutbox(key: string, status: 'done' | 'abandoned', result: string | null): void {
    (this.#closed ??= new Set()).add(key);
    this.set.outboxClosed.push({ key, status, result, closedAt: this.now });
  }

  protected deleteTimer(key: string): void {
    const timer = this.timer(key);
    if (timer === undefined) return;
    this.#timersSet?.delete(key);
    (this.#timersDeleted ??= new Map()).set(key, { actorId: timer.actorId, timerId: timer.timerId });
  }
}
