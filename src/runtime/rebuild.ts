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

/**
 * Rebuilds an actor from its journal alone: `xstate.init` (with the creation input) and then every event in
 * revision order through the machine's pure transition. Returns the persisted snapshot JSON, which must
 * equal the stored one: the proof that the journal is a complete audit trail.
 */
export function rebuildFromJournal(entry: MachineEntry, journal: readonly JournalEntry[]): unknown {
  const [first, ...rest] = journal;
  if (first === undefined || first.eventType !== 'xstate.init') {
    throw new SteadfastError('INTERNAL', 'journal does not start with xstate.init');
  }
  let snapshot = initialTransition(
    entry.machine,
    (JSON.parse(first.event) as { input: unknown }).input,
  )[0] as AnyMachineSnapshot;
  let rev = first.rev;
  for (const row of rest) {
    if (row.rev !== rev + 1) throw new SteadfastError('INTERNAL', `journal gap: rev ${rev} then ${row.rev}`);
    rev = row.rev;
    if (row.eventType === 'engine.migrated') continue;
    snapshot = transition(
      entry.machine,
      snapshot,
      JSON.parse(row.event) as AnyEventObject,
    )[0] as AnyMachineSnapshot;
  }
  return entry.machine.getPersistedSnapshot(snapshot);
}
