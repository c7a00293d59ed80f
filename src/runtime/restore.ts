import type { MachineEntry } from '../machines/registry.js';
import type { EngineStore } from '../persistence/engine-store.js';
import { Batch } from './batch.js';
import type { BatchHost, TimerEntry } from './batch-host.js';
import type { HostedActor } from './hosted-actor.js';
import { restoreLiveActors } from './restore-actors.js';
import type { RuntimeMemory } from './runtime-memory.js';
import type { OutboxRow } from './types.js';

/** The durable state memory is rebuilt from at start: no history is replayed. */
export interface RestoredState {
  batchNo: number;
  actors: HostedActor[];
  /** Actors whose snapshot was migrated from an older machine version (to be written back). */
  migrated: HostedActor[];
  timers: TimerEntry[];
  openCalls: OutboxRow[];
}

/**
 * Loads live actors (refusing, all at once, any that do not fit this build: see restoreLiveActors), the
 * durable timers and the calls whose result was never applied.
 */
export async function restoreState(
  store: EngineStore,
  registry: Record<string, MachineEntry>,
): Promise<RestoredState> {
  const actors = await restoreLiveActors(store, registry);
  const timers = (await store.loadTimers()).map((row) => ({
    actorId: row.actorId,
    timerId: row.timerId,
    event: JSON.parse(row.event) as TimerEntry['event'],
    dueAt: Number(row.dueAt),
  }));
  const openCalls = (await store.loadOpenOutbox()).map((r) => ({
    key: r.key,
    actorId: r.actorId,
    childId: r.childId,
    src: r.src,
    input: JSON.parse(r.input) as unknown,
    createdAt: Number(r.createdAt),
  }));
  return {
    batchNo: await store.lastBatch(),
    actors,
    migrated: actors.filter((a) => a.migrated === true),
    timers,
    openCalls,
  };
}

/**
 * Writes migrated snapshots back in one committed batch numbered `batchNo` and puts the written actors
 * into `memory`.
 */
export async function writeBackMigrated(
  store: EngineStore,
  memory: RuntimeMemory,
  batchNo: number,
  now: number,
  migrated: readonly HostedActor[],
): Promise<void> {
  const batch = migrationBatch(memory, batchNo, now, migrated);
  await store.commit(batch.finish());
  for (const actor of batch.actors.values()) memory.actors.set(actor.id, actor);
}

/** A batch that writes migrated snapshots back (new revision, an `engine.migrated` journal row each). */
function migrationBatch(
  host: BatchHost,
  batchNo: number,
  now: number,
  actors: readonly HostedActor[],
): Batch {
  const batch = new Batch(host, batchNo, now);
  for (const actor of actors) {
    const bumped = actor.bumped();
    batch.adopt(bumped, actor.rev);
    batch.set.journal.push({
      batch: batchNo,
      actorId: actor.id,
      rev: bumped.rev,
      eventType: 'engine.migrated',
      event: JSON.stringify({ type: 'engine.migrated', toVersion: actor.entry.version }),
      state: actor.state,
      at: now,
    });
  }
  return batch;
}
