import type { MachineEntry } from '../machines/registry.js';
import type { EngineStore } from '../persistence/engine-store.js';
import { Batch } from './batch.js';
import type { BatchHost } from './batch-host.js';
import { rehydrate } from './hosted-actor.js';
import type { HostedActor } from './hosted-actor.js';
import type { Command } from './types.js';

/** A queued command and the promise waiting for its commit. */
export interface Pending {
  command: Command;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Runs the commands' `prepare` reads, then loads the actors they name that are not in memory (terminal
 * ones) into `actors`. Returns the prepared values and the ids it tried to load.
 */
export async function prepareCommands(
  items: readonly Pending[],
  actors: Map<string, HostedActor>,
  store: EngineStore,
  registry: Record<string, MachineEntry>,
): Promise<{ prepared: Map<Pending, unknown>; loaded: string[] }> {
  const prepared = new Map<Pending, unknown>();
  // The items that prepare, and their reads in the same order (no promise of our own per read).
  let readers: Pending[] | null = null;
  let reads: Promise<unknown>[] | null = null;
  for (const item of items) {
    const { command } = item;
    if (command.kind === 'work' && command.prepare) {
      const read = command.prepare();
      if (readers === null || reads === null) {
        readers = [item];
        reads = [read];
      } else {
        readers.push(item);
        reads.push(read);
      }
    }
  }
  if (readers !== null && reads !== null) {
    const values = await Promise.all(reads);
    for (let i = 0; i < readers.length; i += 1) prepared.set(readers[i]!, values[i]);
  }
  const loaded: string[] = [];
  for (const item of items) {
    const { command } = item;
    if (command.kind === 'send' || command.kind === 'spawn') wantActor(actors, loaded, command.id);
    else if (command.kind === 'timer') wantActor(actors, loaded, command.actorId);
    else if (command.kind === 'work' && command.actorIds !== undefined) {
      const ids =
        typeof command.actorIds === 'function' ? command.actorIds(prepared.get(item)) : command.actorIds;
      for (const id of ids) wantActor(actors, loaded, id);
    }
  }
  if (loaded.length > 0) {
    for (const row of await store.loadActors(loaded)) {
      if (!actors.has(row.id)) actors.set(row.id, rehydrate(row, registry));
    }
  }
  return { prepared, loaded };
}

/** Adds `id` to `loaded` unless it is in memory or there already. */
function wantActor(actors: Map<string, HostedActor>, loaded: string[], id: string): void {
  if (!actors.has(id) && !loaded.includes(id)) loaded.push(id);
}

/** A built batch and, in order, the commands it holds with their results. */
export interface BuiltBatch {
  batch: Batch;
  live: Pending[];
  results: unknown[];
}

/**
 * Applies the commands to a new batch over `host`. A command that throws is rejected alone and the batch is
 * rebuilt from scratch without it, so it leaves no trace.
 */
export function buildBatch(
  host: BatchHost,
  batchNo: number,
  now: number,
  items: readonly Pending[],
  prepared: Map<Pending, unknown>,
): BuiltBatch {
  let live = items as Pending[];
  for (;;) {
    const batch = new Batch(host, batchNo, now);
    const results: unknown[] = [];
    let failed: { index: number; error: unknown } | null = null;
    for (let index = 0; index < live.length && failed === null; index += 1) {
      const item = live[index]!;
      try {
        results.push(applyCommand(batch, item.command, prepared.get(item)));
      } catch (error) {
        failed = { index, error };
      }
    }
    if (failed === null) return { batch, live, results };
    live[failed.index]!.reject(failed.error);
    live = live.filter((_, i) => i !== failed.index);
  }
}

function applyCommand(batch: Batch, command: Command, prepared: unknown): unknown {
  switch (command.kind) {
    case 'spawn':
      return batch.spawn(command.id, command.machine, command.input).id;
    case 'send':
      return batch.send(command.id, command.event);
    case 'result':
      return batch.applyResult(command.key, command.event);
    case 'timer':
      return batch.fireTimer(command.actorId, command.timerId);
    case 'work':
      return command.run(batch, prepared);
  }
}
