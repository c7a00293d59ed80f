import type { AnyMachineSnapshot } from 'xstate';

type ChildRef = {
  src: unknown;
  systemId: unknown;
  _syncSnapshot: unknown;
  getPersistedSnapshot: () => unknown;
};

/** The fields of a machine snapshot that its persisted form keeps. */
type SnapshotFields = {
  status: unknown;
  output: unknown;
  error: unknown;
  value: unknown;
  context: unknown;
  children: Record<string, ChildRef>;
  historyValue: Record<string, unknown> | undefined;
};

/** An empty history or set of children, shared (it is only ever stringified). */
const EMPTY: Record<string, never> = Object.freeze({});

/** History as xstate persists it: each remembered state node by its id. */
function historyJson(history: SnapshotFields['historyValue']): Record<string, { id: string }[]> {
  if (typeof history !== 'object' || history === null) return EMPTY;
  let out: Record<string, { id: string }[]> | null = null;
  for (const key in history) {
    const nodes = history[key];
    if (Array.isArray(nodes)) (out ??= {})[key] = nodes.map((n: { id: string }) => ({ id: n.id }));
  }
  return out ?? EMPTY;
}

/**
 * `JSON.stringify(machine.getPersistedSnapshot(snapshot))` without its deep copy of the context: xstate
 * walks the whole context to swap actor references for `{ xstate$$type, id }`, which is what an actor's
 * own `toJSON` already yields inside `JSON.stringify`. Children and history are persisted exactly as xstate
 * does, in xstate's key order, so the text is the same. `persisted-json.test.ts` compares the two on every
 * state of every machine; the journal-replay checks compare them on every actor of every crash-test run.
 */
export function persistedJson(snapshot: AnyMachineSnapshot): string {
  return JSON.stringify(persistedSnapshot(snapshot));
}

/** What persistedJson stringifies: the snapshot's persisted fields, sharing its context. */
export function persistedSnapshot(snapshot: AnyMachineSnapshot): object {
  const s = snapshot as unknown as SnapshotFields;
  let children: Record<string, unknown> = EMPTY;
  for (const id in s.children) {
    const child = s.children[id]!;
    if (children === EMPTY) children = {};
    children[id] = {
      snapshot: child.getPersistedSnapshot(),
      src: child.src,
      systemId: child.systemId,
      syncSnapshot: child._syncSnapshot,
    };
  }
  return {
    status: s.status,
    output: s.output,
    error: s.error,
    value: s.value,
    historyValue: historyJson(s.historyValue),
    context: s.context,
    children,
  };
}
