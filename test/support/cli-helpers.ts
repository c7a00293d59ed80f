import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openSqliteReadOnly } from '../../src/persistence/sqlite.js';
import type { Database } from '../../src/persistence/schema.js';
import { repoRoot } from './tmp.js';

/** What a finished child process printed. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm <args>` in the repository root (tests the package.json script wiring). */
export function runNpm(args: string[]): Promise<Finished> {
  const child = spawn('npm', args, { cwd: repoRoot, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A pino log line. */
export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

/** Parses every line of `text` as JSON; throws (failing the test) on the first line that is not. */
export function jsonLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        throw new Error(`line ${i + 1} is not JSON: ${l}`);
      }
    });
}

/** The single log line with `msg`, or a thrown error naming how many there were. */
export function theLog(lines: readonly LogLine[], msg: string): LogLine {
  const found = lines.filter((l) => l.msg === msg);
  if (found.length !== 1) throw new Error(`expected exactly one "${msg}" log line, found ${found.length}`);
  return found[0]!;
}

/** sha256 of a file's bytes, or null when it does not exist. */
export function digest(file: string): string | null {
  if (!fs.existsSync(file)) return null;
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Runs `fn` on a read-only connection to an engine database, then closes it. */
export async function withReadOnly<T>(
  file: string,
  fn: (db: ReturnType<typeof openSqliteReadOnly>) => Promise<T>,
): Promise<T> {
  const db = openSqliteReadOnly(file);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** Row count of one table of an engine database. */
export function rowCount(file: string, table: keyof Database): Promise<number> {
  return withReadOnly(file, async (db) => {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  });
}

/** Orders of an engine database that are not in a terminal state, counted by `column`. */
export function liveOrderCounts(file: string, column: 'state' | 'symbol'): Promise<Record<string, number>> {
  return withReadOnly(file, async (db) => {
    const rows = await db
      .selectFrom('orders')
      .select([column, (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', 'not in', ['filled', 'cancelled', 'rejected', 'denied', 'expired'])
      .groupBy(column)
      .execute();
    return Object.fromEntries(rows.map((r) => [r[column], Number(r.n)]));
  });
}

/** The meta table as an object. */
export function readMeta(file: string): Promise<Record<string, string>> {
  return withReadOnly(file, async (db) => {
    const rows = await db.selectFrom('meta').selectAll().execute();
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  });
}

/** Copies every file of `from` into `to` (created). */
export function copyDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) fs.copyFileSync(path.join(from, name), path.join(to, name));
}
