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

/** Most properties `Object.assign({}, …)` gives an object before V8 turns it into a dictionary. */
const FAST_ASSIGN_LIMIT = 16;

/** Per machine: does its context have more properties than FAST_ASSIGN_LIMIT (decided on first sight)? */
const wideContexts = new WeakMap<AnyStateMachine, boolean>();

/**
 * Gives a snapshot's new context fast properties. xstate's `assign` builds every new context with
 * `Object.assign({}, context, update)`, and V8 turns an object that gets more than 16 properties that way
 * into a dictionary (a hash table: ~1.2 KB for the order's 26 fields, slow to read and to stringify). A
 * copy by spread has fast properties and a quarter of the size; the dictionary dies young instead of
 * living as long as the actor's state. Values are unchanged: only the object holding them is new.
 * Machines with narrower contexts (the position book's 10 fields) are left alone.
 */
function compactContext(
  machine: AnyStateMachine,
  next: AnyMachineSnapshot,
  previous: AnyMachineSnapshot | undefined,
): void {
  const context = next.context as unknown;
  if (context === previous?.context || context === null || typeof context !== 'object') return;
  if (Array.isArray(context)) return;
  let wide = wideContexts.get(machine);
  if (wide === undefined) {
    wide = Object.keys(context).length > FAST_ASSIGN_LIMIT;
    wideContexts.set(machine, wide);
  }
  if (wide) (next as { context: unknown }).context = { ...(context as Record<string, unknown>) };
}

/** No actions: what most transitions (a fill, an acknowledgement) return. */
const NO_ACTIONS: Action[] = [];
Object.freeze(NO_ACTIONS);

/**
 * The actions of the transition being computed, created on the first one. One collector serves every
 * machine: a transition runs synchronously to its end and never starts another.
 */
let collected: Action[] | null = null;
const collect = (action: Action): void => {
  if (collected === null) collected = [action];
  else collected.push(action);
};

/** The machine's cached inert scope, its actions going to `collected`. */
function scopeOf(machine: AnyStateMachine): Scope {
  let scope = scopes.get(machine);
  if (scope === undefined) {
    scope = inertScope<Action>(createActor(machine), collect);
    scopes.set(machine, scope);
  }
  collected = null;
  return scope;
}

/** The actions collected since `scopeOf`, and the collector emptied. */
function takeActions(): Action[] {
  const actions = collected ?? NO_ACTIONS;
  collected = null;
  return actions;
}

/**
 * xstate's pure `transition(machine, snapshot, event)`, without building a throwaway actor on every call.
 * `transition()` creates an inert actor scope per call (half of its cost); this keeps one inert scope per
 * machine, whose actions go to one collector (no array at all for a transition without actions, the
 * usual case). Nothing runs: actions come back as data, exactly as from
 * `transition()` (the crash and journal-replay tests compare the two on every actor).
 */
export function pureTransition(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
  event: AnyEventObject,
): [AnyMachineSnapshot, Action[]] {
  const next = nextSnapshot(machine, snapshot, event);
  return [next, lastActions];
}

/**
 * xstate's pure `initialTransition(machine, input)` on the same cached scope: `initialTransition()` builds
 * an inert actor per call, and that actor computes an initial snapshot of its own before the one returned,
 * so every new order paid for two.
 */
export function pureInitialTransition(
  machine: AnyStateMachine,
  input: unknown,
): [AnyMachineSnapshot, Action[]] {
  const next = initialSnapshot(machine, input);
  return [next, lastActions];
}

/** The actions of the last nextSnapshot or initialSnapshot (read before the next transition). */
let lastActions: Action[] = NO_ACTIONS;

/** The actions of the transition computed last by nextSnapshot or initialSnapshot. */
export function transitionActions(): Action[] {
  return lastActions;
}

/** pureTransition's snapshot alone (no pair per event): its actions are transitionActions(). */
export function nextSnapshot(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
  event: AnyEventObject,
): AnyMachineSnapshot {
  const scope = scopeOf(machine);
  let next: AnyMachineSnapshot;
  try {
    next = (machine.transition as (s: unknown, e: unknown, scope: unknown) => AnyMachineSnapshot)(
      snapshot,
      event,
      scope,
    );
  } catch (err) {
    collected = null;
    lastActions = NO_ACTIONS;
    throw err;
  }
  lastActions = takeActions();
  if (next !== snapshot) compactContext(machine, next, snapshot);
  return next;
}

/** pureInitialTransition's snapshot alone: its actions are transitionActions(). */
export function initialSnapshot(machine: AnyStateMachine, input: unknown): AnyMachineSnapshot {
  const scope = scopeOf(machine);
  let next: AnyMachineSnapshot;
  try {
    next = (machine.getInitialSnapshot as (scope: unknown, input: unknown) => AnyMachineSnapshot)(
      scope,
      input,
    );
  } catch (err) {
    collected = null;
    lastActions = NO_ACTIONS;
    throw err;
  }
  lastActions = takeActions();
  compactContext(machine, next, undefined);
  return next;
}
