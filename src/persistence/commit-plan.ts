import type { CommitSet } from './commit-set.js';
import type { CommitStatement } from './commit-statements.js';

/** One statement and the records it runs with, in order. */
export type CommitStep = [CommitStatement, readonly object[]];

/**
 * A commit as data: the steps in order (each a statement of commit-statements.ts, run once per record) and
 * whether the commit must be fsynced (it carries call intents). `updateActor` must change exactly one row
 * per run: that is the revision check. Plain values, so it is posted to the writer thread as it is.
 */
export interface CommitPlan {
  steps: CommitStep[];
  fullSync: boolean;
}

/** Turns a CommitSet into its plan (the records themselves: each statement names the fields it binds). */
export function planCommit(set: CommitSet): CommitPlan {
  const steps: CommitStep[] = [];
  const add = (name: CommitStatement, records: readonly object[]) => {
    if (records.length > 0) steps.push([name, records]);
  };
  if (set.actors.length > 0) {
    add(
      'updateActor',
      set.actors.filter((a) => a.baseRev !== 0),
    );
    add(
      'insertActor',
      set.actors.filter((a) => a.baseRev === 0),
    );
  }
  add('insertJournal', set.journal);
  add('insertOutbox', set.outbox);
  add('closeOutbox', set.outboxClosed);
  add('deleteTimer', set.timersDeleted);
  add('upsertTimer', set.timers);
  add('upsertOrder', set.orders);
  add('insertFill', set.fills);
  add('upsertPosition', set.positions);
  add('upsertAnomaly', set.anomalies);
  add('setFillStatus', set.fillStatuses);
  add('upsertMeta', set.meta);
  return { steps, fullSync: set.outbox.length > 0 };
}
