import { createActor } from 'xstate';
import type { AnyMachineSnapshot, Snapshot } from 'xstate';
import { SteadfastError, describeError } from '../domain/errors.js';
import type { MachineEntry, PersistedSnapshot } from '../machines/registry.js';
import type { StoredActor } from '../persistence/stored-records.js';
import { jsonColumn } from '../persistence/json-column.js';
import type { JsonColumn } from '../persistence/json-column.js';
import { persistedJson, persistedSnapshot } from './persisted-json.js';
import { snapshotShape, statePath } from './snapshot-shape.js';

/** True when the snapshot can no longer change by itself (tag `terminal`). */
export function isTerminal(snapshot: AnyMachineSnapshot): boolean {
  return snapshot.hasTag('terminal');
}

/** Rebuilds a snapshot from its JSON without starting anything (no invoke re-runs, no timers). */
function restoreSnapshot(entry: MachineEntry, json: unknown, id: string): AnyMachineSnapshot {
  const snapshot = createActor(entry.machine, {
    snapshot: json as Snapshot<unknown>,
  }).getSnapshot() as AnyMachineSnapshot;
  if (snapshot.status === 'error') {
    throw new SteadfastError(
      'SNAPSHOT_VERSION_MISMATCH',
      `actor ${id}: snapshot does not fit ${entry.machine.id} machine v${entry.version}: ${String(snapshot.error)}`,
    );
  }
  return snapshot;
}

/** Where an actor's stored JSON comes from: the text itself, or a read of its row on first use. */
type StoredJson = string | (() => string);

/**
 * An actor the runtime holds in memory: machine, revision, state path and snapshot. An actor restored from
 * the database keeps only its stored JSON, or not even that (`lazy`: its row is read when first needed),
 * until something reads its snapshot: most live orders rest untouched for long.
 */
export class HostedActor {
  #snapshot: AnyMachineSnapshot | undefined;
  #json: StoredJson | undefined;

  private constructor(
    readonly id: string,
    readonly machineId: string,
    readonly entry: MachineEntry,
    readonly rev: number,
    readonly createdAt: number,
    /** False once the snapshot carries the `terminal` tag. */
    readonly live: boolean,
    /** Dotted state path (`unconfirmed.waiting`), readable without restoring the snapshot. */
    readonly state: string,
    snapshot: AnyMachineSnapshot | undefined,
    json: StoredJson | undefined,
    /** True when the snapshot was migrated from an older machine version and must be written back. */
    readonly migrated = false,
  ) {
    this.#snapshot = snapshot;
    this.#json = json;
  }

  /** A new actor (rev 1) from its initial snapshot. */
  static created(
    id: string,
    machineId: string,
    entry: MachineEntry,
    snapshot: AnyMachineSnapshot,
    at: number,
  ) {
    return new HostedActor(
      id,
      machineId,
      entry,
      1,
      at,
      !isTerminal(snapshot),
      statePath(snapshot.value),
      snapshot,
      undefined,
    );
  }

  /** The xstate snapshot, restored from JSON on first use. */
  get snapshot(): AnyMachineSnapshot {
    this.#snapshot ??= restoreSnapshot(this.entry, JSON.parse(this.#text()), this.id);
    return this.#snapshot;
  }

  /** The stored JSON, read from the database on first use by a lazy actor. */
  #text(): string {
    if (typeof this.#json === 'function') this.#json = this.#json();
    return this.#json!;
  }

