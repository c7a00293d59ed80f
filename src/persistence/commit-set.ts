import type { FillsTable, MetaTable, OrdersTable, PositionsTable } from './schema.js';

/** A new or changed actor snapshot. */
export interface ActorWrite {
  id: string;
  machine: string;
  version: number;
  /** The revision after this batch. */
  rev: number;
  /** The revision the batch started from (0: a new actor). The row must still be at it. */
  baseRev: number;
  state: string;
  live: boolean;
  snapshot: string;
  createdAt: number;
  at: number;
}

/** One journaled event. */
export interface JournalWrite {
  actorId: string;
  rev: number;
  eventType: string;
  event: string;
  state: string;
  at: number;
}

/** The intent of one exchange call. */
export interface OutboxWrite {
  key: string;
  actorId: string;
  childId: string;
  src: string;
  input: string;
  createdAt: number;
}

/** An outbox row closing: its result applied (`done`) or no longer awaited (`abandoned`). */
export interface OutboxClose {
  key: string;
  status: 'done' | 'abandoned';
  result: string | null;
  closedAt: number;
}

/** A durable delayed event. */
export interface TimerWrite {
  actorId: string;
  timerId: string;
  event: string;
  dueAt: number;
}

/** An anomaly occurrence, upserted by (kind, subject). */
export interface AnomalyWrite {
  kind: string;
  subject: string;
  detail: string;
  at: number;
}

/** A fill ledger row changing status (a contested version decided). */
export interface FillStatusWrite {
  venue: string;
  tradeId: string;
  status: string;
}

/** Everything one transaction writes. Built by the runtime, written by the store, all or nothing. */
export interface CommitSet {
  batch: number;
  actors: ActorWrite[];
  journal: JournalWrite[];
  outbox: OutboxWrite[];
  outboxClosed: OutboxClose[];
  timers: TimerWrite[];
  timersDeleted: { actorId: string; timerId: string }[];
  orders: OrdersTable[];
  fills: FillsTable[];
  fillStatuses: FillStatusWrite[];
  positions: PositionsTable[];
  anomalies: AnomalyWrite[];
  meta: MetaTable[];
}

/** An empty commit set for batch `batch`. */
export function emptyCommitSet(batch: number): CommitSet {
  return {
    batch,
    actors: [],
    journal: [],
    outbox: [],
    outboxClosed: [],
    timers: [],
    timersDeleted: [],
    orders: [],
    fills: [],
    fillStatuses: [],
    positions: [],
    anomalies: [],
    meta: [],
  };
}

/** True when the set writes nothing. */
export function isEmptyCommitSet(set: CommitSet): boolean {
  return (
    set.actors.length +
      set.journal.length +
      set.outbox.length +
      set.outboxClosed.length +
      set.timers.length +
      set.timersDeleted.length +
      set.orders.length +
      set.fills.length +
      set.fillStatuses.length +
      set.positions.length +
      set.anomalies.length +
      set.meta.length ===
    0
  );
}
