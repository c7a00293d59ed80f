import type { AnyEventObject, AnyMachineSnapshot } from 'xstate';
import { SteadfastError } from '../domain/errors.js';
import { jsonColumn } from '../persistence/json-column.js';
import { BatchOverlay } from './batch-overlay.js';
import { HostedActor } from './hosted-actor.js';
import { initialSnapshot, nextSnapshot, transitionActions } from './pure-transition.js';
import type { CommittedTransition, OutboxRow, TxApi } from './types.js';
import { timerKey } from './batch-host.js';
import type { TimerEntry } from './batch-host.js';
import { extend } from '../domain/extend.js';

type Delivery = { id: string; event: AnyEventObject };

/** The parameters of an action that has none. */
const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * One group-commit batch: an overlay over the committed state. Commands apply to it synchronously with
 * xstate's pure `transition()`; it collects every row of the transaction in `set`. Nothing here touches
 * the database or the venue; if the commit fails, the overlay is simply dropped.
 */
export class Batch extends BatchOverlay implements TxApi {
  readonly transitions: CommittedTransition[] = [];
  /** Messages caused by the command being applied and not yet delivered, oldest first. */
  readonly #deliveries: Delivery[] = [];

  /** Delivers `event` and every message it causes. True if the target actor changed. */
  send(id: string, event: AnyEventObject): boolean {
    try {
      const changed = this.step(id, event);
      if (!changed) this.ignored(id, event);
      this.deliver();
      return changed;
    } finally {
      this.#deliveries.length = 0; // what a throwing step left undelivered dies with it
    }
  }

  /** Creates an actor and applies everything its initial state causes. */
  spawn(id: string, machine: string, input: unknown): HostedActor {
    try {
      const actor = this.create(id, machine, input);
      this.deliver();
      return this.actor(actor.id) ?? actor;
    } finally {
      this.#deliveries.length = 0;
    }
  }

  /** Delivers the queued messages and every message they cause. */
  private deliver(): void {
    const queue = this.#deliveries;
    for (let d = queue.shift(); d !== undefined; d = queue.shift()) this.step(d.id, d.event);
  }

  /** Applies a call's result: closes its outbox row, then delivers it (late results are only recorded). */
  applyResult(key: string, event: AnyEventObject): boolean {
    const row = this.openOutbox(key);
    const result = JSON.stringify(event);
    if (row === undefined) {
      this.set.outboxClosed.push({ key, status: 'abandoned', result, closedAt: this.now });
      return false;
    }
    this.closeOutbox(key, 'done', result);
    return this.send(row.actorId, event);
  }

  /**
   * Fires a durable timer if it is still set. A timer whose actor no longer exists is only deleted (a
   * terminal actor, loaded for the firing, ignores it: its row goes too).
   */
  fireTimer(actorId: string, timerId: string): boolean {
    const key = timerKey(actorId, timerId);
    const timer = this.timer(key);
    if (timer === undefined) return false;
    this.deleteTimer(key);
    if (this.actor(actorId) === undefined) return false;
    return this.send(actorId, extend(timer.event, { at: this.now }));
  }

  private create(id: string, machine: string, input: unknown): HostedActor {
    if (this.actor(id) !== undefined) throw new SteadfastError('INVALID_INPUT', `actor ${id} already exists`);
    const entry = this.host.registry[machine];
    if (entry === undefined) throw new SteadfastError('INVALID_INPUT', `unknown machine '${machine}'`);
    const snapshot = initialSnapshot(entry.machine, input);
    const actions = transitionActions();
    const actor = HostedActor.created(id, machine, entry, snapshot as AnyMachineSnapshot, this.now);
    this.record(actor, { type: 'xstate.init', input }, actions);
    return actor;
  }

  private step(id: string, event: AnyEventObject): boolean {
    const actor = this.actor(id);
    if (actor === undefined)
      throw new SteadfastError('INVALID_INPUT', `no actor ${id} (event ${event.type})`);
    const next = nextSnapshot(actor.entry.machine, actor.snapshot, event);
    if (next === actor.snapshot) return false;
    const actions = transitionActions();
    this.record(actor.next(next as AnyMachineSnapshot), event, actions);
    return true;
  }

