import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** What Checkpointer starts this thread with. */
export interface CheckpointerThreadData {
  file: string;
  intervalMs: number;
}

/** The checkpoint thread (see Checkpointer): a PASSIVE checkpoint every `intervalMs`, and one at the end. */
function runCheckpointer(port: NonNullable<typeof parentPort>, data: CheckpointerThreadData): void {
  const db = new Database(data.file);
  db.pragma('busy_timeout = 5000');
  const checkpoint = () => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // busy or closing: the next one catches up
    }
  };
  const timer = setInterval(checkpoint, data.intervalMs);
  port.on('message', (message: unknown) => {
    if (message !== 'stop') return;
    clearInterval(timer);
    checkpoint();
    db.close();
    port.postMessage({ stopped: true });
  });
}

if (parentPort !== null) runCheckpointer(parentPort, workerData as CheckpointerThreadData);
