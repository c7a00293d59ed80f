import { Migrator, sql } from 'kysely';
import type { Kysely } from 'kysely';
import { SteadfastError } from '../domain/errors.js';
import { isPostgres } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

/**
 * Runs the in-code migrations on either dialect; throws with the failing migration's name. On PostgreSQL
 * the migrations and Kysely's own bookkeeping tables live in the connection's current schema (the first of
 * its search_path), so that several engine databases can share one server database in separate schemas.
 */
export async function migrate(db: Kysely<Database>): Promise<void> {
  const schema = isPostgres(db) ? await currentSchema(db) : undefined;
  const provider = migrationProvider;
  const migrator = new Migrator(
    schema === undefined ? { db, provider } : { db, provider, migrationTableSchema: schema },
  );
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new SteadfastError('INTERNAL', `schema migration ${failed} failed`, { cause: error });
  }
}

/** The schema unqualified table names resolve to on a PostgreSQL connection. */
export async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema ?? null;
  if (schema === null) {
    throw new SteadfastError('CONFIG_INVALID', 'PostgreSQL: no schema of the search_path exists');
  }
  return schema;
}
