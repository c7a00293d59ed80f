import fs from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';

/**
 * Opens (creating if needed) a simulated venue's own SQLite file: WAL, `synchronous=NORMAL` (a venue
 * process kill loses nothing), foreign keys on, and its schema applied (`CREATE … IF NOT EXISTS`).
 */
export function openVenueFile(path: string, schema: string): Database.Database {
  if (path !== ':memory:') fs.mkdirSync(nodePath.dirname(nodePath.resolve(path)), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.exec(schema);
  return db;
}
