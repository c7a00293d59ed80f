import { SteadfastError, describeError } from '../domain/errors.js';
import type { MachineEntry } from '../machines/registry.js';
import type { ActorHead, EngineStore, SnapshotReader } from '../persistence/engine-store.js';
import type { StoredActor } from '../persistence/stored-records.js';
import { HostedActor, rehydrate } from './hosted-actor.js';

/** Most ids per `IN (…)` list when rows are loaded in full (far below SQLite's variable limit). */
const CHUNK = 500;

/**
 * Loads the live actors and refuses, all at once, any that do not fit this build. With a snapshot reader
 * (SQLite), it reads only each actor's head and shape key, restores ONE snapshot per distinct shape (the
 * verdict holds for every actor of that shape) and leaves every other snapshot in the database until the
 * actor is first used: 10k resting orders cost neither their JSON text at start nor its memory after.
 * Rows that cannot take that path (another machine version, to migrate or to refuse; a snapshot that is
 * not valid JSON; every member of a shape that does not fit) are loaded and checked in full, one by one.
 */
export async function restoreLiveActors(
  store: EngineStore,
  registry: Record<string, MachineEntry>,
): Promise<HostedActor[]> {
  const read = store.snapshotReader;
  if (read === undefined) return rehydrateAll(await store.loadLiveActors(), registry);
  const heads = await store.loadLiveActorHeads();
  const groups = new Map<string, ActorHead[]>();
  const full: string[] = [];
  for (const head of heads) {
    const entry = registry[head.machine];
    if (entry === undefined || head.version !== entry.version || head.shape === null) {
      full.push(head.id);
      continue;
    }
    const key = `${head.machine}\u0000${head.shape}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [head]);
    else group.push(head);
  }
  // One representative per shape, restored in full: its verdict is its shape's. A shape whose
  // representative does not fit goes the full path, where each of its actors is checked and named.
  const representatives = await loadRows(
    store,
    [...groups.values()].map((group) => group[0]!.id),
  );
  const rows = new Map(representatives.map((row) => [row.id, row]));
  const actors: HostedActor[] = [];
  for (const group of groups.values()) {
    const actor = restoreOrUndefined(rows.get(group[0]!.id), registry);
    if (actor === undefined) {
      full.push(...group.map((h) => h.id));
      continue;
    }
    actors.push(actor);
    const shape = { state: actor.state, terminal: !actor.live };
    for (const head of group.slice(1)) {
      actors.push(HostedActor.lazy(head, actor.entry, shape, () => storedJson(read, head)));
    }
  }
  return [...actors, ...rehydrateAll(await loadRows(store, full), registry)];
}

/** The actor of `row`, or undefined if there is no row or it does not fit this build. */
function restoreOrUndefined(
  row: StoredActor | undefined,
  registry: Record<string, MachineEntry>,
): HostedActor | undefined {
  if (row === undefined) return undefined;
  try {
    return rehydrate(row, registry);
  } catch {
    return undefined;
  }
}

/** The actor's stored JSON, provided its row is still the revision recovery saw. */
function storedJson(read: SnapshotReader, head: ActorHead): string {
  const row = read(head.id);
  if (row === undefined || row.rev !== head.rev) {
    throw new SteadfastError(
      'INTERNAL',
      `actor ${head.id}: its stored snapshot is no longer revision ${head.rev} (another writer?)`,
    );
  }
  return row.snapshot;
}

async function loadRows(store: EngineStore, ids: readonly string[]): Promise<StoredActor[]> {
  const rows: StoredActor[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) rows.push(...(await store.loadActors(ids.slice(i, i + CHUNK))));
  return rows;
}

/** Rehydrates every row, collecting every refusal into one error. */
function rehydrateAll(rows: readonly StoredActor[], registry: Record<string, MachineEntry>): HostedActor[] {
  const errors: string[] = [];
  const actors: HostedActor[] = [];
  for (const row of rows) {
    try {
      actors.push(rehydrate(row, registry));
    } catch (err) {
      errors.push(describeError(err));
    }
  }
  if (errors.length > 0) {
    throw new SteadfastError(
      'SNAPSHOT_VERSION_MISMATCH',
      `cannot restore ${errors.length} actor(s): ${errors.slice(0, 5).join('; ')}`,
    );
  }
  return actors;
}
