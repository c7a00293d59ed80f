import { extend } from '../domain/extend.js';
import { DEFAULT_ABSENCE_PROOF_MS } from './order.logic.js';
import type { PersistedSnapshot, SnapshotMigration } from './snapshot-migration.js';

/**
 * Version 1 to 2: a known order is called gone only once its absence is proven (`absentSince`,
 * `absentAnswers`, `timeouts.absenceProofMs`, defaulted); overfills are applied from now on (the trades
 * version 1 quarantined stay in `quarantinedTradeIds`).
 */
function toVersion2(snapshot: PersistedSnapshot): PersistedSnapshot {
  const context = snapshot.context;
  const timeouts = (context.timeouts ?? {}) as Record<string, unknown>;
  return extend(snapshot, {
    context: extend(context, {
      timeouts: extend(timeouts, { absenceProofMs: timeouts.absenceProofMs ?? DEFAULT_ABSENCE_PROOF_MS }),
      absentSince: null,
      absentAnswers: 0,
    }),
  });
}

/** Snapshot migrations of the order machine, by the version they start from. */
export const orderMigrations: Record<number, SnapshotMigration> = { 1: toVersion2 };
