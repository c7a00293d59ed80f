import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/persistence/sqlite.js';
import { tempDirPerTest } from '../support/test-dir.js';

const tmp = tempDirPerTest('sqlite-schema');

/**
 * What the released migrations create in a new SQLite file, every row of `sqlite_master` (tables, indexes
 * and their SQL), as they created it before PostgreSQL was supported. Migrations are released: a file
 * migrated today must be exactly what it was.
 */
const EXPECTED = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, 'sqlite-schema.expected.json'), 'utf8'),
) as unknown;

describe('SQLite schema', () => {
  it('a new file migrates to exactly the sqlite_master the released migrations always produced', async () => {
    const file = path.join(tmp.dir, 'engine.db');
    const db = await openSqlite(file);
    await db.close();
    const raw = new SqliteDatabase(file, { readonly: true });
    try {
      const rows = raw
        .prepare('select type, name, tbl_name, sql from sqlite_master order by type, name')
        .all();
      expect(rows).toEqual(EXPECTED);
    } finally {
      raw.close();
    }
  });
});
