import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPaperVenue } from '../src/adapters/paper/paper-venue.js';
import { tuneHeap } from '../src/cli/heap-tuning.js';
import { DEFAULT_PAPER_MARKETS } from '../src/cli/config.js';
import { systemClock } from '../src/domain/clock.js';
import { dbosWorkflow } from './compare-dbos.js';
import { steadfastWorkflow } from './compare-steadfast.js';
import { measureWorkflow } from './compare-workflow.js';
import type { OrderWorkflow, WorkflowRate } from './compare-workflow.js';
import { postgresRawCommits, sqliteRawCommits } from './raw-commits.js';

/**
 * `npm run bench:compare [-- --seconds N] [-- --pg URL] [-- --json]`: one order workflow (intent recorded,
 * paper venue call, acknowledgement and position change recorded) run three ways in this one process on
 * the same PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test, schemas of its own, dropped
 * after): Steadfast on SQLite, Steadfast on PostgreSQL and DBOS Transact; one workflow at a time and 32
 * at once. Beside them, each backend's raw rate of one-row durable commits. With --json the last line is
 * `{ "sqlite": {...}, "postgres": {...}, "dbos": {...} }`.
 */
tuneHeap();
const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const seconds = Number(arg('--seconds') ?? 5) || 5;
const server = arg('--pg') ?? process.env.STEADFAST_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const json = args.includes('--json');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'steadfast-compare-'));
const log = (line: string) => process.stdout.write(`${line}\n`);
const schema = (name: string) => `steadfast_compare_${process.pid}_${name}`;
const withSchema = (name: string) => {
  const url = new URL(server);
  url.searchParams.set('schema', schema(name));
  return url.toString();
};

interface SystemResult {
  seq: WorkflowRate;
  conc32: WorkflowRate;
  rawCommitsPerSec: number;
}

/** Runs one system's workflow sequentially, then 32 at once, each against a paper venue of its own. */
async function measure(
  tag: string,
  open: (venue: ReturnType<typeof createPaperVenue>) => Promise<OrderWorkflow>,
): Promise<Omit<SystemResult, 'rawCommitsPerSec'>> {
  const venue = createPaperVenue({
    dbPath: path.join(work, `${tag}-venue.db`),
    seed: 1,
    clock: systemClock,
    markets: DEFAULT_PAPER_MARKETS,
    latencyMs: { min: 0, max: 0 },
  });
  try {
    const workflow = await open(venue);
    try {
      const seq = await measureWorkflow(workflow, `${tag}s`, seconds, 1);
      log(`${workflow.name}, one at a time: ${describe(seq)}`);
      const conc32 = await measureWorkflow(workflow, `${tag}c`, seconds, 32);
      log(`${workflow.name}, 32 at once: ${describe(conc32)}`);
      return { seq, conc32 };
    } finally {
      await workflow.close();
    }
  } finally {
    await venue.close();
  }
}

const describe = (r: WorkflowRate) =>
  `${r.ordersPerSec.toFixed(0)} orders/s (p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${r.orders} orders` +
  (r.commitsPerOrder === undefined ? ')' : `, ${r.commitsPerOrder.toFixed(2)} commits per order)`);

async function dropSchemas(): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    for (const name of ['raw', 'pg', 'dbos'])
      await client.query(`drop schema if exists ${schema(name)} cascade`);
  } finally {
    await client.end();
  }
}

const results: Record<'sqlite' | 'postgres' | 'dbos', SystemResult> = {} as never;
try {
  log(
    `steadfast bench:compare: node ${process.version}, ${os.cpus().length} cpus, ${seconds}s per case, PostgreSQL ${new URL(server).host}`,
  );
  const sqliteRaw = sqliteRawCommits(path.join(work, 'raw.db'), seconds);
  log(`SQLite raw: ${sqliteRaw.toFixed(0)} one-row commits/s (WAL, synchronous=FULL)`);
  const postgresRaw = await postgresRawCommits(server, schema('raw'), seconds);
  log(`PostgreSQL raw: ${postgresRaw.toFixed(0)} one-row commits/s`);
  results.sqlite = {
    ...(await measure('sq', (venue) => steadfastWorkflow(path.join(work, 'engine.db'), venue))),
    rawCommitsPerSec: sqliteRaw,
  };
  results.postgres = {
    ...(await measure('pg', (venue) => steadfastWorkflow(withSchema('pg'), venue))),
    rawCommitsPerSec: postgresRaw,
  };
  results.dbos = {
    ...(await measure('db', (venue) => dbosWorkflow(server, schema('dbos'), venue))),
    rawCommitsPerSec: postgresRaw,
  };
  const ratio = (a: WorkflowRate, b: WorkflowRate) => (a.ordersPerSec / b.ordersPerSec).toFixed(1);
  for (const mode of ['seq', 'conc32'] as const) {
    log(
      `${mode}: Steadfast on PostgreSQL / DBOS ${ratio(results.postgres[mode], results.dbos[mode])}x (aim 2x), ` +
        `Steadfast on SQLite / DBOS ${ratio(results.sqlite[mode], results.dbos[mode])}x (aim 10x), ` +
        `raw commits per order: SQLite ${(sqliteRaw / results.sqlite[mode].ordersPerSec).toFixed(1)}, ` +
        `PostgreSQL ${(postgresRaw / results.postgres[mode].ordersPerSec).toFixed(1)} (aim at most 3)`,
    );
  }
} finally {
  await dropSchemas();
  fs.rmSync(work, { recursive: true, force: true });
}
if (json) log(JSON.stringify(results));
process.exit(0);
