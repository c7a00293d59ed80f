import type { Kysely, Selectable } from 'kysely';
import { addStr, subStr } from '../domain/decimal.js';
import { isPostgres } from './dialect.js';
import type { FillRecord, OrderRecord } from './commit-set.js';
import type { Database, FillsTable, OrdersTable } from './schema.js';

/**
 * The reads of the operator commands (`orders`, `order`, `fills`, `replay --verify`). Every function reads
 * only; on a read-only connection they work while an engine writes the same database (WAL).
 */

export type { FillRecord, OrderRecord } from './commit-set.js';

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

/** A position projection next to the sum of the ledger fills that moved it. */
export interface PositionVsLedger {
  venue: string;
  symbol: string;
  /** The position's quantity, or null when the ledger has fills of a (venue, symbol) without a position. */
  position: string | null;
  /** Signed sum (buys minus sells) of the ledger's applied and orphan fills. */
  ledger: string;
  /** Ledger fills that moved the position. */
  fills: number;
}

/** What replay verification checks of the ledger. */
export interface LedgerCheck {
  positions: PositionVsLedger[];
  /** (venue, tradeId) pairs the ledger holds more than once. */
  duplicateTrades: { venue: string; tradeId: string; count: number }[];
}

/** Fill statuses that moved a position. */
const POSITION_FILLS = ['applied', 'orphan'];

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
): Promise<{ order: OrderRecord; journal: JournalRecord[]; fills: FillRecord[] } | null> {
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
    fills: fills.map(toFillRecord),
  };
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

/** Meta key of an archive file: the live database it was archived from (see archive-store.ts). */
export const ARCHIVE_OF_KEY = 'archive.of';

/**
 * Each position next to the signed sum of its ledger fills (exact decimals), and the (venue, tradeId)
 * pairs the ledger holds more than once. An archive file has no positions (they stay in the live
 * database, with every fill): only its duplicates are checked.
 */
export async function readLedgerCheck(db: Kysely<Database>): Promise<LedgerCheck> {
  const archiveOf = await db
    .selectFrom('meta')
    .select('value')
    .where('key', '=', ARCHIVE_OF_KEY)
    .executeTakeFirst();
  if (archiveOf !== undefined) return { positions: [], duplicateTrades: await duplicateTrades(db) };
  const positions = await db
    .selectFrom('positions')
    .select(['venue', 'symbol', 'quantity'])
    .orderBy('venue')
    .orderBy('symbol')
    .execute();
  const sums = new Map<string, PositionVsLedger>();
  for (const p of positions) {
    sums.set(JSON.stringify([p.venue, p.symbol]), {
      venue: p.venue,
      symbol: p.symbol,
      position: p.quantity,
      ledger: '0',
      fills: 0,
    });
  }
  for await (const f of positionFills(db)) {
    const key = JSON.stringify([f.venue, f.symbol]);
    let sum = sums.get(key);
    if (sum === undefined) {
      sum = { venue: f.venue, symbol: f.symbol, position: null, ledger: '0', fills: 0 };
      sums.set(key, sum);
    }
    sum.ledger = f.side === 'buy' ? addStr(sum.ledger, f.quantity) : subStr(sum.ledger, f.quantity);
    sum.fills += 1;
  }
  return { positions: [...sums.values()], duplicateTrades: await duplicateTrades(db) };
}

/** A ledger fill as the ledger check reads it. */
interface PositionFill {
  venue: string;
  trade_id: string;
  symbol: string;
  side: string;
  quantity: string;
}

/** Rows a keyset page of the ledger reads on PostgreSQL. */
const FILL_PAGE = 10_000;

/**
 * The ledger's fills that moved a position, read without holding them all: streamed on SQLite; on
 * PostgreSQL (whose streaming needs a cursor package) read in pages along the primary key.
 */
async function* positionFills(db: Kysely<Database>): AsyncGenerator<PositionFill> {
  const query = db
    .selectFrom('fills')
    .select(['venue', 'trade_id', 'symbol', 'side', 'quantity'])
    .where('status', 'in', POSITION_FILLS);
  if (!isPostgres(db)) {
    yield* query.stream();
    return;
  }
  let after: PositionFill | null = null;
  for (;;) {
    const from: PositionFill | null = after;
    const page: PositionFill[] = await (
      from === null
        ? query
        : query.where((eb) =>
            eb.or([
              eb('venue', '>', from.venue),
              eb.and([eb('venue', '=', from.venue), eb('trade_id', '>', from.trade_id)]),
            ]),
          )
    )
      .orderBy('venue')
      .orderBy('trade_id')
      .limit(FILL_PAGE)
      .execute();
    yield* page;
    const last: PositionFill | undefined = page.at(-1);
    if (page.length < FILL_PAGE || last === undefined) return;
    after = last;
  }
}

/** The (venue, tradeId) pairs the ledger holds more than once. */
async function duplicateTrades(db: Kysely<Database>): Promise<LedgerCheck['duplicateTrades']> {
  const duplicates = await db
    .selectFrom('fills')
    .select(['venue', 'trade_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['venue', 'trade_id'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  return duplicates.map((d) => ({ venue: d.venue, tradeId: d.trade_id, count: Number(d.n) }));
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
