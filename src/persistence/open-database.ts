import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../domain/logger.js';
import type { Durability } from './durability.js';
import type { EngineDatabase } from './engine-database.js';
import { claimedLeases } from './lease.js';
import { isPostgresUrl, openPostgres, postgresTarget, redactUrl } from './postgres.js';
import type { Database } from './schema.js';
import { openSqlite, openSqliteForOperator, openSqliteReadOnly } from './sqlite.js';
import { writerLockHeld } from './writer-lock.js';

export type { EngineDatabase } from './engine-database.js';

/** How to open an engine database beyond its location. */
export interface OpenOptions {
  durability?: Durability;
  /** Where PostgreSQL's retry warnings go. */
  logger?: Logger;
  clock?: Clock;
  /** Attempts to reach a PostgreSQL server before giving up (default 10, one a second). */
  connectAttempts?: number;
  /** PostgreSQL: see PostgresOptions.idleInTransactionTimeoutMs. */
  idleInTransactionTimeoutMs?: number;
}

/**
 * Opens the engine database `target` for an engine: a SQLite file (created and migrated if needed), or a
 * PostgreSQL server named by a `postgres://` / `postgresql://` URL (migrated; `?schema=<name>` picks the
 * schema the tables live in, created if missing).
 */
export async function openEngineDatabase(target: string, options: OpenOptions = {}): Promise<EngineDatabase> {
  const durability = options.durability ?? 'intent';
  if (!isPostgresUrl(target)) {
    return openSqlite(target, durability);
  }
  const { url, schema } = postgresTarget(target);
  const { logger, clock, connectAttempts, idleInTransactionTimeoutMs } = options;
  const opened = await openPostgres(url, {
    schema,
    logger,
    clock,
    connectAttempts,
    idleInTransactionTimeoutMs,
  });
  return {
    db: opened.db,
    dialect: 'postgres',
    location: opened.url,
    // Every PostgreSQL commit waits for its WAL flush (synchronous_commit is the server's to set).
    durability: 'full',
    setFullSync: () => {},
    writer: opened.writer,
    close: () => opened.close(),
  };
}

/**
 * Opens an existing engine database for reading only (status, operator reads, the visualizer); never
 * migrates. On PostgreSQL every transaction of the connection is read-only.
 */
export async function openEngineDatabaseReadOnly(target: string): Promise<Kysely<Database>> {
  if (!isPostgresUrl(target)) return openSqliteReadOnly(target);
  const { url, schema } = postgresTarget(target);
  const opened = await openPostgres(url, {
    schema,
    createSchema: false,
    migrate: false,
    readOnly: true,
    poolSize: 2,
    connectAttempts: 1,
  });
  return opened.db;
}

/**
 * Opens an existing engine database for an operator command that writes a little (trading state, an
 * acknowledgement, an archive request), whether or not an engine runs on it; migrated to the latest schema.
 */
export async function openEngineDatabaseForOperator(target: string): Promise<Kysely<Database>> {
  if (!isPostgresUrl(target)) return openSqliteForOperator(target);
  const { url, schema } = postgresTarget(target);
  const opened = await openPostgres(url, {
    schema,
    createSchema: false,
    poolSize: 2,
    connectAttempts: 1,
  });
  return opened.db;
}

/** `target` as messages and logs may show it: a file as given, a PostgreSQL URL without its password. */
export function shownDb(target: string): string {
  return isPostgresUrl(target) ? redactUrl(target) : target;
}

/**
 * True when an engine runs on the database `target` (open as `db`): it holds the SQLite file's writer
 * lock, or (PostgreSQL) a lease that has not expired at `now`.
 */
export async function engineRuns(target: string, db: Kysely<Database>, now: number): Promise<boolean> {
  if (!isPostgresUrl(target)) return writerLockHeld(target);
  return (await claimedLeases(db, now)).length > 0;
}
