import type { Kysely, Selectable } from 'kysely';
import { isPostgres } from './dialect.js';
import type { FillRecord, OrderRecord } from './commit-set.js';
import type { Database, FillsTable, OrdersTable } from './schema.js';

/**
 * The reads of the operator commands (`orders`, `order`, `fills`, `replay --verify`). Every function reads
 * only; on a read-only connection they work while an engine writes the same database (WAL).
 */

export type { FillRecord, OrderRecord } from './commit-set.js';
export { ARCHIVE_OF_KEY, readLedgerCheck } from './ledger-check.js';
export type { LedgerCheck, PositionVsLedger } from './ledger-check.js';

/** One journal row: an event applied to an actor and the state it led to. */
export interface JournalRecord {
  seq: number;
  batch: number;
  rev: number;
  eventType: string;
  /** The event as journaled (JSON text). */
  event: string;
  /** Dotted state path after the event. */
  state: string;
  at: number;
}

/** A venue fact an actor did not take (see IgnoredFactsTable). */
export interface IgnoredFactRecord {
  seq: number;
  /** The actor's revision when it arrived. */
  rev: number;
  eventType: string;
  /** The fact as recorded (JSON text). */
  event: string;
  /** The state it met. */
  state: string;
  reason: string;
  at: number;
}

/** An actor's stored row: its latest snapshot (JSON text) and revision. */
export interface ActorRecord {
  id: string;
  machine: string;
  version: number;
  rev: number;
  state: string;
  live: boolean;
  snapshot: string;
}

function toOrderRecord(o: Selectable<OrdersTable>): OrderRecord {
  return {
    clientOrderId: o.client_order_id,
    venue: o.venue,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    price: o.price,
    quantity: o.quantity,
    state: o.state,
    venueOrderId: o.venue_order_id,
    level: o.level,
    owner: o.owner,
    reason: o.reason,
    anomalies: Number(o.anomalies),
    fillGap: o.fill_gap,
    createdAt: Number(o.created_at),
    updatedAt: Number(o.updated_at),
  };
}

function toFillRecord(f: Selectable<FillsTable>): FillRecord {
  return {
    venue: f.venue,
    tradeId: f.trade_id,
    clientOrderId: f.client_order_id,
    venueOrderId: f.venue_order_id,
    symbol: f.symbol,
    side: f.side,
    price: f.price,
    quantity: f.quantity,
    fee: f.fee,
    feeCurrency: f.fee_currency,
    liquidity: f.liquidity,
    at: Number(f.at),
    status: f.status,
    recordedAt: Number(f.recorded_at),
  };
}

/** Orders, oldest first, optionally of one state and/or one symbol. */
export async function listOrders(
  db: Kysely<Database>,
  filter: { state?: string; symbol?: string },
): Promise<OrderRecord[]> {
  let q = db.selectFrom('orders').selectAll();
  if (filter.state !== undefined) q = q.where('state', '=', filter.state);
  if (filter.symbol !== undefined) q = q.where('symbol', '=', filter.symbol);
  const rows = await q.orderBy('created_at').orderBy('client_order_id').execute();
  return rows.map(toOrderRecord);
}

/** One order with its actor's whole journal and its ledger fills, or null when the database has no such order. */
export async function readOrder(
  db: Kysely<Database>,
  clientOrderId: string,
  actorId: string,
): Promise<{
  order: OrderRecord;
  journal: JournalRecord[];
  ignoredFacts: IgnoredFactRecord[];
  fills: FillRecord[];
} | null> {
  const row = await db
    .selectFrom('orders')
    .selectAll()
    .where('client_order_id', '=', clientOrderId)
    .executeTakeFirst();
  if (row === undefined) return null;
  const fills = await db
    .selectFrom('fills')
    .selectAll()
    .where('client_order_id', '=', clientOrderId)
    .orderBy('at')
    .orderBy('trade_id')
    .execute();
  return {
    order: toOrderRecord(row),
    journal: await readJournal(db, actorId),
    ignoredFacts: await readIgnoredFacts(db, actorId),
    fills: fills.map(toFillRecord),
  };
}

/**
 * The venue facts an actor did not take, in the order they came (the first `limit`, if given); none in a
 * database (or archive file) no engine has migrated since they are recorded.
 */
export async function readIgnoredFacts(
  db: Kysely<Database>,
  actorId: string,
  limit?: number,
): Promise<IgnoredFactRecord[]> {
  let q = db
    .selectFrom('ignored_facts')
    .select(['seq', 'rev', 'event_type', 'event', 'state', 'reason', 'at'])
    .where('actor_id', '=', actorId)
    .orderBy('seq');
  if (limit !== undefined) q = q.limit(limit);
  const rows = await q.execute().catch(() => []);
  return rows.map((r) => ({
    seq: Number(r.seq),
    rev: Number(r.rev),
    eventType: r.event_type,
    event: r.event,
    state: r.state,
    reason: r.reason,
    at: Number(r.at),
  }));
}

/** Ledger fills in the order they happened, those at or after `since` (ms) when given. */
export async function listFills(db: Kysely<Database>, filter: { since?: number }): Promise<FillRecord[]> {
  let q = db.selectFrom('fills').selectAll();
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
  const rows = await q.orderBy('at').orderBy('venue').orderBy('trade_id').execute();
  return rows.map(toFillRecord);
}

/** An actor's journal in revision order. */
export async function readJournal(db: Kysely<Database>, actorId: string): Promise<JournalRecord[]> {
  const rows = await db
    .selectFrom('journal')
    .select(['seq', 'batch', 'rev', 'event_type', 'event', 'state', 'at'])
    .where('actor_id', '=', actorId)
    .orderBy('rev')
    .execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    batch: Number(r.batch),
    rev: Number(r.rev),
    eventType: r.event_type,
    event: r.event,
    state: r.state,
    at: Number(r.at),
  }));
}

/** Where an actor's journal starts when its oldest rows were archived, or null (at `xstate.init`). */
export async function readJournalBase(
  db: Kysely<Database>,
  actorId: string,
): Promise<{ rev: number; version: number; snapshot: string } | null> {
  const row = await db
    .selectFrom('journal_base')
    .select(['rev', 'version', 'snapshot'])
    .where('actor_id', '=', actorId)
    .executeTakeFirst();
  return row === undefined
    ? null
    : { rev: Number(row.rev), version: Number(row.version), snapshot: row.snapshot };
}

/** Every actor's id, in id order. */
export async function listActorIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('actors').select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** One actor's stored row, or null. */
export async function readActor(db: Kysely<Database>, id: string): Promise<ActorRecord | null> {
  const r = await db.selectFrom('actors').selectAll().where('id', '=', id).executeTakeFirst();
  if (r === undefined) return null;
  return {
    id: r.id,
    machine: r.machine,
    version: Number(r.version),
    rev: Number(r.rev),
    state: r.state,
    live: Number(r.live) === 1,
    snapshot: r.snapshot,
  };
}

/**
 * Runs `fn` in one read transaction: every read inside sees the same committed state, even while an
 * engine commits to the database.
 */
export function readConsistently<T>(
  db: Kysely<Database>,
  fn: (tx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  // A SQLite transaction reads one snapshot throughout; PostgreSQL's default (read committed) takes a new
  // one per statement: repeatable read keeps the first.
  if (isPostgres(db))
    return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn);
  return db.transaction().execute(fn);
}
