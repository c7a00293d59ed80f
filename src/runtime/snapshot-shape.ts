import type { AnyMachineSnapshot } from 'xstate';
import type { MachineEntry, PersistedSnapshot } from '../machines/registry.js';

/** What restoring a stored snapshot tells about it without keeping the restored object. */
export interface SnapshotShape {
  /** Dotted state path. */
  state: string;
  /** True when the state carries the `terminal` tag. */
  terminal: boolean;
}

/** Distinct shapes kept per machine (a machine has a handful; this bounds only a pathological table). */
const MAX_SHAPES = 4096;

const cache = new WeakMap<MachineEntry, Map<string, SnapshotShape>>();

/**
 * The part of a persisted snapshot that decides whether xstate can restore it and what it restores to:
 * status, state value, history, and each invoked child's id, logic and status. Context is data the
 * machine never resolves against its definition, so it is not part of the shape.
 */
function shapeKey(json: PersistedSnapshot): string {
  const children = (json.children ?? {}) as Record<
    string,
    { src?: unknown; systemId?: unknown; snapshot?: { status?: unknown } }
  >;
  const kids = Object.entries(children).map(([id, c]) => [id, c.src, c.systemId, c.snapshot?.status]);
  return JSON.stringify([json.status, json.value, json.historyValue, json.error, kids]);
}

/**
 * The state path and terminal flag of a stored snapshot. The first snapshot of each shape is restored in
 * full by `restore` (which throws when it does not fit the machine); later ones of the same shape reuse
 * that verdict, so loading 10k resting orders restores one, not 10k, xstate snapshots.
 */
export function snapshotShape(
  entry: MachineEntry,
  json: PersistedSnapshot,
  restore: () => AnyMachineSnapshot,
): SnapshotShape {
  let shapes = cache.get(entry);
  if (shapes === undefined) {
    shapes = new Map();
    cache.set(entry, shapes);
  }
  const key = shapeKey(json);
  const known = shapes.get(key);
  if (known !== undefined) return known;
  const snapshot = restore();
  const shape = { state: statePath(snapshot.value), terminal: snapshot.hasTag('terminal') };
  if (shapes.size >= MAX_SHAPES) shapes.clear();
  shapes.set(key, shape);
  return shape;
}

/** Dotted paths joined so far: `key` then the inner path, to `key.inner` (the same string each time). */
const joined = new Map<string, Map<string, string>>();

/** Distinct joined paths kept (a machine has a handful; this bounds only a pathological value). */
const MAX_JOINED = 4096;
let joinedCount = 0;

/**
 * The dotted path of a snapshot's state value: `open`, `unconfirmed.waiting`. A compound value's path is
 * joined once and reused, so reading it per transition builds no string.
 */
export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return '';
  let key: string | undefined;
  for (const k in value) {
    key = k;
    break;
  }
  if (key === undefined) return '';
  const rest = statePath((value as Record<string, unknown>)[key]);
  if (rest === '') return key;
  let paths = joined.get(key);
  if (paths === undefined) {
    if (joinedCount >= MAX_JOINED) {
      joined.clear();
      joinedCount = 0;
    }
    paths = new Map();
    joined.set(key, paths);
  }
  let path = paths.get(rest);
  if (path === undefined) {
    path = `${key}.${rest}`;
    paths.set(rest, path);
    joinedCount += 1;
  }
  return path;
}
