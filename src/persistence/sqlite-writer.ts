import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { SteadfastError } from '../domain/errors.js';
import { COMMIT_STATEMENTS } from './commit-plan.js';
import type { CommitPlan } from './commit-plan.js';
import type { Durability } from './sqlite.js';

const require = createRequire(import.meta.url);

/** Runs in the writer thread (plain JavaScript: no loader needed). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -65536');
db.pragma('wal_autocheckpoint = 0');
let full = workerData.durability === 'full';
db.pragma('synchronous = ' + (full ? 'FULL' : 'NORMAL'));
const statements = {};
for (const [name, sql] of Object.entries(workerData.statements)) statements[name] = db.prepare(sql);
const apply = db.transaction((plan) => {
  for (const [name, rows] of plan.steps) {
    const statement = statements[name];
    for (const row of rows) {
      const result = statement.run(row);
      if (name === 'updateActor' && result.changes !== 1) {
        const err = new Error('an actor was changed by another writer; refusing to overwrite');
        err.code = 'REVISION_CONFLICT';
        throw err;
      }
    }
  }
});
parentPort.on('message', (message) => {
  if (message.type === 'stop') {
    db.close();
    parentPort.postMessage({ stopped: true });
    return;
  }
  try {
    const wanted = workerData.durability === 'full' || (workerData.durability === 'intent' && message.plan.fullSync);
    if (wanted !== full) {
      db.pragma('synchronous = ' + (wanted ? 'FULL' : 'NORMAL'));
      full = wanted;
    }
    const t0 = performance.now();
    apply.immediate(message.plan);
    parentPort.postMessage({ id: message.id, ok: true, fsynced: full, ms: performance.now() - t0 });
  } catch (err) {
    parentPort.postMessage({ id: message.id, ok: false, code: err.code, message: String(err && err.message) });
  }
});
parentPort.postMessage({ ready: true });
`;

type Reply =
  | { id: number; ok: true; fsynced: boolean; ms: number }
  | { id: number; ok: false; code?: string; message: string };

/**
 * The engine's SQLite writer: a thread with its own connection that applies commit plans, one
 * transaction (`BEGIN IMMEDIATE`) each, in the order they were sent. It runs on the machine's second
 * core, so the runtime can apply the next batch of events while the previous one is being written. A
 * commit's promise settles only after its `COMMIT` returned (fsynced when the plan carries call intents
 * and durability is `intent`, or always with `full`).
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: unknown) => void }>();
  private next = 1;
  private dead: Error | null = null;
  /** Commits written, how many of them with synchronous=FULL, and the writer thread's time in them. */
  readonly stats = { commits: 0, fsyncedCommits: 0, busyMs: 0, maxMs: 0, durations: null as number[] | null };

  constructor(file: string, durability: Durability) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: {
        file,
        durability,
        statements: COMMIT_STATEMENTS,
        driver: require.resolve('better-sqlite3'),
      },
    });
    this.worker.on('message', (reply: Reply | { ready: true } | { stopped: true }) => {
      if (!('id' in reply)) return;
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) {
        this.stats.commits += 1;
        if (reply.fsynced) this.stats.fsyncedCommits += 1;
        this.stats.busyMs += reply.ms;
        if (reply.ms > this.stats.maxMs) this.stats.maxMs = reply.ms;
        this.stats.durations?.push(reply.ms);
        waiter?.resolve();
      } else {
        const code = reply.code === 'REVISION_CONFLICT' ? 'REVISION_CONFLICT' : 'INTERNAL';
        waiter?.reject(new SteadfastError(code, reply.message));
      }
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the SQLite writer thread exited (${code})`)));
  }

  /** Writes one plan atomically. Resolves once committed. */
  commit(plan: CommitPlan): Promise<void> {
    if (this.dead !== null) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'commit', id, plan });
    });
  }

  /** Closes the connection after the commits already sent, and ends the thread. */
  async close(): Promise<void> {
    if (this.dead !== null) return;
    await new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve());
      this.worker.on('message', (m: { stopped?: boolean }) => m.stopped === true && resolve());
      this.worker.postMessage({ type: 'stop' });
    });
    this.dead = new SteadfastError('INTERNAL', 'the SQLite writer is closed');
    await this.worker.terminate();
  }

  private fail(err: unknown): void {
    if (this.dead === null) {
      this.dead = new SteadfastError('INTERNAL', `the SQLite writer failed: ${String(err)}`, { cause: err });
    }
    for (const waiter of this.waiting.values()) waiter.reject(this.dead);
    this.waiting.clear();
  }
}
