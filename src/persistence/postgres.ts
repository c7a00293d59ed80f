import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Clock } from '../domain/clock.js';
import { sleep, systemClock } from '../domain/clock.js';
import { SteadfastError, describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { silentLogger } from '../domain/logger.js';
import { commitStatements } from './commit-statements.js';
import { migrate } from './migrate.js';
import { PostgresWriter } from './postgres-writer.js';
import type { Database } from './schema.js';

/** True when `db` names a PostgreSQL server (`postgres://…` or `postgresql://…`) rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/**
 * `url` with its password, if any, replaced by `***`: the only form of a database URL that may reach a log
 * line, a status report or a page. A string that does not parse as a URL is returned as `postgres://***`
 * (it might hold a password in a form this does not recognise).
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'postgres://***';
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const key of [...parsed.searchParams.keys()]) {
    if (key.toLowerCase() === 'password') parsed.searchParams.set(key, '***');
  }
  return parsed.toString().replace('%2A%2A%2A', '***');
}

/**
 * Splits a `--db` URL into what the driver connects to and the schema the engine's tables live in, from
 * the URL's own `schema` parameter (`postgres://user@host/db?schema=desk_a`): one server database can
 * hold several engine databases, one per schema (an engine and its standbys share one).
 */
export function postgresTarget(target: string): { url: string; schema?: string } {
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    throw new SteadfastError('INVALID_INPUT', `--db: not a valid URL: ${redactUrl(target)}`);
  }
  const schema = parsed.searchParams.get('schema');
  if (schema === null) return { url: target };
  if (!SCHEMA_NAME.test(schema)) {
    throw new SteadfastError('INVALID_INPUT', `--db: schema must be a plain lower-case name, not ${schema}`);
  }
  parsed.searchParams.delete('schema');
  return { url: parsed.toString(), schema };
}

/** How to open a PostgreSQL database. */
export interface PostgresOptions {
  /**
   * The schema the engine's tables live in (created if missing, first on every connection's search_path);
   * default: the server's own search_path (normally `public`). Tests give each case its own.
   */
  schema?: string | undefined;
  /** Most connections the pool opens (default 10). */
  poolSize?: number;
  /** Attempts to reach the server before giving up (default 10). */
  connectAttempts?: number | undefined;
  /** Wait between two attempts (default 1,000 ms). */
  retryDelayMs?: number;
  /** How long one connection attempt may take (default 5,000 ms). */
  connectTimeoutMs?: number;
  /** Create `schema` if it does not exist (default true); false: a missing schema is an error. */
  createSchema?: boolean;
  /** Migrate to the latest schema after connecting (default true). */
  migrate?: boolean;
  /**
   * The server ends a session idle inside a transaction for this long, releasing its locks: a writer
   * paused mid-commit (SIGSTOP) must not keep the lease row locked from the engine taking over.
   */
  idleInTransactionTimeoutMs?: number | undefined;
  /** Every transaction of the pool's connections read-only (operator reads, status, the visualizer). */
  readOnly?: boolean;
  /** Where retry warnings and pool errors go. */
  logger?: Logger | undefined;
  /** Times the waits between attempts. */
  clock?: Clock | undefined;
}

/** An open PostgreSQL engine database. */
export interface PostgresDatabase {
  readonly db: Kysely<Database>;
  /** The URL with its password redacted (see redactUrl). */
  readonly url: string;
  /** `host:port` of the server. */
  readonly host: string;
  /** The schema the tables live in (the first of the search_path). */
  readonly schema: string | null;
  /** Commits the runtime's batches (see PostgresWriter). */
  readonly writer: PostgresWriter;
  close(): Promise<void>;
}

/** Schema names accepted by `schema`: plain identifiers, so they need no quoting anywhere. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** PostgreSQL's bigint (int8) type id. */
const INT8_OID = 20;

/**
 * bigint columns (ms timestamps, batch numbers, tokens, counts) as JS numbers, as SQLite returns them;
 * pg's default is a string. A value past 2^53 would lose digits: refused instead.
 */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new SteadfastError('INTERNAL', `PostgreSQL returned a bigint beyond 2^53: ${text}`);
  }
  return n;
}

const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** `host:port` of a PostgreSQL URL, for messages (never the user or password). */
function hostOf(url: URL): string {
  const host = url.hostname === '' ? (process.env.PGHOST ?? 'localhost') : url.hostname;
  return `${host}:${url.port === '' ? (process.env.PGPORT ?? '5432') : url.port}`;
}

/** SQLSTATE classes that no retry can fix: authentication, a database or role that does not exist. */
function isDefinite(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^(28|3D)/.test(code);
}