  /**
   * Records a venue fact the actor did not take (its snapshot unchanged): the fact, the revision and state
   * it met, and why. Other events that change nothing (a timer or a command the state does not handle)
   * are not facts and leave no row.
   */
  private ignored(id: string, event: AnyEventObject): void {
    const actor = this.actor(id)!;
    const answer =
      event.type.startsWith('xstate.done.actor.') || event.type.startsWith('xstate.error.actor.');
    if (!answer && !actor.entry.facts.includes(event.type)) return;
    const state = actor.state;
    this.set.ignored.push({
      batch: this.set.batch,
      actorId: id,
      rev: actor.rev,
      eventType: event.type,
      event: jsonColumn(event),
      state,
      reason: answer
        ? `a call's answer that '${state}' no longer awaits`
        : `'${state}' does not take ${event.type} (no transition, or its guards refused it)`,
      at: typeof event.at === 'number' ? event.at : this.now,
    });
  }

  private record(
    actor: HostedActor,
    event: AnyEventObject,
    actions: readonly { type: string; params?: unknown }[],
  ): void {
    this.change(actor);
    const state = actor.state;
    this.set.journal.push({
      batch: this.set.batch,
      actorId: actor.id,
      rev: actor.rev,
      eventType: event.type,
      event: jsonColumn(event),
      state,
      at: typeof event.at === 'number' ? event.at : this.now,
    });
    this.transitions.push({
      actorId: actor.id,
      machine: actor.machineId,
      rev: actor.rev,
      event,
      state,
      snapshot: actor.snapshot,
    });
    for (let i = 0; i < actions.length; i += 1) {
      const action = actions[i]!;
      this.effect(actor, action.type, (action.params ?? NO_PARAMS) as Record<string, unknown>);
    }
    this.abandonStoppedCalls(actor);
  }

  private effect(actor: HostedActor, type: string, p: Record<string, unknown>): void {
    if (type === 'xstate.spawnChild') {
      const row: OutboxRow = {
        key: `${actor.id}/${String(p.id)}/${actor.rev}`,
        actorId: actor.id,
        childId: String(p.id),
        src: String(p.src),
        input: p.input ?? null,
        createdAt: this.now,
      };
      const gate = this.host.gate;
      const guarded = gate !== null && gate.guards(row.src);
      if (guarded) {
        const reason = gate.check(row, this);
        if (reason !== null) {
          // Denied: never written; the actor gets the gate's denial instead of the call's result, journaled.
          this.#deliveries.push({ id: actor.id, event: gate.denial(row, reason, this.now) });
          return;
        }
      }
      this.openCall(row);
      this.set.outbox.push(
        extend(row, { input: JSON.stringify(row.input), gateVersion: guarded ? gate.version() : null }),
      );
    } else if (type === 'xstate.raise' && typeof p.delay === 'number') {
      const timer: TimerEntry = {
        actorId: actor.id,
        timerId: String(p.id),
        event: p.event as AnyEventObject,
        dueAt: this.now + p.delay,
      };
      this.setTimer(timerKey(actor.id, timer.timerId), timer);
    } else if (type === 'xstate.cancel') {
      const key = timerKey(actor.id, String(p.sendId));
      if (this.timer(key) !== undefined) this.deleteTimer(key);
    } else if (type === 'xstate.emit') {
      const message = p.event as AnyEventObject & { to?: unknown };
      if (message.type === 'engine.spawn') {
        const spawn = message as unknown as { id: string; machine: string; input: unknown };
        this.create(spawn.id, spawn.machine, spawn.input);
      } else if (typeof message.to === 'string') {
        const { to, ...event } = message;
        this.#deliveries.push({
          id: to,
          event: extend(event, { at: typeof event.at === 'number' ? event.at : this.now }),
        });
      }
    }
  }
}
