import type SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { bind, bindRecord, fieldsOf } from './bound-statement.js';
import type { BoundStatement } from './bound-statement.js';
import { LEDGER_TRADE, STORED_ACTOR } from './stored-records.js';
import type { ActorReader, LedgerTrade, SnapshotReader, TradeReader } from './engine-store.js';
import type { Database } from './schema.js';
import { sqliteCompiler } from './sqlite-compiler.js';
import type { StoredActor } from './stored-records.js';

const db = sqliteCompiler<Database>();
const byId = fieldsOf<{ id: string }>();
const byIds = fieldsOf<{ ids: string }>();
const tradesOf = fieldsOf<{ venue: string; ids: string }>();

/** A JSON array parameter's elements: one statement for any number of ids, probing the primary key. */
const elementsOf = (json: string) => sql<string>`(select value from json_each(${json}))`;

/** The reads the runtime makes while it builds a batch, compiled once with Kysely (see `sqliteReaders`). */
const READS = {
  snapshot: bind(db.selectFrom('actors').select(['snapshot', 'rev']).where('id', '=', byId.id)),
  actors: bind(db.selectFrom('actors').select(STORED_ACTOR).where('id', 'in', elementsOf(byIds.ids))),
  trades: bind(
    db
      .selectFrom('fills')
      .select(LEDGER_TRADE)
      .where('venue', '=', tradesOf.venue)
      .where('trade_id', 'in', elementsOf(tradesOf.ids)),
  ),
} satisfies Record<string, BoundStatement>;

/**
 * Synchronous reads on the engine's reading connection, prepared once: an actor's snapshot (recovery
 * restores snapshots lazily), the named actors, and the ledger's rows of trade ids. A batch makes them
 * without building, compiling or awaiting a query.
 */
export function sqliteReaders(raw: SqliteDatabase.Database): {
  snapshot: SnapshotReader;
  actors: ActorReader;
  trades: TradeReader;
} {
  const snapshot = raw.prepare(READS.snapshot.sql);
  const actors = raw.prepare(READS.actors.sql);
  const trades = raw.prepare(READS.trades.sql);
  return {
    snapshot: (id) =>
      snapshot.get(bindRecord(READS.snapshot, { id })) as { snapshot: string; rev: number } | undefined,
    actors: (ids) => actors.all(bindRecord(READS.actors, { ids: JSON.stringify(ids) })) as StoredActor[],
    trades: (venue, ids) =>
      trades.all(bindRecord(READS.trades, { venue, ids: JSON.stringify(ids) })) as LedgerTrade[],
  };
}
