import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  FENCE_CHECKED,
  GATED,
  LEASE_LOST_MESSAGE,
  REVISION_CHECKED,
  REVISION_CONFLICT_MESSAGE,
  bindRecord,
} from './bound-statement.js';
import type { BoundStatement } from './bound-statement.js';
import type { CommitPlan } from './commit-plan.js';
import type { Durability } from './durability.js';

/** What SqliteWriter starts this thread with. */
export interface WriterThreadData {
  file: string;
  durability: Durability;
  statements: Record<string, BoundStatement>;
}

/** A message to this thread. */
export type WriterRequest = { type: 'commit'; id: number; plan: CommitPlan } | { type: 'stop' };

/** This thread's answer to a commit. */
export type WriterReply =
  | { id: number; ok: true; fsynced: boolean; ms: number; refused: string[] }
  | { id: number; ok: false; code?: string; message: string };

/**
 * The SQLite writer thread (see SqliteWriter): its own connection, every commit plan applied in one
 * `BEGIN IMMEDIATE` transaction, synchronous=FULL for the plans that must reach the disk before their
 * calls leave.
 */
function runWriter(port: NonNullable<typeof parentPort>, data: WriterThreadData): void {
  const db = new Database(data.file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('wal_autocheckpoint = 0');
  let full = data.durability === 'full';
  db.pragma(`synchronous = ${full ? 'FULL' : 'NORMAL'}`);
  const statements = new Map(
    Object.entries(data.statements).map(([name, s]) => [name, { bound: s, prepared: db.prepare(s.sql) }]),
  );
  const apply = db.transaction((plan: CommitPlan): string[] => {
    const refused: string[] = [];
    for (const [name, records] of plan.steps) {
      const statement = statements.get(name)!;
      for (const record of records) {
        const result = statement.prepared.run(bindRecord(statement.bound, record));
        if (name === REVISION_CHECKED && result.changes !== 1) {
          throw Object.assign(new Error(REVISION_CONFLICT_MESSAGE), { code: 'REVISION_CONFLICT' });
        }
        if (name === FENCE_CHECKED && result.changes !== 1) {
          throw Object.assign(new Error(LEASE_LOST_MESSAGE), { code: 'LEASE_LOST' });
        }
        if (name === GATED && result.changes !== 1) refused.push((record as { key: string }).key);
      }
    }
    return refused;
  });
  port.on('message', (message: WriterRequest) => {
    if (message.type === 'stop') {
      db.close();
      port.postMessage({ stopped: true });
      return;
    }
    try {
      const wanted = data.durability === 'full' || (data.durability === 'intent' && message.plan.fullSync);
      if (wanted !== full) {
        db.pragma(`synchronous = ${wanted ? 'FULL' : 'NORMAL'}`);
        full = wanted;
      }
      const t0 = performance.now();
      const refused = apply.immediate(message.plan);
      port.postMessage({ id: message.id, ok: true, fsynced: full, ms: performance.now() - t0, refused });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      port.postMessage({
        id: message.id,
        ok: false,
        code: typeof code === 'string' ? code : undefined,
        message: String((err as Error | undefined)?.message ?? err),
      } satisfies WriterReply);
    }
  });
  port.postMessage({ ready: true });
}

if (parentPort !== null) runWriter(parentPort, workerData as WriterThreadData);
