import { initialTransition, transition } from 'xstate';
import type { AnyEventObject, AnyMachineSnapshot } from 'xstate';
import { SteadfastError } from '../domain/errors.js';
import type { MachineEntry } from '../machines/registry.js';

/** A journal row as replay needs it. */
export interface JournalEntry {
  rev: number;
  eventType: string;
  event: string;
}

/** The actor rebuilt up to one journal row: the snapshot that row's event led to. */
export interface ReplayStep<E extends JournalEntry> {
  row: E;
  snapshot: AnyMachineSnapshot;
}

/**
 * Replays an actor's journal alone, yielding the snapshot after every row: `xstate.init` (with the creation
 * input) and then every event in revision order through the machine's pure transition. An
 * `engine.migrated` row (a snapshot rewritten to the machine's current version) changes nothing here: the
 * replay runs on the current machine from the start. Throws when the journal does not start with
 * `xstate.init` or skips a revision.
 */
export function* replayJournal<E extends JournalEntry>(
  entry: MachineEntry,
  journal: readonly E[],
): Generator<ReplayStep<E>> {
  const [first, ...rest] = journal;
  if (first === undefined || first.eventType !== 'xstate.init') {
    throw new SteadfastError('INTERNAL', 'journal does not start with xstate.init');
  }
  let snapshot = initialTransition(
    entry.machine,
    (JSON.parse(first.event) as { input: unknown }).input,
  )[0] as AnyMachineSnapshot;
  yield { row: first, snapshot };
  let rev = first.rev;
  for (const row of rest) {
    if (row.rev !== rev + 1) throw new SteadfastError('INTERNAL', `journal gap: rev ${rev} then ${row.rev}`);
    rev = row.rev;
    if (row.eventType !== 'engine.migrated') {
      snapshot = transition(
        entry.machine,
        snapshot,
        JSON.parse(row.event) as AnyEventObject,
      )[0] as AnyMachineSnapshot;
    }
    yield { row, snapshot };
  }
}

/**
 * Rebuilds an actor from its journal alone (see replayJournal). Returns the persisted snapshot JSON, which
 * must equal the stored one: the proof that the journal is a complete audit trail.
 */
export function rebuildFromJournal(entry: MachineEntry, journal: readonly JournalEntry[]): unknown {
  let last: AnyMachineSnapshot | undefined;
  for (const step of replayJournal(entry, journal)) last = step.snapshot;
  return entry.machine.getPersistedSnapshot(last!);
}
