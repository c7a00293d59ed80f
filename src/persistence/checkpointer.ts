import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

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
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const Database = require(workerData.driver);
      const db = new Database(workerData.file);
      db.pragma('busy_timeout = 5000');
      const timer = setInterval(() => {
        try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
      }, workerData.intervalMs);
      parentPort.on('message', (m) => {
        if (m !== 'stop') return;
        clearInterval(timer);
        try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
        db.close();
        parentPort.postMessage({ stopped: true });
      });`;
    this.worker = new Worker(code, {
      eval: true,
      execArgv: [],
      workerData: { file, intervalMs, driver: require.resolve('better-sqlite3') },
    });
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
