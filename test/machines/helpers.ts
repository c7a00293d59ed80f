import { createActor } from 'xstate';
import type { AnyStateMachine, Snapshot, SnapshotFrom } from 'xstate';

/**
 * Helpers shared by the machine tests: read the pure `transition()` action list the way the durable
 * runtime does (by `type` + `params`), never executing anything.
 */

/** The shape of one action returned by `transition()` / `initialTransition()`. */
export interface PureAction {
  type: string;
  params?: unknown;
}

/** Events carried by `xstate.emit` actions (messages to other actors), in order. */
export function emittedEvents(actions: readonly PureAction[]): Record<string, unknown>[] {
  return actions
    .filter((a) => a.type === 'xstate.emit')
    .map((a) => (a.params as { event: Record<string, unknown> }).event);
}

/** Invoked calls (`xstate.spawnChild`): id, src and resolved input. */
export function spawnedCalls(actions: readonly PureAction[]): { id: string; src: unknown; input: unknown }[] {
  return actions
    .filter((a) => a.type === 'xstate.spawnChild')
    .map((a) => {
      const p = a.params as { id: string; src: unknown; input: unknown };
      return { id: p.id, src: p.src, input: p.input };
    });
}

/** Durable timers armed (`xstate.raise` with a numeric delay). */
export function armedTimers(
  actions: readonly PureAction[],
): { id: unknown; event: unknown; delay: number }[] {
  return actions
    .filter((a) => a.type === 'xstate.raise' && typeof (a.params as { delay?: unknown }).delay === 'number')
    .map((a) => {
      const p = a.params as { id: unknown; event: unknown; delay: number };
      return { id: p.id, event: p.event, delay: p.delay };
    });
}

/** Timers disarmed (`xstate.cancel`): their send ids. */
export function cancelledTimers(actions: readonly PureAction[]): unknown[] {
  return actions
    .filter((a) => a.type === 'xstate.cancel')
    .map((a) => (a.params as { sendId: unknown }).sendId);
}

/** Children stopped (`xstate.stopChild`): the invoke ids whose results are no longer awaited. */
export function stoppedCalls(actions: readonly PureAction[]): unknown[] {
  return actions
    .filter((a) => a.type === 'xstate.stopChild')
    .map((a) => (a.params as { id?: unknown } | undefined)?.id);
}

/**
 * Rehydrates a persisted snapshot from its JSON text the way the runtime does:
 * `createActor(machine, { snapshot }).getSnapshot()`, never `start()` (nothing runs).
 */
export function restoreSnapshot<M extends AnyStateMachine>(machine: M, json: string): SnapshotFrom<M> {
  const snapshot = JSON.parse(json) as Snapshot<unknown>;
  return createActor(machine as AnyStateMachine, { snapshot }).getSnapshot() as SnapshotFrom<M>;
}
