import type { Clock } from '../domain/clock.js';
import type { MachineEntry } from '../machines/registry.js';
import type { EngineStore } from '../persistence/engine-store.js';
import type { CallGate, EffectHandler, Projector } from './types.js';

/** Told after each committed batch: how long its commit took, in seconds, and its journal events. */
export type CommitTimeListener = (seconds: number, events: number) => void;

/** Options of the durable runtime. */
export interface RuntimeOptions {
  store: EngineStore;
  effects: EffectHandler;
  clock: Clock;
  registry?: Record<string, MachineEntry>;
  projectors?: Record<string, Projector>;
  /** Guards call intents (the desk's trading state guarding placements); none by default. */
  gate?: CallGate;
  /** Most commands per transaction (group commit). */
  maxBatch?: number;
  /** Told about failures of commands nobody awaits (call results, timers). Defaults to stderr. */
  onError?: (what: string, err: unknown) => void;
  /** Told once when a commit fails and the runtime halts (the process should stop; a restart recovers). */
  onHalt?: (err: unknown) => void;
}
