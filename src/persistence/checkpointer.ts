import { Worker } from 'node:worker_threads';
import type { CheckpointerThreadData } from './checkpointer-thread.js';
import { threadModule } from './thread-module.js';

/**
 * Runs SQLite WAL checkpoints on a separate thread (its own connection, the machine's second core), so
 * that no commit on the engine's path ever pays for copying the WAL back into the database file. The
 * engine's connection sets `wal_autocheckpoint = 0`; this thread runs a PASSIVE checkpoint (which never
 * blocks the writer) every `intervalMs`, and a last one when asked to stop.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private stopped = false;

  constructor(file: string, intervalMs = 50) {
    const workerData: CheckpointerThreadData = { file, intervalMs };
    this.worker = new Worker(threadModule('checkpointer-thread'), { execArgv: [], workerData });
    this.worker.unref();
  }

  /** Stops the thread after one last checkpoint. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await new Promise<void>((resolve) => {
      this.worker.once('message', () => resolve());
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('stop');
    });
    await this.worker.terminate();
  }
}
