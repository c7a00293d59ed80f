import { initialTransition, transition } from 'xstate';
import type { AnyEventObject, AnyMachineSnapshot, AnyStateMachine } from 'xstate';

/**
 * The expected outcome of a path, computed from the machine alone with xstate's pure API, at the times
 * the runtime will see: commands without a time are stamped with the clock, call replies carry their
 * own times, and a timer step moves the clock to the instant the timer was armed for (entry time plus
 * the resolved delay), which is when the runtime fires it. Also tracks, per step, the calls started
 * (with the outbox key the runtime must use), the armed timers and the messages emitted.
 */

/** How a step reaches the actor. */
export type StepKind = 'send' | 'reply' | 'timer';

/** A call the machine started (`xstate.spawnChild`). */
export interface ExpectedCall {
  key: string;
  childId: string;
  src: string;
  input: unknown;
  /** Step index that started it (-1: creation). */
  startedAt: number;
  /** `open` until answered (its reply accepted) or abandoned (its invoking state left). */
  status: 'open' | 'answered' | 'abandoned';
  /** Replies delivered for it (a reply to an abandoned call is recorded and changes nothing). */
  replies: number;
}

/** An armed durable timer. */
export interface ExpectedTimer {
  timerId: string;
  event: AnyEventObject;
  dueAt: number;
}

/** The model's view after one step. */
export interface OracleStep {
  index: number;
  kind: StepKind;
  /** The event exactly as the runtime applies it. */
  event: AnyEventObject;
  /** Clock time when the step is enacted (for a timer step: when it fires). */
  now: number;
  accepted: boolean;
  snapshot: AnyMachineSnapshot;
  /** `machine.getPersistedSnapshot(snapshot)`, what the actors table must hold. */
  persisted: unknown;
  rev: number;
  /** For a reply: the call it answers (an open one, else one abandoned without a reply yet). */
  call: ExpectedCall | undefined;
  /** A reply to a call the machine no longer waits for (recorded by the runtime, changes nothing). */
  lateReply: boolean;
  started: ExpectedCall[];
  emitted: AnyEventObject[];
  timers: ExpectedTimer[];
  /** Calls still awaited after the step. */
  openCalls: ExpectedCall[];
}

/** The model's view of a whole path. */
export interface OracleRun {
  initial: Omit<OracleStep, 'index' | 'kind' | 'event' | 'accepted' | 'call' | 'lateReply'>;
  steps: OracleStep[];
  calls: ExpectedCall[];
}

/** How the runtime receives an event of this type. */
export function stepKind(type: string): StepKind {
  if (type.startsWith('xstate.after.')) return 'timer';
  if (type.startsWith('xstate.done.actor.') || type.startsWith('xstate.error.actor.')) return 'reply';
  return 'send';
}

const childOf = (type: string): string => type.replace(/^xstate\.(done|error)\.actor\./, '');

type Action = { type: string; params?: unknown };

/** Replays `events` through `machine` for the actor `actorId`, starting at clock `t0`. */
export function replayTimed(
  machine: AnyStateMachine,
  actorId: string,
  input: unknown,
  events: readonly AnyEventObject[],
  t0: number,
): OracleRun {
  const calls: ExpectedCall[] = [];
  const timers = new Map<string, ExpectedTimer>();
  let now = t0;
  let rev = 1;
  const effects = (snapshot: AnyMachineSnapshot, actions: readonly Action[], index: number) => {
    const started: ExpectedCall[] = [];
    const emitted: AnyEventObject[] = [];
    for (const { type, params } of actions) {
      const p = (params ?? {}) as Record<string, unknown>;
      if (type === 'xstate.spawnChild') {
        const call: ExpectedCall = {
          key: `${actorId}/${String(p.id)}/${rev}`,
          childId: String(p.id),
          src: String(p.src),
          input: p.input ?? null,
          startedAt: index,
          status: 'open',
          replies: 0,
        };
        calls.push(call);
        started.push(call);
      } else if (type === 'xstate.raise' && typeof p.delay === 'number') {
        const timerId = String(p.id);
        timers.set(timerId, { timerId, event: p.event as AnyEventObject, dueAt: now + p.delay });
      } else if (type === 'xstate.cancel') {
        timers.delete(String(p.sendId));
      } else if (type === 'xstate.emit') {
        emitted.push(p.event as AnyEventObject);
      }
    }
    const children = snapshot.children as Record<string, unknown>;
    for (const call of calls)
      if (call.status === 'open' && !(call.childId in children)) call.status = 'abandoned';
    return { started, emitted };
  };
  const view = (snapshot: AnyMachineSnapshot) => ({
    snapshot,
    persisted: machine.getPersistedSnapshot(snapshot),
    rev,
    now,
    timers: [...timers.values()],
    openCalls: calls.filter((c) => c.status === 'open'),
  });

  const [s0, a0] = initialTransition(machine, input) as [AnyMachineSnapshot, Action[]];
  const initial = { ...effects(s0, a0, -1), ...view(s0) };
  let snapshot = s0;
  const steps: OracleStep[] = [];
  events.forEach((raw, index) => {
    const kind = stepKind(raw.type);
    let event = raw;
    let call: ExpectedCall | undefined;
    let lateReply = false;
    if (kind === 'timer') {
      const timer = timers.get(raw.type);
      if (timer === undefined) throw new Error(`step ${index}: no timer ${raw.type} is armed in the model`);
      now = Math.max(now, timer.dueAt);
      event = { ...raw, at: now };
      timers.delete(raw.type);
    } else if (kind === 'send') {
      event = typeof raw.at === 'number' ? raw : { ...raw, at: now };
    } else {
      const child = childOf(raw.type);
      call = [...calls].reverse().find((c) => c.childId === child && c.status === 'open');
      call ??= [...calls]
        .reverse()
        .find((c) => c.childId === child && c.status === 'abandoned' && c.replies === 0);
      if (call === undefined) throw new Error(`step ${index}: no call of ${child} to reply to`);
      lateReply = call.status === 'abandoned';
      call.replies += 1;
    }
    const [next, actions] = transition(machine, snapshot, event) as [AnyMachineSnapshot, Action[]];
    const accepted = next !== snapshot;
    if (accepted) rev += 1;
    if (accepted && call?.status === 'open') call.status = 'answered';
    const fx = accepted ? effects(next, actions, index) : { started: [], emitted: [] };
    snapshot = next;
    steps.push({ index, kind, event, accepted, call, lateReply, ...fx, ...view(next) });
  });
  return { initial, steps, calls };
}
