import type { CommitSet, FenceCheck } from './commit-set.js';
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

/** Appends a step of `records`, if there are any. */
function addStep(steps: CommitStep[], name: CommitStatement, records: readonly object[]): void {
  if (records.length > 0) steps.push([name, records]);
}

/**
 * Turns a CommitSet into its plan (the records themselves: each statement names the fields it binds). With
 * `fence`, the plan first proves that the writer still holds its lease.
 */
export function planCommit(set: CommitSet, fence: FenceCheck | null = null): CommitPlan {
  const steps: CommitStep[] = [];
  if (fence !== null) steps.push(['checkFence', [fence]]);
  const { actors } = set;
  let created = 0;
  for (let i = 0; i < actors.length; i += 1) if (actors[i]!.baseRev === 0) created += 1;
  // Most batches change actors and create none (or only create): the list itself is the step.
  if (created === 0) addStep(steps, 'updateActor', actors);
  else if (created === actors.length) addStep(steps, 'insertActor', actors);
  else {
    addStep(
      steps,
      'updateActor',
      actors.filter((a) => a.baseRev !== 0),
    );
    addStep(
      steps,
      'insertActor',
      actors.filter((a) => a.baseRev === 0),
    );
  }
  addStep(steps, 'insertJournal', set.journal);
  addStep(steps, 'insertIgnoredFact', set.ignored);
  addStep(steps, 'insertOutbox', set.outbox);
  addStep(steps, 'closeOutbox', set.outboxClosed);
  addStep(steps, 'deleteTimer', set.timersDeleted);
  addStep(steps, 'upsertTimer', set.timers);
  addStep(steps, 'upsertOrder', set.orders);
  addStep(steps, 'insertFill', set.fills);
  addStep(steps, 'upsertPosition', set.positions);
  addStep(steps, 'upsertAnomaly', set.anomalies);
  addStep(steps, 'setFillStatus', set.fillStatuses);
  addStep(steps, 'upsertMeta', set.meta);
  return { steps, fullSync: set.outbox.length > 0 };
}
