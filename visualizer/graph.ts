import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** One transition as drawn: its event, a short label and the guard that selects it. */
export interface TransitionInfo {
  /** The event type exactly as the machine knows it (`xstate.done.actor.placeOrder`, `ORDER_FILLED`). */
  event: string;
  /** Short form for the diagram (`done: placeOrder`, `after ACK_TIMEOUT`, `ORDER_FILLED`). */
  label: string;
  /** Name of the guard, or null. */
  guard: string | null;
}

/** One state node of a machine. */
export interface StateInfo {
  /** The state node's id (`order.unconfirmed.waiting`); the root's id is the machine id. */
  id: string;
  /** Dotted path below the root (`unconfirmed.waiting`), as stored in `actors.state`; '' for the root. */
  path: string;
  /** Its key (`waiting`), or the machine id for the root. */
  key: string;
  /** Parent state node id, or null for the root. */
  parent: string | null;
  type: string;
  tags: string[];
  /** Id of the initial child of a compound state. */
  initial: string | null;
  /** `src` of each invoked call. */
  invokes: string[];
  /** Transitions that change no state (actions only): listed inside the node. */
  internal: TransitionInfo[];
}

/** Transitions from one state node to another, merged into one drawn edge. */
export interface EdgeInfo {
  id: string;
  source: string;
  target: string;
  transitions: TransitionInfo[];
}

/** A machine definition as nodes and edges, ready for layout. */
export interface StatechartGraph {
  machine: string;
  version: number;
  states: StateInfo[];
  edges: EdgeInfo[];
}

/** The diagram label of an event type. */
export function eventLabel(event: string): string {
  if (event === '') return 'always';
  const done = /^xstate\.done\.actor\.(.+)$/.exec(event);
  if (done) return `done: ${done[1]}`;
  const error = /^xstate\.error\.actor\.(.+)$/.exec(event);
  if (error) return `error: ${error[1]}`;
  const after = /^xstate\.after\.([^.]+)\./.exec(event);
  if (after) return `after ${after[1]}`;
  return event;
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && 'type' in guard) return String((guard as { type: unknown }).type);
  if (typeof guard === 'function') return guard.name || 'inline';
  return 'guard';
}

/** Reads a machine's state nodes and transitions (from xstate's own definition objects). */
export function machineGraph(machine: AnyStateMachine, version: number): StatechartGraph {
  const states: StateInfo[] = [];
  const edges = new Map<string, EdgeInfo>();
  const visit = (node: AnyStateNode, parent: string | null): void => {
    const internal: TransitionInfo[] = [];
    const own = [...node.transitions.values()].flat();
    for (const t of [...own, ...(node.always ?? [])]) {
      const info: TransitionInfo = {
        event: t.eventType,
        label: eventLabel(t.eventType),
        guard: guardName(t.guard),
      };
      const targets = t.target ?? [];
      if (targets.length === 0) internal.push(info);
      for (const target of targets) {
        const id = `${node.id}->${target.id}`;
        const edge = edges.get(id) ?? { id, source: node.id, target: target.id, transitions: [] };
        edge.transitions.push(info);
        edges.set(id, edge);
      }
    }
    states.push({
      id: node.id,
      path: node.path.join('.'),
      key: parent === null ? machine.id : node.key,
      parent,
      type: node.type,
      tags: [...node.tags],
      initial: node.initial?.target[0]?.id ?? null,
      invokes: node.invoke.map((i) => (typeof i.src === 'string' ? i.src : i.id)),
      internal,
    });
    for (const child of Object.values(node.states)) visit(child, node.id);
  };
  visit(machine.root, null);
  return { machine: machine.id, version, states, edges: [...edges.values()] };
}
