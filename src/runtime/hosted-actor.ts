import { createActor } from 'xstate';
import type { AnyMachineSnapshot, Snapshot } from 'xstate';
import { SteadfastError } from '../domain/errors.js';
import type { MachineEntry, PersistedSnapshot } from '../machines/registry.js';
import type { ActorsTable } from '../persistence/schema.js';

/** An actor the runtime holds in memory: its machine, revision and current (immutable) snapshot. */
export interface HostedActor {
  id: string;
  machineId: string;
  entry: MachineEntry;
  rev: number;
  snapshot: AnyMachineSnapshot;
  createdAt: number;
  /** False once the snapshot carries the `terminal` tag. */
  live: boolean;
  /** True when the snapshot was migrated from an older machine version and must be written back. */
  migrated?: boolean;
}

/** The dotted path of a snapshot's state value: `open`, `unconfirmed.waiting`. */
export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    if (key === undefined) return '';
    const rest = statePath(inner);
    return rest === '' ? key : `${key}.${rest}`;
  }
  return '';
}

/** True when the snapshot can no longer change by itself (tag `terminal`). */
export function isTerminal(snapshot: AnyMachineSnapshot): boolean {
  return snapshot.hasTag('terminal');
}

/** The snapshot as stored: plain JSON. */
export function persist(actor: Pick<HostedActor, 'entry' | 'snapshot'>): string {
  return JSON.stringify(actor.entry.machine.getPersistedSnapshot(actor.snapshot));
}

/**
 * Rebuilds an actor from its row without starting anything (no invoke re-runs, no timers): xstate's
 * `createActor(machine, { snapshot }).getSnapshot()`. Refuses a row from another machine or another
 * version unless a migration chain exists, and a snapshot that does not fit the machine.
 */
export function rehydrate(row: ActorsTable, registry: Record<string, MachineEntry>): HostedActor {
  const entry = registry[row.machine];
  if (entry === undefined) {
    throw new SteadfastError(
      'SNAPSHOT_VERSION_MISMATCH',
      `actor ${row.id}: unknown machine '${row.machine}'`,
    );
  }
  let json = JSON.parse(row.snapshot) as PersistedSnapshot;
  let migrated = false;
  if (row.version > entry.version) {
    throw new SteadfastError(
      'SNAPSHOT_VERSION_MISMATCH',
      `actor ${row.id} was written by ${row.machine} machine v${row.version}, newer than this build's ` +
        `v${entry.version}: run the newer build`,
    );
  }
  for (let v = row.version; v < entry.version; v += 1) {
    const migration = entry.migrations[v];
    if (migration === undefined) {
      throw new SteadfastError(
        'SNAPSHOT_VERSION_MISMATCH',
        `actor ${row.id} was written by ${row.machine} machine v${row.version}; this build has ` +
          `v${entry.version} and no migration from v${v}: refusing to guess (add a migration or run the older build)`,
      );
    }
    json = migration(json);
    migrated = true;
  }
  const snapshot = createActor(entry.machine, {
    snapshot: json as unknown as Snapshot<unknown>,
  }).getSnapshot() as AnyMachineSnapshot;
  if (snapshot.status === 'error') {
    throw new SteadfastError(
      'SNAPSHOT_VERSION_MISMATCH',
      `actor ${row.id}: snapshot does not fit ${row.machine} machine v${entry.version}: ${String(snapshot.error)}`,
    );
  }
  return {
    id: row.id,
    machineId: row.machine,
    entry,
    rev: row.rev,
    snapshot,
    createdAt: row.created_at,
    live: !isTerminal(snapshot),
    migrated,
  };
}
