import type { SimulatedClock } from 'xstate';
import { projectors } from '../../../src/engine/projections.js';
import { EngineStore } from '../../../src/persistence/engine-store.js';
import type { EngineDatabase } from '../../../src/persistence/engine-database.js';
import { DurableRuntime } from '../../../src/runtime/durable-runtime.js';
import type { EffectHandler } from '../../../src/runtime/types.js';

/** A runtime on an engine database, as the engine builds it (store, projections). */
export interface ModelEngine {
  db: EngineDatabase;
  store: EngineStore;
  runtime: DurableRuntime;
  /** Failures the runtime reported (none expected). */
  errors: string[];
}

/**
 * A new DurableRuntime, with empty memory, on the open engine database `db`. `runtime.start()` restores
 * it from what the file holds. A restored run drops its runtime after every step and builds a new one
 * here; the database connection (and its writer thread) stays open, as reopening the file adds nothing
 * the new runtime could see: it reads only committed rows.
 */
export function newRuntime(db: EngineDatabase, clock: SimulatedClock, effects: EffectHandler): ModelEngine {
  const store = new EngineStore(db.db, db);
  const errors: string[] = [];
  const runtime = new DurableRuntime({
    store,
    effects,
    clock,
    projectors,
    onError: (what, err) => errors.push(`${what}: ${String(err)}`),
    onHalt: (err) => errors.push(`halted: ${String(err)}`),
  });
  return { db, store, runtime, errors };
}
