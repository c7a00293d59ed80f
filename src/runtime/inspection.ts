import type { AnyStateMachine, InspectionEvent, Observer, Snapshot } from 'xstate';
import type { MachineEntry } from '../machines/registry.js';
import type { CommittedTransition } from './types.js';

/** Where inspection events go: a function or an observer, as `createActor(machine, { inspect })` takes. */
export type InspectionSink = ((event: InspectionEvent) => void) | Observer<InspectionEvent>;

/**
 * A persisted actor as the inspection API sees it: the parts of an ActorRef inspectors read (`sessionId`,
 * `id`, `logic`, `getSnapshot`). The actor lives in the database, not in an interpreter, so `send` refuses.
 * The same ref object is reused for all of an actor's events, as a live actor's is.
 */
class DurableActorRef {
  readonly _parent = undefined;

  constructor(
    readonly id: string,
    readonly logic: AnyStateMachine,
    private snapshot: Snapshot<unknown>,
  ) {}

  get sessionId(): string {
    return this.id;
  }

  getSnapshot(): Snapshot<unknown> {
    return this.snapshot;
  }

  update(snapshot: Snapshot<unknown>): void {
    this.snapshot = snapshot;
  }

  send(): void {
    throw new Error(`actor ${this.id} is durable: send events through the runtime, not an inspection ref`);
  }
}

/**
 * Turns committed transitions into XState inspection events, in the shapes (and order) a live
 * `createActor(machine, { inspect })` produces: `@xstate.actor` the first time an actor is seen, then per
 * transition `@xstate.event` followed by `@xstate.snapshot` with the snapshot after it. Each persisted
 * actor is its own root (`rootId` = `sessionId` = actor id). Only committed work is published.
 */
export class RuntimeInspector {
  private readonly refs = new Map<string, DurableActorRef>();

  constructor(
    private readonly registry: Record<string, MachineEntry>,
    private readonly sink: InspectionSink,
    /** Told when the sink throws (the runtime is never disturbed by inspection). */
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Publishes one commit's transitions. Never throws. */
  publish(transitions: readonly CommittedTransition[]): void {
    for (const t of transitions) {
      const entry = this.registry[t.machine];
      if (entry === undefined) continue;
      const snapshot = t.snapshot as Snapshot<unknown> & { hasTag?: (tag: string) => boolean };
      let ref = this.refs.get(t.actorId);
      const rootId = t.actorId;
      if (ref === undefined) {
        ref = new DurableActorRef(t.actorId, entry.machine, snapshot);
        this.refs.set(t.actorId, ref);
        this.deliver({ type: '@xstate.actor', actorRef: ref, rootId });
      }
      ref.update(snapshot);
      this.deliver({ type: '@xstate.event', actorRef: ref, sourceRef: undefined, event: t.event, rootId });
      this.deliver({ type: '@xstate.snapshot', actorRef: ref, event: t.event, snapshot, rootId });
      // A terminal actor is forgotten; a late event for it registers it again.
      if (snapshot.hasTag?.('terminal') === true) this.refs.delete(t.actorId);
    }
  }

  private deliver(event: InspectionEvent): void {
    try {
      if (typeof this.sink === 'function') this.sink(event);
      else this.sink.next?.(event);
    } catch (err) {
      this.onError(err);
    }
  }
}

/** The part of the durable runtime inspection needs. */
export interface InspectableRuntime {
  readonly registry: Record<string, MachineEntry>;
  onCommitted(listener: (transitions: CommittedTransition[]) => void): () => void;
}

/**
 * Streams a durable runtime's committed transitions to `sink` as XState inspection events, after each
 * commit. Costs nothing until called; returns the unsubscribe function.
 */
export function inspectRuntime(
  runtime: InspectableRuntime,
  sink: InspectionSink,
  onError?: (err: unknown) => void,
): () => void {
  const inspector = new RuntimeInspector(runtime.registry, sink, onError);
  return runtime.onCommitted((transitions) => inspector.publish(transitions));
}
