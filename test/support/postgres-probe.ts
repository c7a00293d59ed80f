import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { redactUrl } from '../../src/persistence/postgres.js';

/**
 * Global setup of the projects whose tests run on each dialect (test/support/dialects.ts): asks the
 * PostgreSQL server at `STEADFAST_TEST_PG` (default below) once per run whether it answers. When it does
 * not, its cases skip, and one line says so; with `STEADFAST_TEST_PG_REQUIRED=1` (CI) they run anyway and
 * fail.
 */

/** The server the PostgreSQL cases run on unless `STEADFAST_TEST_PG` names another. */
export const DEFAULT_TEST_PG = 'postgres://postgres@127.0.0.1:5432/test';

/** What the probe found, given to every test of the project. */
export interface PostgresTarget {
  /** The server's URL (with its password, if any: never print it, print redactUrl(url)). */
  url: string;
  reachable: boolean;
  /** The cases run even though the server did not answer (and then fail). */
  required: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL server of the dialect matrix (see test/support/postgres-probe.ts). */
    postgresTarget: PostgresTarget;
  }
}

const KEY = Symbol.for('steadfast.test.postgres-probe');
const shared = globalThis as typeof globalThis & { [KEY]?: Promise<PostgresTarget> };

async function probe(): Promise<PostgresTarget> {
  const url = process.env.STEADFAST_TEST_PG ?? DEFAULT_TEST_PG;
  const required = process.env.STEADFAST_TEST_PG_REQUIRED === '1';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  let reachable = false;
  try {
    await client.connect();
    await client.query('select 1');
    reachable = true;
  } catch {
    reachable = false;
  } finally {
    await client.end().catch(() => {});
  }
  if (!reachable) {
    console.log(
      required
        ? `PostgreSQL not reachable at ${redactUrl(url)}: STEADFAST_TEST_PG_REQUIRED=1, its cases will fail`
        : `PostgreSQL not reachable at ${redactUrl(url)}: skipping its cases`,
    );
  }
  return { url, reachable, required };
}

export default async function setup(project: TestProject): Promise<void> {
  // Several projects of one run may register this file: they share one probe (and one line).
  project.provide('postgresTarget', await (shared[KEY] ??= probe()));
}
