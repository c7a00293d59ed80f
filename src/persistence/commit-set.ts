import type { JsonColumn } from './json-column.js';

/**
 * What one transaction writes, as the runtime and the engine name it. Only src/persistence knows the
 * tables and columns these land in (commit-statements.ts).
 */

/** A new or changed actor snapshot. */
/** The lease a writer must still hold, at this fencing token, for its commit to be written. */
export interface FenceCheck {
  name: string;
  token: number;
}

export interface ActorWrite {
  id: string;
  machine: string;
  version: number;
  /** The revision after this batch. */
  rev: number;
  /** The revision the batch started from (0: a new actor). The row must still be at it. */
  baseRev: number;
  state: string;
  /** 1 while the actor can still change (not terminal), else 0. */
  live: 0 | 1;
  /** The persisted snapshot (JSON). */
  snapshot: JsonColumn;
  createdAt: number;
  at: number;
}

/** One journaled event. */
export interface JournalWrite {
  batch: number;
  actorId: string;
  rev: number;
  eventType: string;
  event: JsonColumn;
  state: string;
  at: number;
}

/** A venue fact an actor did not take (see IgnoredFactsTable). */
export interface IgnoredFactWrite {
  batch: number;
  actorId: string;
  rev: number;
  eventType: string;
  event: JsonColumn;
  state: string;
  reason: string;
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
  /**
   * For a guarded call (an order placement): the trading-state version it was allowed under. The row is
   * inserted only while the stored version is still that one; otherwise the commit refuses it (see
   * CommitOutcome). Null: not guarded.
   */
  gateVersion: number | null;
}

/** What a commit refused while writing the rest: the keys of guarded call intents it did not insert. */
export interface CommitOutcome {
  refused: readonly string[];
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
  event: JsonColumn;
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

/** The projection of an order's lifecycle (see OrdersTable). */
export interface OrderRecord {
  clientOrderId: string;
  venue: string;
  symbol: string;
  side: string;
  type: string;
  price: string | null;
  quantity: string;
  state: string;
  venueOrderId: string | null;
  level: string | null;
  owner: string | null;
  reason: string | null;
  anomalies: number;
  /** How much more the venue reports filled than the ledger holds (decimal string), or null. */
  fillGap: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One venue trade in the fill ledger (see FillsTable for `status`). */
export interface FillRecord {
  venue: string;
  tradeId: string;
  clientOrderId: string | null;
  venueOrderId: string;
  symbol: string;
  side: string;
  price: string;
  quantity: string;
  fee: string;
  feeCurrency: string;
  liquidity: string | null;
  at: number;
  status: string;
  recordedAt: number;
}

/** The projection of a position book. */
export interface PositionRecord {
  venue: string;
  symbol: string;
  quantity: string;
  averagePrice: string;
  realizedPnl: string;
  fees: string;
  fillCount: number;
  updatedAt: number;
}

/** A small engine fact (a trade cursor, a balance baseline), upserted by key. */
export interface MetaWrite {
  key: string;
  value: string;
}

/** A timer no longer due. */
export interface TimerDelete {
  actorId: string;
  timerId: string;
}

/** Everything one transaction writes. Built by the runtime, written by the store, all or nothing. */
export interface CommitSet {
  batch: number;
  actors: ActorWrite[];
  journal: JournalWrite[];
  ignored: IgnoredFactWrite[];
  outbox: OutboxWrite[];
  outboxClosed: OutboxClose[];
  timers: TimerWrite[];
  timersDeleted: TimerDelete[];
  orders: OrderRecord[];
  fills: FillRecord[];
  fillStatuses: FillStatusWrite[];
  positions: PositionRecord[];
  anomalies: AnomalyWrite[];
  meta: MetaWrite[];
}

/** An empty commit set for batch `batch`. */
export function emptyCommitSet(batch: number): CommitSet {
  return {
    batch,
    actors: [],
    journal: [],
    ignored: [],
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
      set.ignored.length +
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