  /** The context, without restoring the snapshot when it is not restored yet. */
  get context(): Record<string, unknown> {
    if (this.#snapshot !== undefined) return this.#snapshot.context as Record<string, unknown>;
    return (JSON.parse(this.#text()) as PersistedSnapshot).context;
  }

  /**
   * The context, keeping nothing: a lazy actor's stored JSON is read and parsed on each call and stays in
   * the database, so a look at every resting order (the read model's seed at start) costs no memory after.
   */
  peekContext(): Record<string, unknown> {
    if (this.#snapshot !== undefined || typeof this.#json !== 'function') return this.context;
    return (JSON.parse(this.#json()) as PersistedSnapshot).context;
  }

  /** This actor after a transition to `snapshot`. */
  next(snapshot: AnyMachineSnapshot): HostedActor {
    return new HostedActor(
      this.id,
      this.machineId,
      this.entry,
      this.rev + 1,
      this.createdAt,
      !isTerminal(snapshot),
      statePath(snapshot.value),
      snapshot,
      undefined,
    );
  }

  /** This actor with its revision bumped and the migration mark cleared (written back after a migration). */
  bumped(): HostedActor {
    return new HostedActor(
      this.id,
      this.machineId,
      this.entry,
      this.rev + 1,
      this.createdAt,
      this.live,
      this.state,
      this.#snapshot,
      this.#json,
      false,
    );
  }

  /** The snapshot as stored: plain JSON. */
  persist(): string {
    if (this.#snapshot === undefined && !this.migrated) return this.#text();
    return persistedJson(this.snapshot);
  }

  /** The snapshot as its row's JSON column holds it (see JsonColumn): the same text as `persist()`. */
  persistColumn(): JsonColumn {
    if (this.#snapshot === undefined && !this.migrated) return this.#text();
    return jsonColumn(persistedSnapshot(this.snapshot));
  }

  /**
   * A live actor of the current machine version whose shape (state path, terminal) is already known and
   * whose snapshot stays in the database until first use: `read` returns its stored JSON.
   */
  static lazy(
    head: { id: string; machine: string; rev: number; createdAt: number },
    entry: MachineEntry,
    shape: { state: string; terminal: boolean },
    read: () => string,
  ): HostedActor {
    const { id, machine, rev } = head;
    const at = Number(head.createdAt);
    return new HostedActor(id, machine, entry, rev, at, !shape.terminal, shape.state, undefined, read);
  }

  /**
   * Rebuilds an actor from its row. Refuses a row from an unknown machine, from a newer version, or from an
   * older one without a migration chain, and a snapshot that does not fit the machine (checked now, once
   * per distinct shape: see snapshotShape; the snapshot itself is restored on first use).
   */
  static fromRow(row: StoredActor, registry: Record<string, MachineEntry>): HostedActor {
    const entry = registry[row.machine];
    if (entry === undefined) {
      throw new SteadfastError(
        'SNAPSHOT_VERSION_MISMATCH',
        `actor ${row.id}: unknown machine '${row.machine}'`,
      );
    }
    if (row.version > entry.version) {
      throw new SteadfastError(
        'SNAPSHOT_VERSION_MISMATCH',
        `actor ${row.id} was written by ${row.machine} machine v${row.version}, newer than this build's ` +
          `v${entry.version}: run the newer build`,
      );
    }
    let json: PersistedSnapshot;
    try {
      json = JSON.parse(row.snapshot) as PersistedSnapshot;
    } catch (err) {
      throw new SteadfastError(
        'SNAPSHOT_VERSION_MISMATCH',
        `actor ${row.id}: its stored snapshot is not valid JSON (${describeError(err)})`,
        { cause: err },
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
    }
    const migrated = row.version < entry.version;
    // A migrated snapshot is restored now (it is written back at start); others once per shape.
    const snapshot = migrated ? restoreSnapshot(entry, json, row.id) : undefined;
    const shape =
      snapshot === undefined
        ? snapshotShape(entry, json, () => restoreSnapshot(entry, json, row.id))
        : { state: statePath(snapshot.value), terminal: isTerminal(snapshot) };
    return new HostedActor(
      row.id,
      row.machine,
      entry,
      row.rev,
      Number(row.createdAt),
      !shape.terminal,
      shape.state,
      snapshot,
      migrated ? JSON.stringify(json) : row.snapshot,
      migrated,
    );
  }
}

/** Rebuilds an actor from its row (see HostedActor.fromRow). */
export function rehydrate(row: StoredActor, registry: Record<string, MachineEntry>): HostedActor {
  return HostedActor.fromRow(row, registry);
}
