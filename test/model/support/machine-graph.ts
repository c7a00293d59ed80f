import { createActor, initialTransition } from 'xstate';
import type { AnyEventObject, AnyMachineSnapshot, AnyStateMachine, AnyStateNode } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import { inertScope } from '../../../src/runtime/pure-transition.js';

/**
 * The structure of a machine read from its definition (every state node and every transition, including
 * `after`, invoke done/error and `always` transitions), and a tracer that tells which of them a sequence
 * of events takes. Coverage is counted against this structure, so a state or transition added to a
 * machine is counted (and reported uncovered) without touching the tests.
 */

/** One transition of the definition. `id` is `<source state id> <event type>[<index>]`. */
export interface TransitionInfo {
  id: string;
  source: string;
  eventType: string;
  targets: string[];
  guard: string | null;
}

/** Every state (all nodes below the root, by id) and every transition of a machine. */
export interface MachineStructure {
  machineId: string;
  states: string[];
  transitions: TransitionInfo[];
}

type TransitionDef = {
  eventType: string;
  target?: readonly AnyStateNode[];
  guard?: unknown;
};

const guardName = (guard: unknown): string | null => {
  if (guard === undefined) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard) return String(guard.type);
  return 'inline';
};

/** Each transition definition of a machine, keyed by its (stable) definition object. */
function transitionIndex(machine: AnyStateMachine): Map<object, TransitionInfo> {
  const index = new Map<object, TransitionInfo>();
  for (const node of [machine.root, ...getStateNodes(machine.root)]) {
    const lists: [string, readonly TransitionDef[]][] = [...node.transitions.entries()];
    if (node.always) lists.push(['always', node.always]);
    for (const [key, list] of lists) {
      list.forEach((t, i) => {
        index.set(t, {
          id: `${node.id} ${key}[${i}]`,
          source: node.id,
          eventType: t.eventType,
          targets: (t.target ?? []).map((n) => n.id),
          guard: guardName(t.guard),
        });
      });
    }
  }
  return index;
}

/** Reads the states and transitions of `machine` from its definition. */
export function machineStructure(machine: AnyStateMachine): MachineStructure {
  return {
    machineId: machine.id,
    states: getStateNodes(machine.root).map((n) => n.id),
    transitions: [...transitionIndex(machine).values()],
  };
}

/** The ids of the state nodes active in a snapshot (below the root). */
export function activeStates(snapshot: AnyMachineSnapshot): string[] {
  return (snapshot._nodes as AnyStateNode[]).filter((n) => n.parent !== undefined).map((n) => n.id);
}

/** An action as the pure transition returns it. */
export interface TracedAction {
  type: string;
  params?: unknown;
}

/** Names extra coverage goals of one step (e.g. the kind of position change a fill makes). */
export type GoalsOf = (
  from: AnyMachineSnapshot,
  event: AnyEventObject,
  to: AnyMachineSnapshot,
  actions: readonly TracedAction[],
) => string[];

/** What replaying a sequence of events took: states entered, transitions and goals reached. */
export interface Trace {
  states: Set<string>;
  transitions: Set<string>;
  goals: Set<string>;
}

type Scope = Record<string, unknown>;

/**
 * Replays events through the machine's own transition function with an inspecting actor scope, which
 * reports every microstep with the transition definitions it took (eventless ones included).
 */
export class TransitionTracer {
  private readonly index: Map<object, TransitionInfo>;
  private readonly scope: Scope;
  private taken: TransitionInfo[] = [];
  private actions: TracedAction[] = [];

  constructor(private readonly machine: AnyStateMachine) {
    this.index = transitionIndex(machine);
    const self = createActor(machine, {
      inspect: (ev) => {
        if (ev.type !== '@xstate.microstep') return;
        for (const t of (ev as unknown as { _transitions: object[] })._transitions) {
          const info = this.index.get(t);
          if (info !== undefined) this.taken.push(info);
        }
      },
    });
    this.scope = inertScope<TracedAction>(self, (action) => this.actions.push(action));
  }

  /** The next snapshot, the transitions taken by `event` (none when it is ignored) and the actions. */
  step(
    snapshot: AnyMachineSnapshot,
    event: AnyEventObject,
  ): [AnyMachineSnapshot, TransitionInfo[], TracedAction[]] {
    this.taken = [];
    this.actions = [];
    const next = (this.machine.transition as (s: unknown, e: unknown, scope: unknown) => AnyMachineSnapshot)(
      snapshot,
      event,
      this.scope,
    );
    return [next, this.taken, this.actions];
  }

  /** The snapshots `events` lead through from the initial state of `input` (the initial one first). */
  replay(input: unknown, events: readonly AnyEventObject[]): AnyMachineSnapshot[] {
    let [snapshot] = initialTransition(this.machine, input) as [AnyMachineSnapshot, unknown];
    const out = [snapshot];
    for (const event of events) {
      snapshot = this.step(snapshot, event)[0];
      out.push(snapshot);
    }
    return out;
  }

  /** Replays `events` from the initial state of `input`: states entered, transitions taken, goals reached. */
  trace(input: unknown, events: readonly AnyEventObject[], goals?: GoalsOf): Trace {
    let [snapshot] = initialTransition(this.machine, input) as [AnyMachineSnapshot, unknown];
    const trace: Trace = {
      states: new Set(activeStates(snapshot)),
      transitions: new Set(),
      goals: new Set(),
    };
    for (const event of events) {
      const [next, taken, actions] = this.step(snapshot, event);
      for (const t of taken) trace.transitions.add(t.id);
      for (const s of activeStates(next)) trace.states.add(s);
      for (const g of goals?.(snapshot, event, next, actions) ?? []) trace.goals.add(g);
      snapshot = next;
    }
    return trace;
  }
}
