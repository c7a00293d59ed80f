import { sql } from 'kysely';
import { fieldsOf } from '../bound-statement.js';
import type { Database } from '../schema.js';
import { sqliteCompiler } from '../sqlite-compiler.js';

/** The engine's tables as seen from a connection with the archive file attached as `arc`. */
type Qualified<S extends string> = { [K in keyof Database as `${S}.${K & string}`]: Database[K] };
/** Compiles the archive's statements (run by better-sqlite3 on the archiver's connection). */
export const archiveDb = sqliteCompiler<Qualified<'main'> & Qualified<'arc'>>();

/** A long-lived actor's journal rows to archive: after `from` (the base's rev), up to and including `to`. */
export interface JournalRange {
  actorId: string;
  from: number;
  to: number;
}

/** The record of a move: the actor ids and the clientOrderIds of its orders (JSON arrays). */
export const moveIds = fieldsOf<{ ids: string; orderIds: string }>();
/** The record of a journal range's move. */
export const rangeFields = fieldsOf<JournalRange>();

/** A JSON array parameter's elements. */
export const elementsOf = (json: string) => sql<string>`(select value from json_each(${json}))`;
