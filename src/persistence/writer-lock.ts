import fs from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { SteadfastError } from '../domain/errors.js';

/** An exclusive lock on an engine database, held by this process until `release` or its exit. */
export interface WriterLock {
  /** The lock file beside the database. */
  readonly file: string;
  release(): void;
}

/** The lock file of an engine database. */
export const lockFileOf = (dbFile: string): string => `${dbFile}.lock`;

/**
 * Takes the engine database's writer lock: an exclusive SQLite (POSIX) lock on `<db>.lock`, kept for as
 * long as this process holds the connection. The kernel drops such a lock the moment the process exits,
 * whatever killed it, before its parent reaps it: a supervisor that restarts an engine at once after
 * SIGKILL finds the lock free, and a process id that lives on (a zombie, or one reused by another program)
 * never keeps a database locked. Throws DATABASE_LOCKED, naming the holder recorded in the database's
 * lease rows, while another live process holds it. The lock proves liveness only; the lease row
 * (lease.ts) carries the fencing token. Take it before opening the database for writing.
 */
export function acquireWriterLock(dbFile: string): WriterLock {
  const file = lockFileOf(dbFile);
  const raw = new SqliteDatabase(file, { timeout: 0 });
  try {
    raw.pragma('locking_mode = EXCLUSIVE');
    raw.pragma('journal_mode = MEMORY');
    // The first write takes the EXCLUSIVE lock; in this locking mode it is kept until the connection closes.
    raw.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)');
    raw.prepare('DELETE FROM holder').run();
    raw.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (err) {
    raw.close();
    if (String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY')) {
      throw new SteadfastError(
        'DATABASE_LOCKED',
        `another engine (${recordedHolder(dbFile)}) is running on this database: its lock ${file} is held`,
        { cause: err },
      );
    }
    throw err;
  }
  let held = true;
  return {
    file,
    release() {
      if (!held) return;
      held = false;
      raw.close();
    },
  };
}

/** Who the database's lease rows name (for the refusal message), read without writing anything. */
function recordedHolder(dbFile: string): string {
  if (!fs.existsSync(dbFile)) return 'unknown process';
  try {
    const raw = new SqliteDatabase(dbFile, { readonly: true, fileMustExist: true, timeout: 1000 });
    try {
      const rows = raw.prepare('SELECT owner FROM leases').all() as { owner: string }[];
      return rows.map((r) => r.owner).join(', ') || 'unknown process';
    } finally {
      raw.close();
    }
  } catch {
    return 'unknown process';
  }
}

/** True while a live process (a running engine) holds the database's writer lock; takes nothing. */
export function writerLockHeld(dbFile: string): boolean {
  try {
    acquireWriterLock(dbFile).release();
    return false;
  } catch (err) {
    if (err instanceof SteadfastError && err.code === 'DATABASE_LOCKED') return true;
    throw err;
  }
}
