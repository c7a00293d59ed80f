import type { AnyEventObject, AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import type { AdjacencyMap, TraversalOptions } from 'xstate/graph';
import { TransitionTracer, machineStructure } from './machine-graph.js';
import type { GoalsOf, MachineStructure, Trace } from './machine-graph.js';
import { replayTimed } from './oracle.js';

/**
 * Test paths generated with xstate/graph from a machine definition. `getAdjacencyMap` explores the
 * machine with the model's event payloads (the traversal is bounded by an abstract state key and
 * `stopWhen`); `getShortestPaths` gives the shortest path to every abstract state. The selected set is a
 * transition tour: a shortest path that enters each state, then, for each transition (or model goal) not
 * taken yet, the shortest path to a state where an explored edge takes it, followed by that edge; each
 * path is then extended, while it stays short, by short detours through the graph to further untaken
 * transitions. Each path finally gets one event its last state ignores (a duplicate fill, a reply nobody
 * waits for, ...), when there is one.
 */

/** What a machine's model supplies to the generator. */
export interface ModelSpec {
  machine: AnyStateMachine;
  input: unknown;
  /** Clock time at which the actor is created (payload times are chosen relative to it). */
  startTime: number;
  /** The events (with generated payloads) offered in a state. */
  events: (snapshot: AnyMachineSnapshot) => AnyEventObject[];
  /** Abstract state key: the state value and every context field that guards or `events` read. */
  stateKey: (snapshot: AnyMachineSnapshot) => string;
  /** States not expanded further (bounds counters in the context). */
  stopWhen?: (snapshot: AnyMachineSnapshot) => boolean;
  /** Short human label of an event (after `earlier` ones), for test names. */
  label: (event: AnyEventObject, earlier: readonly AnyEventObject[]) => string;
  /** Extra coverage goals of a step, beyond the machine's transitions (the tour reaches each once). */
  goals?: GoalsOf;
  /** Rank of an ignored event as the last step of a path (lower first); undefined: never appended. */
  ignoredRank?: (event: AnyEventObject) => number | undefined;
}

/** One generated path: the events to apply after the actor is created. */
export interface ModelPath {
  name: string;
  events: AnyEventObject[];
}

/** The generated paths and what they cover. */
export interface GeneratedPaths {
  structure: MachineStructure;
  paths: ModelPath[];
  coverage: Trace;
  /** Abstract states explored and edges between them. */
  explored: { states: number; edges: number };
}

/** An explored edge; `takes` holds the transitions it takes and the goals it reaches. */
type Edge = { from: string; to: string; event: AnyEventObject; ignored: boolean; takes: string[] };
type Adjacency = AdjacencyMap<AnyMachineSnapshot, AnyEventObject>;

/** Longest path, in events, before a new one starts from the initial state. */
const MAX_PATH = 14;
/** Longest detour (events that take nothing new) to reach the next untaken transition. */
const MAX_DETOUR = 3;

const traversal = (spec: ModelSpec): TraversalOptions<AnyMachineSnapshot, AnyEventObject, unknown> => ({
  input: spec.input,
  events: spec.events,
  serializeState: (s) => spec.stateKey(s),
  ...(spec.stopWhen ? { stopWhen: spec.stopWhen } : {}),
  limit: 200_000,
});

function edgesOf(spec: ModelSpec, adjacency: Adjacency, tracer: TransitionTracer): Edge[] {
  const edges: Edge[] = [];
  for (const [from, { state, transitions }] of Object.entries(adjacency)) {
    const outgoing = Object.values(transitions) as { event: AnyEventObject; state: AnyMachineSnapshot }[];
    for (const { event, state: next } of outgoing) {
      const [, taken, actions] = tracer.step(state, event);
      const to = spec.stateKey(next);
      const goals = spec.goals?.(state, event, next, actions) ?? [];
      const takes = [...taken.map((t) => t.id), ...goals.map((g) => `goal ${g}`)];
      edges.push({ from, to, event, ignored: next === state, takes });
    }
  }
  return edges;
}

const sameEvents = (a: readonly AnyEventObject[], b: readonly AnyEventObject[]): boolean =>
  a.length <= b.length && a.every((e, i) => JSON.stringify(e) === JSON.stringify(b[i]));

/** The shortest walk (at most MAX_DETOUR + 1 edges) from `from` whose last edge takes something new. */
function detour(out: Map<string, Edge[]>, from: string, isNew: (e: Edge) => boolean): Edge[] | null {
  let frontier: { key: string; route: Edge[] }[] = [{ key: from, route: [] }];
  const seen = new Set([from]);
  for (let d = 0; d <= MAX_DETOUR; d += 1) {
    const next: typeof frontier = [];
    for (const { key, route } of frontier) {
      for (const edge of out.get(key) ?? []) {
        if (isNew(edge)) return [...route, edge];
        if (edge.ignored || seen.has(edge.to)) continue;
        seen.add(edge.to);
        next.push({ key: edge.to, route: [...route, edge] });
      }
    }
    frontier = next;
  }
  return null;
}

/** Generates the model's paths (deterministic for a given spec). */
export function generatePaths(spec: ModelSpec): GeneratedPaths {
  const options = traversal(spec);
  const adjacency = getAdjacencyMap(spec.machine, options);
  const shortest = new Map<string, AnyEventObject[]>();
  for (const p of getShortestPaths(spec.machine, options)) {
    shortest.set(
      spec.stateKey(p.state),
      p.steps.slice(1).map((s) => s.event),
    );
  }
  const structure = machineStructure(spec.machine);
  const tracer = new TransitionTracer(spec.machine);
  const edges = edgesOf(spec, adjacency, tracer);
  const depth = (key: string) => shortest.get(key)?.length ?? Infinity;
  edges.sort((a, b) => depth(a.from) - depth(b.from));
  const out = new Map<string, Edge[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);

  const chosen: AnyEventObject[][] = [];
  const covered: Trace = { states: new Set(), transitions: new Set(), goals: new Set() };
  const traceOf = (events: AnyEventObject[]) => tracer.trace(spec.input, events, spec.goals);
  const reached = new Set<string>();
  const record = (t: Trace) => {
    t.states.forEach((x) => covered.states.add(x));
    t.transitions.forEach((id) => (covered.transitions.add(id), reached.add(id)));
    t.goals.forEach((g) => (covered.goals.add(g), reached.add(`goal ${g}`)));
  };
  const isNew = (e: Edge) => e.takes.some((id) => !reached.has(id));
  const lastKey = (events: AnyEventObject[]) => spec.stateKey(tracer.replay(spec.input, events).at(-1)!);
  /** Extends a path, while it stays short, with detours to transitions not taken yet. */
  const extend = (events: AnyEventObject[]): AnyEventObject[] => {
    let path = events;
    for (;;) {
      const route = detour(out, lastKey(path), isNew);
      if (route === null || path.length + route.length > MAX_PATH) return path;
      const longer = [...path, ...route.map((e) => e.event)];
      if (lastKey(longer) !== route.at(-1)!.to || !replayable(spec, longer)) return path;
      record(traceOf(longer));
      path = longer;
    }
  };
  const choose = (events: AnyEventObject[]) => {
    record(traceOf(events));
    chosen.push(extend(events));
  };
  const byDepth = [...shortest.entries()].sort((a, b) => a[1].length - b[1].length);
  for (const state of structure.states) {
    if (covered.states.has(state)) continue;
    const hit = byDepth.find(([, events]) => traceOf(events).states.has(state));
    if (hit) choose(hit[1]);
  }
  for (const edge of edges) {
    if (!isNew(edge)) continue;
    const head = shortest.get(edge.from);
    if (head !== undefined) choose([...head, edge.event]);
  }
  const kept = chosen
    .sort((a, b) => b.length - a.length)
    .filter((p, i, all) => !all.slice(0, i).some((q) => sameEvents(p, q)))
    .reverse();
  const paths = kept.map((events, i) => {
    const withIgnored = appendIgnored(spec, adjacency, edges, events, i);
    const path = { name: pathName(spec, i, withIgnored), events: withIgnored };
    assertTimingIndependent(spec, path);
    return path;
  });
  return {
    structure,
    paths,
    coverage: covered,
    explored: { states: Object.keys(adjacency).length, edges: edges.length },
  };
}

/** Appends one event the path's last abstract state ignores (rotating among the best ranked ones). */
function appendIgnored(
  spec: ModelSpec,
  adjacency: Adjacency,
  edges: readonly Edge[],
  events: AnyEventObject[],
  index: number,
): AnyEventObject[] {
  if (spec.ignoredRank === undefined) return events;
  const states = new TransitionTracer(spec.machine).replay(spec.input, events);
  const last = spec.stateKey(states[states.length - 1]!);
  if (adjacency[last as keyof typeof adjacency] === undefined) return events;
  const ranked = edges
    .filter((e) => e.from === last && e.ignored)
    .map((e) => ({ event: e.event, rank: spec.ignoredRank!(e.event) }))
    .filter((r): r is { event: AnyEventObject; rank: number } => r.rank !== undefined)
    .sort((a, b) => a.rank - b.rank);
  // Rotate within each rank so that paths end with different ignored events.
  const rotated = [...ranked.entries()]
    .sort(
      ([i, a], [j, b]) => a.rank - b.rank || ((i + index) % ranked.length) - ((j + index) % ranked.length),
    )
    .map(([, r]) => r.event);
  for (const event of rotated) {
    const candidate = [...events, event];
    if (replayable(spec, candidate)) return candidate;
  }
  return events;
}

/** True when the oracle can enact the path (e.g. a late reply has a call to answer). */
function replayable(spec: ModelSpec, events: readonly AnyEventObject[]): boolean {
  try {
    replayTimed(spec.machine, 'model', spec.input, events, spec.startTime);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks that replaying a path at the runtime's times goes through the same states as the generator's
 * replay (payload times are chosen so that no guard depends on when a timer fires).
 */
function assertTimingIndependent(spec: ModelSpec, path: ModelPath): void {
  const untimed = new TransitionTracer(spec.machine).replay(spec.input, path.events);
  const timed = replayTimed(spec.machine, 'model', spec.input, path.events, spec.startTime);
  timed.steps.forEach((step, i) => {
    const expected = untimed[i + 1]!;
    if (JSON.stringify(step.snapshot.value) !== JSON.stringify(expected.value)) {
      throw new Error(
        `${path.name}: step ${i} reaches ${JSON.stringify(step.snapshot.value)} at runtime times`,
      );
    }
  });
}

/** `path 007: <labels of its events>` */
function pathName(spec: ModelSpec, index: number, events: readonly AnyEventObject[]): string {
  const n = String(index + 1).padStart(3, '0');
  return `path ${n}: ${events.length === 0 ? '(initial state)' : events.map((e, i) => spec.label(e, events.slice(0, i))).join(' → ')}`;
}
