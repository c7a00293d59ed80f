import { createActor } from 'xstate';
import type { AnyEventObject, AnyMachineSnapshot, AnyStateMachine } from 'xstate';

type Action = { type: string; params?: unknown };
type Scope = Record<string, unknown> & { actionExecutor: (action: Action) => void };

const scopes = new WeakMap<AnyStateMachine, Scope>();

/**
 * An inert actor scope around `self` (an actor that is never started) for calling a machine's
 * `transition` directly: nothing is deferred, spawned, emitted or logged; actions go to `actionExecutor`.
 */
export function inertScope<A>(
  self: ReturnType<typeof createActor>,
  actionExecutor: (action: A) => void,
): Record<string, unknown> & { actionExecutor: (action: A) => void } {
  return {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor,
  };
}

/**
 * xstate's pure `transition(machine, snapshot, event)`, without building a throwaway actor on every call.
 * `transition()` creates an inert actor scope per call (half of its cost); this keeps one inert scope per
 * machine and swaps only the action collector. Nothing runs: actions come back as data, exactly as from
 * `transition()` (the crash and journal-replay tests compare the two on every actor).
 */
export function pureTransition(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
  event: AnyEventObject,
): [AnyMachineSnapshot, Action[]] {
  let scope = scopes.get(machine);
  if (scope === undefined) {
    scope = inertScope<Action>(createActor(machine), () => {});
    scopes.set(machine, scope);
  }
  const actions: Action[] = [];
  scope.actionExecutor = (action) => actions.push(action);
  try {
    const next = (machine.transition as (s: unknown, e: unknown, scope: unknown) => AnyMachineSnapshot)(
      snapshot,
      event,
      scope,
    );
    return [next, actions];
  } finally {
    scope.actionExecutor = () => {};
  }
}