/**
 * Opens a PostgreSQL engine database on `url` (`postgres://user[:password]@host[:port]/database`; the
 * password may instead come from PGPASSWORD) through Kysely's Postgres dialect and a pooled `pg.Pool`,
 * and migrates it to the latest schema. A server that does not answer is tried again `connectAttempts`
 * times with a warning each time; then it fails with DATABASE_UNREACHABLE naming the host (never the
 * password). A refused login or a missing database fails at once.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<PostgresDatabase> {
  if (!isPostgresUrl(url)) {
    throw new SteadfastError('INVALID_INPUT', `--db: not a PostgreSQL URL: ${redactUrl(url)}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SteadfastError('INVALID_INPUT', `--db: not a valid URL: ${redactUrl(url)}`);
  }
  const { schema, logger = silentLogger, clock = systemClock } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new SteadfastError('INVALID_INPUT', `PostgreSQL schema: not a plain lower-case name: ${schema}`);
  }
  const host = hostOf(parsed);
  const redacted = redactUrl(url);
  const password = decodeURIComponent(parsed.password);
  /** An error's text with the password, should a driver ever quote it, removed. */
  const scrub = (err: unknown) => {
    const text = describeError(err);
    return password === '' ? text : text.split(password).join('***');
  };
  const settings = [
    ...(schema === undefined ? [] : [`-c search_path=${schema}`]),
    ...(options.readOnly === true ? ['-c default_transaction_read_only=on'] : []),
    ...(options.idleInTransactionTimeoutMs === undefined
      ? []
      : [
          `-c idle_in_transaction_session_timeout=${Math.max(1, Math.round(options.idleInTransactionTimeoutMs))}`,
        ]),
  ];
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    types: typeParsers,
    // Per process, so an operator (or a test) can tell engines apart in pg_stat_activity.
    application_name: `steadfast ${process.pid}`,
    ...(settings.length === 0 ? {} : { options: settings.join(' ') }),
  });
  // A connection the server drops (restarted, or a session idle in a transaction ended after the lease
  // TTL) must not end the process: every connection gets its own listener, so one checked out for a
  // transaction is covered too (the pool listens on idle ones only). Its next query fails instead: a
  // commit then halts the engine; an idle one is replaced by the next query.
  const lost = (err: Error) =>
    logger.warn(
      { code: 'DATABASE_CONNECTION_LOST', host, err: scrub(err) },
      'a pooled PostgreSQL connection was lost',
    );
  pool.on('connect', (client) => client.on('error', lost));
  // An idle connection's error reaches the pool as well: told once, by the connection's own listener.
  pool.on('error', () => {});
  try {
    await connect(pool, {
      host,
      attempts: Math.max(1, options.connectAttempts ?? 10),
      delayMs: options.retryDelayMs ?? 1_000,
      logger,
      clock,
      scrub,
    });
    if (schema !== undefined && (options.createSchema ?? true))
      await pool.query(`create schema if not exists ${schema}`);
    if (options.migrate === false) await requireEngineTables(pool, redacted);
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (options.migrate ?? true) await migrate(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const writer = new PostgresWriter(pool, commitStatements(db));
  return { db, url: redacted, host, schema: schema ?? null, writer, close: () => db.destroy() };
}

/** Refuses a database (schema) that holds no engine tables: `--db` names the wrong place. */
async function requireEngineTables(pool: pg.Pool, redacted: string): Promise<void> {
  const { rows } = await pool.query<{ found: string | null }>(`select to_regclass('actors')::text as found`);
  if (rows[0]?.found == null) {
    throw new SteadfastError('INVALID_INPUT', `--db: no engine database at ${redacted}`);
  }
}

/** Runs `select 1` until the server answers (see openPostgres). */
async function connect(
  pool: pg.Pool,
  how: {
    host: string;
    attempts: number;
    delayMs: number;
    logger: Logger;
    clock: Clock;
    scrub: (err: unknown) => string;
  },
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await pool.query('select 1');
      return;
    } catch (err) {
      if (isDefinite(err)) {
        throw new SteadfastError('CONFIG_INVALID', `PostgreSQL at ${how.host} refused: ${how.scrub(err)}`);
      }
      if (attempt >= how.attempts) {
        throw new SteadfastError(
          'DATABASE_UNREACHABLE',
          `PostgreSQL at ${how.host} did not answer after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${how.scrub(err)}`,
          { retryable: true },
        );
      }
      how.logger.warn(
        {
          code: 'DATABASE_CONNECT_RETRY',
          host: how.host,
          attempt,
          attempts: how.attempts,
          waitMs: how.delayMs,
          err: how.scrub(err),
        },
        'PostgreSQL did not answer; retrying',
      );
      await sleep(how.clock, how.delayMs);
    }
  }
}

/** Bytes of every table of the connection's current schema on the server, indexes and TOAST included. */
export async function schemaBytes(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{
    bytes: number | null;
  }>`select sum(pg_total_relation_size(c.oid))::bigint as bytes
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind in ('r', 'p')`.execute(db);
  return Number(rows[0]?.bytes ?? 0);
}
