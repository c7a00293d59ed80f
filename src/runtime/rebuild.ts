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

/** Where a replay starts instead of `xstate.init`: an archived journal's base (see journal-base.ts). */
export interface ReplayStart {
  rev: number;
  snapshot: AnyMachineSnapshot;
}

/**
 * Replays an actor's journal alone, yielding the snapshot after every row: `xstate.init` (with the creation
 * input) and then every event in revision order through the machine's pure transition; or, from `start`
 * (the snapshot its archived rows led to), the rows after it. An `engine.migrated` row (a snapshot
 * rewritten to the machine's current version) changes nothing here: the replay runs on the current machine
 * from the start. Throws when the journal does not start with `xstate.init` (or right after `start`) or
 * skips a revision.
 */
export function* replayJournal<E extends JournalEntry>(
  entry: MachineEntry,
  journal: readonly E[],
  start?: ReplayStart,
): Generator<ReplayStep<E>> {
  let snapshot: AnyMachineSnapshot;
  let rev: number;
  let rest: readonly E[];
  if (start === undefined) {
    const first = journal[0];
    if (first === undefined || first.eventType !== 'xstate.init') {
      throw new SteadfastError('INTERNAL', 'journal does not start with xstate.init');
    }
    snapshot = initialTransition(
      entry.machine,
      (JSON.parse(first.event) as { input: unknown }).input,
    )[0] as AnyMachineSnapshot;
    yield { row: first, snapshot };
    rev = first.rev;
    rest = journal.slice(1);
  } else {
    ({ snapshot, rev } = start);
    rest = journal;
  }
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
