import type { AnyEventObject, InspectionEvent } from 'xstate';

/**
 * The protocol version written in `_version`: the field layout of `@statelyai/inspect` 0.7.x's
 * `StatelyInspectionEvent` (its `convertXStateEvent`), which its WebSocket inspector sends and its
 * `createInspectorServer` relays.
 */
export const STATELY_PROTOCOL_VERSION = '0.7.2';

/** One inspection event on the wire: XState's InspectionEvent with actor refs replaced by session ids. */
export type StatelyInspectionEvent = {
  rootId: string | undefined;
  sessionId: string;
  createdAt: string;
  id: string | null;
  _version: string;
} & (
  | {
      type: '@xstate.actor';
      name: string;
      definition: string | undefined;
      parentId: string | undefined;
      snapshot: unknown;
    }
  | { type: '@xstate.event'; event: AnyEventObject; sourceId: string | undefined }
  | { type: '@xstate.snapshot'; event: AnyEventObject; snapshot: unknown }
);

/** Field names whose values never leave the process, wherever they appear in a payload. */
const SECRET_KEY = /^(api[-_]?key|api[-_]?secret|secret|password|passphrase|signature|private[-_]?key)$/i;

/** JSON replacer: drops secret-looking fields and turns functions into `{ type: name }` (as Stately does). */
export function wireReplacer(key: string, value: unknown): unknown {
  if (SECRET_KEY.test(key)) return '[redacted]';
  if (typeof value === 'function') return { type: value.name || 'anonymous' };
  return value;
}

const definitions = new WeakMap<object, string>();

/** The machine's config as JSON (what Stately's inspector draws from), computed once per machine. */
export function definitionOf(logic: unknown): string | undefined {
  const config = (logic as { config?: unknown } | undefined)?.config;
  if (typeof config !== 'object' || config === null) return undefined;
  let json = definitions.get(config);
  if (json === undefined) {
    json = JSON.stringify(config, wireReplacer);
    definitions.set(config, json);
  }
  return json;
}

/**
 * Converts an XState inspection event into the wire shape `@statelyai/inspect` uses, or null for kinds that
 * protocol does not carry (`@xstate.microstep`, `@xstate.action`, `@xstate.transition`).
 */
export function toStatelyEvent(
  event: InspectionEvent,
  id: string,
  now: number,
): StatelyInspectionEvent | null {
  const common = {
    rootId: event.rootId,
    sessionId: event.actorRef.sessionId,
    createdAt: String(now),
    id,
    _version: STATELY_PROTOCOL_VERSION,
  };
  switch (event.type) {
    case '@xstate.actor': {
      const ref = event.actorRef as typeof event.actorRef & {
        id?: string;
        logic?: { config?: { id?: string } };
        _parent?: { sessionId: string };
      };
      return {
        ...common,
        type: '@xstate.actor',
        name: ref.logic?.config?.id ?? ref.id ?? ref.sessionId,
        definition: definitionOf(ref.logic),
        parentId: ref._parent?.sessionId,
        snapshot: ref.getSnapshot(),
      };
    }
    case '@xstate.event':
      return { ...common, type: '@xstate.event', event: event.event, sourceId: event.sourceRef?.sessionId };
    case '@xstate.snapshot':
      return { ...common, type: '@xstate.snapshot', event: event.event, snapshot: event.snapshot };
    default:
      return null;
  }
}
