import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';
import { SteadfastError } from '../domain/errors.js';
import { Checkpointer } from './checkpointer.js';
import type { Durability } from './durability.js';
import type { EngineDatabase } from './engine-database.js';
import type { ActorReader, SnapshotReader, TradeReader } from './engine-store.js';
import { SqliteWriter } from './sqlite-writer.js';
import { migrate } from './migrate.js';
import type { Database } from './schema.js';
import { sqliteReaders } from './sqlite-readers.js';

export type { Durability } from './durability.js';
export { migrate } from './migrate.js';

/** An open SQLite engine database: its file, its writer thread and synchronous readers. */
export interface SqliteEngineDatabase extends EngineDatabase {
  readonly dialect: 'sqlite';
  readonly path: string;
  /** The writer thread that commits the runtime's batches (null for `:memory:`). */
  readonly writer: SqliteWriter | null;
  readonly readSnapshot: SnapshotReader;
  readonly readTrades: TradeReader;
  readonly readActors: ActorReader;
}

/** Opens (creating if needed) a SQLite engine database in WAL mode and migrates it to the latest schema. */
export async function openSqlite(
  file: string,
  durability: Durability = 'intent',
): Promise<SqliteEngineDatabase> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const raw = new SqliteDatabase(file);
  // A new database gives the pages retention frees back to the file system (incremental vacuum): the mode
  // can only be chosen before the first table.
  if (raw.prepare('select count(*) from sqlite_schema').pluck().get() === 0)
    raw.pragma('auto_vacuum = INCREMENTAL');
  raw.pragma('journal_mode = WAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('cache_size = -8192'); // 8 MiB: this connection only reads (the writer thread has its own)
  if (file !== ':memory:') raw.pragma('mmap_size = 1073741824');
  // Checkpoints run on their own thread (see Checkpointer), never inside a commit.
  const checkpointer = file === ':memory:' ? null : new Checkpointer(file);
  raw.pragma(`wal_autocheckpoint = ${checkpointer === null ? 1000 : 0}`);
  let full = durability === 'full';
  raw.pragma(`synchronous = ${full ? 'FULL' : 'NORMAL'}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(raw) }) });
  await migrate(db);
  const writer = file === ':memory:' ? null : new SqliteWriter(file, durability);
  const readers = sqliteReaders(raw);
  return {
    writer,
    readActors: readers.actors,
    readSnapshot: readers.snapshot,
    readTrades: readers.trades,
    db,
    dialect: 'sqlite',
    path: file,
    location: file,
    durability,
    setFullSync(wanted: boolean) {
      if (durability !== 'intent' || wanted === full) return;
      raw.pragma(`synchronous = ${wanted ? 'FULL' : 'NORMAL'}`);
      full = wanted;
    },
    close: async () => {
      await writer?.close();
      await db.destroy();
      await checkpointer?.stop();
    },
  };
}

/**
 * Kysely's SQLite driver prepares every statement anew; the engine runs the same few shapes all the time.
 * This keeps the most recent prepared statements by SQL text (better-sqlite3 statements are reusable).
 */
function cachingStatements(raw: SqliteDatabase.Database, size = 512): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => raw.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement !== undefined) {
        cache.delete(sql);
      } else {
        statement = raw.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement as unknown as ReturnType<KyselySqliteDatabase['prepare']>;
    },
  };
}

/** Opens an existing engine database read-only (for status and the visualizer); never migrates. */
export function openSqliteReadOnly(file: string): Kysely<Database> {
  if (!fs.existsSync(file)) {
    throw new SteadfastError('INVALID_INPUT', `--db: no database at ${file}`);
  }
  const raw = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  raw.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
}

/**
 * Opens an existing engine database for an operator command that writes a little (an acknowledgement),
 * whether or not an engine runs on it: no writer thread, no checkpointer; migrated to the latest schema.
 */
export async function openSqliteForOperator(file: string): Promise<Kysely<Database>> {
  if (!fs.existsSync(file)) {
    throw new SteadfastError('INVALID_INPUT', `--db: no database at ${file}`);
  }
  const raw = new SqliteDatabase(file, { fileMustExist: true });
  raw.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    await migrate(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}

/** Runs `PRAGMA integrity_check` on a SQLite file and returns its answer (`ok` when healthy). */
export function integrityCheck(file: string): string {
  const raw = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  try {
    const rows = raw.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('\n');
  } finally {
    raw.close();
  }
}
