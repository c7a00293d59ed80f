import { SteadfastError, describeError } from '../domain/errors.js';
import type { MachineEntry } from '../machines/registry.js';
import type { ActorHead, EngineStore, SnapshotReader } from '../persistence/engine-store.js';
import type { ActorsTable } from '../persistence/schema.js';
import { HostedActor, rehydrate } from './hosted-actor.js';

/** Most ids per `IN (…)` list when rows are loaded in full (far below SQLite's variable limit). */
const CHUNK = 500;

/** Shape verdicts by machine and shape key: the representative actor, or why it could not be restored. */
type Verdict = { actor: HostedActor } | { error: true };

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
  // One representative per shape, restored in full: its verdict is its shape's.
  const verdicts = new Map<string, Verdict>();
  const representatives = [...groups].map(([key, group]) => ({ key, id: group[0]!.id }));
  const rows = new Map(
    (
      await loadRows(
        store,
        representatives.map((r) => r.id),
      )
    ).map((r) => [r.id, r]),
  );
  for (const { key, id } of representatives) {
    const row = rows.get(id);
    try {
      if (row === undefined) throw new Error(`actor ${id} vanished during recovery`);
      verdicts.set(key, { actor: rehydrate(row, registry) });
    } catch {
      verdicts.set(key, { error: true });
    }
  }
  const actors: HostedActor[] = [];
  for (const [key, group] of groups) {
    const verdict = verdicts.get(key)!;
    if ('error' in verdict) {
      full.push(...group.map((h) => h.id));
      continue;
    }
    const { actor } = verdict;
    actors.push(actor);
    const shape = { state: actor.state, terminal: !actor.live };
    for (const head of group.slice(1)) {
      actors.push(HostedActor.lazy(head, actor.entry, shape, () => storedJson(read, head)));
    }
  }
  return [...actors, ...rehydrateAll(await loadRows(store, full), registry)];
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

async function loadRows(store: EngineStore, ids: readonly string[]): Promise<ActorsTable[]> {
  const rows: ActorsTable[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) rows.push(...(await store.loadActors(ids.slice(i, i + CHUNK))));
  return rows;
}

/** Rehydrates every row, collecting every refusal into one error. */
function rehydrateAll(rows: readonly ActorsTable[], registry: Record<string, MachineEntry>): HostedActor[] {
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
