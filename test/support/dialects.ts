import path from 'node:path';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, inject } from 'vitest';
import type { Dialect } from '../../src/persistence/dialect.js';
import { openPostgres } from '../../src/persistence/postgres.js';
import type { Database } from '../../src/persistence/schema.js';
import { openSqlite } from '../../src/persistence/sqlite.js';
import type { PostgresTarget } from './postgres-probe.js';
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

/** The unit project runs no server and probes none: there the PostgreSQL cases are simply absent. */
const target: PostgresTarget = (inject('postgresTarget') as PostgresTarget | undefined) ?? {
  url: '',
  reachable: false,
  required: false,
};

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

/** A new schema name on the test server, unique in this run (named after this process). */
function newSchema(): string {
  schemas += 1;
  return `steadfast_test_${process.pid}_${schemas}`;
}

/** Drops `schema` on the test server (and everything in it). */
async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

/** Where a case's engine database lives: a SQLite file, or a `postgres://…?schema=…` URL. */
export interface EngineTarget {
  /** What `--db` / openEngineDatabase take: reopening it (a restart) finds the same database. */
  readonly target: string;
}

/** A new engine database location of `dialect` (nothing is created until it is opened), and its removal. */
export function newEngineTarget(
  dialect: TestDialect,
  file: string,
): { target: string; drop(): Promise<void> } {
  if (dialect.name === 'sqlite') return { target: file, drop: async () => {} };
  const schema = newSchema();
  const url = new URL(target.url);
  url.searchParams.set('schema', schema);
  return { target: url.toString(), drop: () => dropSchema(schema) };
}

/**
 * Registers hooks that give each case of the enclosing describe the location of a new engine database of
 * `dialect` (nothing is created until the case opens it): `file` under `dir()` on SQLite, a schema of its
 * own on the PostgreSQL server, dropped after the case.
 */
export function engineTargetPerTest(dialect: TestDialect, file: () => string): EngineTarget {
  let current: { target: string; drop(): Promise<void> } | undefined;
  beforeEach((ctx) => {
    if (!dialect.runs) {
      ctx.skip();
      return;
    }
    current = newEngineTarget(dialect, file());
  });
  afterEach(async () => {
    const done = current;
    current = undefined;
    await done?.drop();
  });
  return {
    get target() {
      if (current === undefined) throw new Error(`engineTargetPerTest(${dialect.name}): no case is running`);
      return current.target;
    },
  };
}

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
      const schema = newSchema();
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

/**
 * The dialect matrix of a test file whose helpers open "the current case's engine database": `each` runs
 * its cases once per dialect (`describe.each`), each case on a new database; `target()` names the current
 * case's (a SQLite file, by default `file()`, or a PostgreSQL URL).
 */
export function dialectMatrix(file: () => string): {
  target: () => string;
  each: (cases: (dialect: TestDialect) => void) => void;
} {
  let current: EngineTarget | undefined;
  return {
    target: () => {
      if (current === undefined) throw new Error('dialectMatrix: no case is running');
      return current.target;
    },
    each: (cases) =>
      describe.each(dialects)('$name', (dialect) => {
        const engineDb = engineTargetPerTest(dialect, file);
        beforeEach(() => {
          current = engineDb;
        });
        cases(dialect);
      }),
  };
}
