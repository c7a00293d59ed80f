import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * The physical reference of each backend: one-row INSERT transactions committed one after another, each
 * durable (SQLite: WAL with synchronous=FULL, an fsync per commit; PostgreSQL: the server's own settings,
 * synchronous_commit as configured), for `seconds`. Commits per second.
 */
export function sqliteRawCommits(file: string, seconds: number): number {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('create table raw (id integer primary key, v text not null)');
    const insert = db.prepare('insert into raw (v) values (?)');
    let n = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    while (performance.now() < until) {
      insert.run(`row ${n}`);
      n += 1;
    }
    return n / ((performance.now() - started) / 1000);
  } finally {
    db.close();
  }
}

/** See sqliteRawCommits: the same on PostgreSQL, in the given `schema` of `server`. */
export async function postgresRawCommits(server: string, schema: string, seconds: number): Promise<number> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(`create schema if not exists ${schema}`);
    await client.query(`create table ${schema}.raw (id bigserial primary key, v text not null)`);
    const insert = { name: 'raw-insert', text: `insert into ${schema}.raw (v) values ($1)` };
    let n = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    while (performance.now() < until) {
      await client.query({ ...insert, values: [`row ${n}`] });
      n += 1;
    }
    return n / ((performance.now() - started) / 1000);
  } finally {
    await client.end();
  }
}
