import net from 'node:net';
import { sql } from 'kysely';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Clock } from '../../src/domain/clock.js';
import { SteadfastError } from '../../src/domain/errors.js';
import type { CodedFields, Logger } from '../../src/domain/logger.js';
import { isPostgresUrl, openPostgres, redactUrl } from '../../src/persistence/postgres.js';
import type { PostgresDatabase } from '../../src/persistence/postgres.js';
import { dialects } from '../support/dialects.js';

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A clock whose waits end at once, recording how long each was to be. */
function instantClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => 0,
    setTimeout: (fn, ms) => {
      waits.push(ms);
      return setImmediate(fn);
    },
    clearTimeout: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
}

/** A logger keeping its warn lines. */
function recordingLogger(): Logger & { warnings: CodedFields[] } {
  const warnings: CodedFields[] = [];
  return {
    warnings,
    debug: () => {},
    info: () => {},
    warn: (obj) => void warnings.push(obj),
    error: () => {},
  };
}

describe('PostgreSQL URLs', () => {
  it('are told from SQLite paths by their scheme', () => {
    expect(isPostgresUrl('postgres://h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://u@h:5433/db')).toBe(true);
    expect(isPostgresUrl('POSTGRES://h/db')).toBe(true);
    expect(isPostgresUrl('data/engine.db')).toBe(false);
    expect(isPostgresUrl('/tmp/postgres://x')).toBe(false);
  });

  it('lose their password, and only it, when redacted', () => {
    expect(redactUrl('postgres://trader:s3cret@db.example:5433/desk')).toBe(
      'postgres://trader:***@db.example:5433/desk',
    );
    expect(redactUrl('postgresql://trader:p%40ss%2Fword@db/desk?sslmode=require')).toBe(
      'postgresql://trader:***@db/desk?sslmode=require',
    );
    expect(redactUrl('postgres://db/desk?user=u&password=hunter2')).toBe(
      'postgres://db/desk?user=u&password=***',
    );
    expect(redactUrl('postgres://trader@db/desk')).toBe('postgres://trader@db/desk');
    expect(redactUrl('postgres://trader:hunter2@[::1')).toBe('postgres://***');
  });

  it('other than postgres:// and postgresql:// are refused, and so are schema names needing quotes', async () => {
    await expect(openPostgres('mysql://u:hunter2@h/db')).rejects.toThrow(
      /not a PostgreSQL URL: mysql:\/\/u:\*\*\*@h\/db/,
    );
    await expect(openPostgres('postgres://h/db', { schema: 'Desk; drop' })).rejects.toThrow(/schema/);
  });
});

