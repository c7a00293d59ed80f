import type { AnyEventObject } from 'xstate';
import type { CallKind } from '../machines/messages.js';
import type { AnomalyWrite, CommitSet, FillRecord } from '../persistence/commit-set.js';
import type { HostedActor } from './hosted-actor.js';

/** An exchange call recorded in the outbox. */
export interface OutboxRow {
  key: string;
  actorId: string;
  childId: string;
  src: string;
  input: unknown;
  createdAt: number;
}

/**
 * Decides whether a call intent may be committed (the desk's trading state guarding order placements).
 * A guarded intent is checked when a transition starts it, in the batch; the commit then inserts it only
 * while the stored rule is still at the version it was checked under, so a change committed by someone
 * else in between wins. A denied intent is never written: the invoking actor gets `denial` instead.
 */
export interface CallGate {
  /** Whether intents of calls of this source (`placeOrder`, ...) are guarded. */
  guards(src: string): boolean;
  /** The version of the rule `check` answers by (stored with the rule, bumped by every change). */
  version(): number;
  /** Null if the intent may be committed, else why not. `tx` shows the batch so far (e.g. positions). */
  check(row: OutboxRow, tx: TxApi): string | null;
  /**
   * The event the invoking actor gets instead of the call's result (the order machine's PLACE_DENIED).
   * `reason` is what `check` said, or `changed before the commit` for an intent the commit refused.
   */
  denial(row: OutboxRow, reason: string, now: number): AnyEventObject;
}

/** What to do, on recovery, with a call that may have been in flight when the last process died. */
export type RecoveryDecision = { redispatch: true } | { event: AnyEventObject };

/** Executes the calls that machines invoke (placeOrder, cancelOrder, lookupOrder, ...). */
export interface EffectHandler {
  /**
   * Performs the call and returns the event to feed back: `xstate.done.actor.<childId>` with an `output`
   * or `xstate.error.actor.<childId>` with a JSON `error`. Never rejects.
   */
  execute(row: OutboxRow): Promise<AnyEventObject>;
  /**
   * Decides, after a restart, how to resume a call that may have been in flight. `kind` is what the
   * invoking machine declares of it (MachineEntry.calls): a write must not be sent again blindly.
   */
  recover(row: OutboxRow, kind: CallKind, now: number): RecoveryDecision;
}

/**
 * Writes the domain projection (orders, positions, ...) of an actor changed in a batch. `before` is the
 * actor as it was when the batch started (undefined for an actor created in it).
 */
export type Projector = (actor: HostedActor, set: CommitSet, before: HostedActor | undefined) => void;

/** Transaction-scoped access for workflow commands (OnOrderUpdate). Synchronous: no I/O inside. */
export interface TxApi {
  readonly now: number;
  /** The actor as of this point of the batch, or undefined. */
  actor(id: string): HostedActor | undefined;
  /** Delivers an event (and everything it causes) to an existing actor. Returns true if it changed state. */
  send(id: string, event: AnyEventObject): boolean;
  /** Creates an actor. */
  spawn(id: string, machine: string, input: unknown): HostedActor;
  /**
   * True if `key` was remembered by this batch or a recent one. With batches pipelined, a later batch may
   * be built before an earlier one's rows are readable: workflows use this with their own reads (e.g. a
   * fill's trade id: the ledger, plus the trades remembered recently) to stay idempotent.
   */
  seen(key: string): boolean;
  /** Remembers `key` (see `seen`). */
  remember(key: string): void;
  /** Adds a trade to the fill ledger. */
  recordFill(fill: FillRecord): void;
  /** Changes the status of a ledger trade (a contested version decided). */
  setFillStatus(venue: string, tradeId: string, status: string): void;
  /** Records an occurrence of an anomaly (upserted by kind and subject), at this batch's time. */
  recordAnomaly(anomaly: Omit<AnomalyWrite, 'at'>): void;
  /** Moves a cursor (e.g. a symbol's trade cursor) to `at`. */
  setCursor(key: string, at: number): void;
  /** Sets a small engine fact (e.g. a balance baseline). */
  setMeta(key: string, value: string): void;
}

/** A unit of work for the runtime; each is applied within one batch transaction. */
export type Command =
  | { kind: 'spawn'; id: string; machine: string; input: unknown }
  | { kind: 'send'; id: string; event: AnyEventObject }
  | { kind: 'result'; key: string; event: AnyEventObject }
  | { kind: 'timer'; actorId: string; timerId: string }
  | WorkCommand;

/** A workflow step: `prepare` may read (outside the transaction), `run` applies synchronously inside it. */
export interface WorkCommand<P = unknown> {
  kind: 'work';
  name: string;
  /** Actor ids `run` may touch that might not be in memory (terminal actors); may depend on `prepare`. */
  actorIds?: string[] | ((prepared: P) => string[]);
  prepare?: () => Promise<P>;
  run: (tx: TxApi, prepared: P) => unknown;
}

/** Published after each commit, for inspection and live views. */
export interface CommittedTransition {
  actorId: string;
  machine: string;
  rev: number;
  event: AnyEventObject;
  state: string;
  snapshot: unknown;
}

/**
 * Hears what a batch committed: its transitions (for inspection and live views) and the anomalies it
 * recorded (for the operator).
 */
export type CommitListener = (transitions: CommittedTransition[], anomalies: readonly AnomalyWrite[]) => void;

/** Erases a work command's prepared-value type so it fits the runtime's queue. */
export function workCommand<P>(command: WorkCommand<P>): WorkCommand {
  return command as unknown as WorkCommand;
}
