import path from 'node:path';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, inject } from 'vitest';
import type { Dialect } from '../../src/persistence/dialect.js';
import { openPostgres } from '../../src/persistence/postgres.js';
import type { Database } from '../../src/persistence/schema.js';
import { openSqlite } from '../../src/persistence/sqlite.js';
import { tempDir } from './tmp.js';

/**
 * The dialect matrix, as Kysely tests itself: `describe.each(dialects)('$name', (dialect) => …)` runs the
 * cases once on SQLite and once on PostgreSQL, each case on its own new, migrated database
 * (`databasePerTest`). The PostgreSQL server is `STEADFAST_TEST_PG` (probed once per run by
 * test/support/postgres-probe.ts); its cases skip when it does not answer, unless
 * `STEADFAST_TEST_PG_REQUIRED=1`.
 */
export interface TestDialect {
  readonly name: Dialect;
  /** False when the cases of this dialect are to be skipped. */
  readonly runs: boolean;
}

const target = inject('postgresTarget');

/** The dialects every persistence case runs on. */
export const dialects: readonly TestDialect[] = [
  { name: 'sqlite', runs: true },
  { name: 'postgres', runs: target.reachable || target.required },
];

/** A case's database. */
export interface TestDatabase {
  readonly db: Kysely<Database>;
  /** The SQLite file, or the PostgreSQL schema, of this case. */
  readonly where: string;
}

let schemas = 0;

/**
 * Registers hooks that give each case of the enclosing describe a new database of `dialect`, migrated to
 * the latest schema, and drop it after: a file in a temporary directory, or a schema of its own on the
 * PostgreSQL server (named after this process, so that parallel test files never share one).
 */
export function databasePerTest(dialect: TestDialect): TestDatabase {
  let current: { db: Kysely<Database>; where: string; close: () => Promise<void> } | undefined;
  beforeEach(async (ctx) => {
    if (!dialect.runs) {
      ctx.skip();
      return;
    }
    if (dialect.name === 'sqlite') {
      const dir = tempDir('dialect');
      const file = path.join(dir.dir, 'engine.db');
      const opened = await openSqlite(file);
      current = {
        db: opened.db,
        where: file,
        close: async () => {
          await opened.close();
          dir.cleanup();
        },
      };
    } else {
      schemas += 1;
      const schema = `steadfast_test_${process.pid}_${schemas}`;
      const opened = await openPostgres(target.url, { schema, connectAttempts: 1, connectTimeoutMs: 3_000 });
      current = {
        db: opened.db,
        where: schema,
        close: async () => {
          await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(opened.db);
          await opened.close();
        },
      };
    }
  });
  afterEach(async () => {
    const closing = current;
    current = undefined;
    await closing?.close();
  });
  return {
    get db() {
      if (current === undefined) throw new Error(`databasePerTest(${dialect.name}): no case is running`);
      return current.db;
    },
    get where() {
      if (current === undefined) throw new Error(`databasePerTest(${dialect.name}): no case is running`);
      return current.where;
    },
  };
}