describe('an unreachable PostgreSQL server', () => {
  it('is tried the given number of times with a warning each, then refused naming the host and never the password', async () => {
    const port = await closedPort();
    const clock = instantClock();
    const logger = recordingLogger();
    const err = await openPostgres(`postgres://trader:hunter2@127.0.0.1:${port}/desk`, {
      connectAttempts: 3,
      retryDelayMs: 250,
      clock,
      logger,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SteadfastError);
    const error = err as SteadfastError;
    expect(error.code).toBe('DATABASE_UNREACHABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`PostgreSQL at 127.0.0.1:${port} did not answer after 3 attempts`);
    expect(clock.waits).toEqual([250, 250]);
    expect(logger.warnings.map((w) => [w.code, w.host, w.attempt, w.attempts, w.waitMs])).toEqual([
      ['DATABASE_CONNECT_RETRY', `127.0.0.1:${port}`, 1, 3, 250],
      ['DATABASE_CONNECT_RETRY', `127.0.0.1:${port}`, 2, 3, 250],
    ]);
    expect(JSON.stringify([error.message, String(error.cause), logger.warnings])).not.toContain('hunter2');
  });
});

const target = inject('postgresTarget');
const postgres = dialects.find((d) => d.name === 'postgres');

describe.skipIf(postgres?.runs !== true)('a PostgreSQL database', () => {
  const opened: PostgresDatabase[] = [];
  const schemas: string[] = [];
  let n = 0;
  const open = async () => {
    n += 1;
    const schema = `steadfast_test_${process.pid}_pg_${n}`;
    schemas.push(schema);
    const db = await openPostgres(target.url, { schema, connectAttempts: 1 });
    opened.push(db);
    return db;
  };
  afterEach(async () => {
    const first = opened[0];
    if (first !== undefined) {
      for (const s of schemas.splice(0))
        await sql`drop schema if exists ${sql.id(s)} cascade`.execute(first.db);
    }
    for (const db of opened.splice(0)) await db.close();
  });

  it('reports its URL redacted, its host, and lives in its own schema', async () => {
    const url = new URL(target.url);
    url.password = 'hunter2';
    const schema = `steadfast_test_${process.pid}_pg_own`;
    schemas.push(schema);
    const db = await openPostgres(url.toString(), { schema, connectAttempts: 1 });
    opened.push(db);
    expect(db.url).not.toContain('hunter2');
    expect(db.url).toContain(':***@');
    expect(db.host).toBe(`${url.hostname}:${url.port === '' ? '5432' : url.port}`);
    expect(db.schema).toBe(schema);
    const tables = await sql<{ n: number }>`select count(*) as n from information_schema.tables
      where table_schema = ${schema}`.execute(db.db);
    expect(tables.rows[0]?.n).toBe(15);
  });

  it('keeps two schemas apart on one server', async () => {
    const a = await open();
    const b = await open();
    await a.db.insertInto('meta').values({ key: 'who', value: 'a' }).execute();
    await b.db.insertInto('meta').values({ key: 'who', value: 'b' }).execute();
    expect(await a.db.selectFrom('meta').selectAll().execute()).toEqual([{ key: 'who', value: 'a' }]);
    expect(await b.db.selectFrom('meta').selectAll().execute()).toEqual([{ key: 'who', value: 'b' }]);
  });

  it('returns bigint columns as numbers, and refuses one that a number cannot hold exactly', async () => {
    const db = await open();
    await db.db
      .insertInto('leases')
      .values({ name: 'x', owner: 'o', token: 2 ** 40, expires_at: 1_767_225_600_000 })
      .execute();
    expect(await db.db.selectFrom('leases').select(['token', 'expires_at']).execute()).toEqual([
      { token: 2 ** 40, expires_at: 1_767_225_600_000 },
    ]);
    await expect(sql`select 9007199254740993::bigint as n`.execute(db.db)).rejects.toThrow(/beyond 2\^53/);
  });

  it('ends a transaction left idle past the timeout: its next statement fails, the process goes on', async () => {
    n += 1;
    const schema = `steadfast_test_${process.pid}_pg_${n}`;
    schemas.push(schema);
    const logger = recordingLogger();
    const db = await openPostgres(target.url, {
      schema,
      connectAttempts: 1,
      idleInTransactionTimeoutMs: 200,
      logger,
    });
    opened.push(db);
    // A writer paused (SIGSTOP) between two statements of its commit: the server ends its session, which
    // must neither crash the process (an error event of a connection checked out for the transaction)
    // nor let the transaction go on.
    const paused = db.db.transaction().execute(async (trx) => {
      await trx.insertInto('meta').values({ key: 'half', value: 'written' }).execute();
      await new Promise((r) => setTimeout(r, 800));
      await trx.insertInto('meta').values({ key: 'rest', value: 'written' }).execute();
    });
    await expect(paused).rejects.toThrow();
    expect(logger.warnings.map((w) => w.code)).toContain('DATABASE_CONNECTION_LOST');
    expect(await db.db.selectFrom('meta').selectAll().where('key', 'in', ['half', 'rest']).execute()).toEqual(
      [],
    );
  });
});
