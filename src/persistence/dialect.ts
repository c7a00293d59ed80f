import { PostgresAdapter } from 'kysely';
import type { Kysely } from 'kysely';

/** The SQL dialect of an open database: the embedded default, or a PostgreSQL server. */
export type Dialect = 'sqlite' | 'postgres';

/** True when `db` talks to PostgreSQL (Kysely's Postgres dialect), false on SQLite. */
export function isPostgres<DB>(db: Kysely<DB>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** The dialect of an open database. */
export function dialectOf<DB>(db: Kysely<DB>): Dialect {
  return isPostgres(db) ? 'postgres' : 'sqlite';
}
