import { SteadfastError, describeError } from '../domain/errors.js';
import type { MachineEntry } from '../machines/registry.js';
import { HostedActor } from './hosted-actor.js';
import { persistedJson } from './persisted-json.js';
import { replayJournal } from './rebuild.js';
import type { JournalEntry, ReplayStart } from './rebuild.js';
import { statePath } from './snapshot-shape.js';

/** Where an actor's journal starts when its oldest rows were archived: the snapshot after `rev`. */
export interface JournalBase {
  rev: number;
  /** The machine version that wrote `snapshot`. */
  version: number;
  snapshot: string;
}

/** A journal row with the state it led to. */
export interface StatedJournalEntry extends JournalEntry {
  state: string;
}

/** The replay start of a base: its snapshot, migrated to the machine's current version and restored. */
export function replayStartOf(
  registry: Readonly<Record<string, MachineEntry>>,
  actorId: string,
  machine: string,
  base: JournalBase,
): ReplayStart {
  const actor = HostedActor.fromRow(
    {
      id: actorId,
      machine,
      version: base.version,
      rev: base.rev,
      state: '',
      live: 1,
      snapshot: base.snapshot,
      createdAt: 0,
      updatedAt: 0,
    },
    registry as Record<string, MachineEntry>,
  );
  return { rev: base.rev, snapshot: actor.snapshot };
}

/**
 * The base after `rows` (the actor's next journal rows after `base`, or from `xstate.init` without one):
 * replays them through the machine and checks that each reaches the state its row records, so that a
 * prefix is archived only when the journal still proves it. Throws naming the first row that does not.
 */
export function advanceJournalBase(
  registry: Readonly<Record<string, MachineEntry>>,
  actorId: string,
  machine: string,
  base: JournalBase | null,
  rows: readonly StatedJournalEntry[],
): JournalBase & { state: string } {
  const entry = registry[machine];
  if (entry === undefined)
    throw new SteadfastError('INTERNAL', `actor ${actorId}: unknown machine ${machine}`);
  const start = base === null ? undefined : replayStartOf(registry, actorId, machine, base);
  let last: { rev: number; state: string; json: string } | null = null;
  // The rev whose row is being replayed: the one named when replay fails.
  let at = (base?.rev ?? 0) + 1;
  try {
    for (const step of replayJournal(entry, rows, start)) {
      at = step.row.rev;
      const state = statePath(step.snapshot.value);
      if (state !== step.row.state) {
        throw new SteadfastError(
          'INTERNAL',
          `replay reaches state ${state}, the journal says ${step.row.state}`,
        );
      }
      last = { rev: at, state, json: step.row === rows.at(-1) ? persistedJson(step.snapshot) : '' };
      at += 1;
    }
  } catch (err) {
    throw new SteadfastError(
      'INTERNAL',
      `actor ${actorId}: its journal does not replay at rev ${at}: ${describeError(err)}`,
      {
        cause: err,
      },
    );
  }
  if (last === null) throw new SteadfastError('INTERNAL', `actor ${actorId}: no journal rows to archive`);
  return { rev: last.rev, version: entry.version, snapshot: last.json, state: last.state };
}
