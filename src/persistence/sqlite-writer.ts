import { Worker } from 'node:worker_threads';
import { SteadfastError } from '../domain/errors.js';
import type { CommitPlan } from './commit-plan.js';
import type { CommitOutcome } from './commit-set.js';
import { SQLITE_COMMIT_STATEMENTS } from './commit-statements.js';
import { storageFaultOf } from './storage-fault.js';
import type { Durability } from './durability.js';
import type { WriterReply, WriterThreadData } from './sqlite-writer-thread.js';
import { threadModule } from './thread-module.js';

/**
 * The engine's SQLite writer: a thread with its own connection that applies commit plans, one
 * transaction (`BEGIN IMMEDIATE`) each, in the order they were sent. It runs on the machine's second
 * core, so the runtime can apply the next batch of events while the previous one is being written. A
 * commit's promise settles only after its `COMMIT` returned (fsynced when the plan carries call intents
 * and durability is `intent`, or always with `full`).
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<
    number,
    { resolve: (outcome: CommitOutcome) => void; reject: (err: unknown) => void }
  >();
  private next = 1;
  private dead: Error | null = null;
  /** Commits written, how many of them with synchronous=FULL, and the writer thread's time in them. */
  readonly stats = { commits: 0, fsyncedCommits: 0, busyMs: 0, maxMs: 0, durations: null as number[] | null };

  constructor(file: string, durability: Durability) {
    const workerData: WriterThreadData = { file, durability, statements: SQLITE_COMMIT_STATEMENTS };
    this.worker = new Worker(threadModule('sqlite-writer-thread'), { execArgv: [], workerData });
    this.worker.on('message', (reply: WriterReply | { ready: true } | { stopped: true }) => {
      if (!('id' in reply)) return;
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) {
        this.stats.commits += 1;
        if (reply.fsynced) this.stats.fsyncedCommits += 1;
        this.stats.busyMs += reply.ms;
        if (reply.ms > this.stats.maxMs) this.stats.maxMs = reply.ms;
        this.stats.durations?.push(reply.ms);
        waiter?.resolve({ refused: reply.refused });
      } else {
        const code =
          reply.code === 'REVISION_CONFLICT' || reply.code === 'LEASE_LOST'
            ? reply.code
            : (storageFaultOf(reply.code) ?? 'INTERNAL');
        waiter?.reject(new SteadfastError(code, reply.message));
      }
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the SQLite writer thread exited (${code})`)));
  }

  /** Writes one plan atomically. Resolves once committed, with the guarded intents it refused. */
  commit(plan: CommitPlan): Promise<CommitOutcome> {
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
