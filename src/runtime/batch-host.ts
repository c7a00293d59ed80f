import type { AnyEventObject } from 'xstate';
import type { MachineEntry } from '../machines/registry.js';
import type { HostedActor } from './hosted-actor.js';
import type { CallGate, OutboxRow, Projector } from './types.js';

/** A durable timer as the runtime holds it. */
export interface TimerEntry {
  actorId: string;
  timerId: string;
  event: AnyEventObject;
  dueAt: number;
}

/** Key of a timer in maps. */
export const timerKey = (actorId: string, timerId: string): string => `${actorId}\n${timerId}`;

/** The committed state a batch reads through (the runtime's memory). */
export interface BatchHost {
  readonly registry: Record<string, MachineEntry>;
  readonly projectors: Record<string, Projector>;
  /** Guards call intents (null: every intent is committed as it is). */
  readonly gate: CallGate | null;
  committedActor(id: string): HostedActor | undefined;
  committedOutbox(key: string): OutboxRow | undefined;
  committedOutboxOf(actorId: string): readonly OutboxRow[];
  committedTimer(key: string): TimerEntry | undefined;
  /** True for a key remembered by an earlier batch (see TxApi.remember). */
  recentlySeen(key: string): boolean;
}
