import { riskRuleOf } from '../domain/risk.js';
import type { Clock } from '../domain/clock.js';
import { extend } from '../domain/extend.js';
import type { Logger } from '../domain/logger.js';
import { anomalyNotice } from '../domain/notices.js';
import type { NoticeCode } from '../domain/notices.js';
import type { OrderContext } from '../machines/order.machine.js';
import type { AnomalyWrite } from '../persistence/commit-set.js';
import type { CommittedTransition } from '../runtime/types.js';
import { topState } from './projections.js';
import { WatchedConditions } from './watched-conditions.js';

/** Settings of the operator notices. */
export interface NoticeOptions {
  /** Least time between two warnings about the same thing while it lasts (default 60 s). */
  repeatMs?: number;
  /** A cancel whose outcome is still unconfirmed this long after it went unconfirmed is warned about. */
  cancelUnconfirmedMs: number;
}

/** A cancel not confirmed yet: since when, and when it was last warned about. */
interface UnconfirmedCancel {
  since: number;
  warnedAt: number | null;
  symbol: string;
}

/**
 * Tells the operator, with a stable `code` on every line (docs/operator-warnings.md), what a committed
 * batch shows that needs a human: every anomaly it recorded, orders the venue refused, known orders its
 * views no longer list and those proven gone, lookups that keep failing, and (checked by `sweep`) cancels
 * whose outcome stays unconfirmed. Only committed facts are told: a crash before a commit tells nothing,
 * and the next start derives the same facts again. Repeats about one subject are spaced by `repeatMs`.
 */
export class OperatorNotices {
  readonly #repeatMs: number;
  /** When each subject (`code/subject`) was last warned about. */
  readonly #lastWarned = new Map<string, number>();
  /** Orders whose lookups are failing, by clientOrderId. */
  readonly #lookupFailures: WatchedConditions;
  readonly #cancels = new Map<string, UnconfirmedCancel>();
  /** Refusals per symbol and reason since the last line about them. */
  readonly #rejected = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly options: NoticeOptions,
  ) {
    this.#repeatMs = options.repeatMs ?? 60_000;
    this.#lookupFailures = new WatchedConditions(clock, { confirmAfter: 1, repeatMs: this.#repeatMs });
  }

  /** A runtime commit listener (DurableRuntime.onCommitted). */
  readonly committed = (
    transitions: readonly CommittedTransition[],
    anomalies: readonly AnomalyWrite[],
  ): void => {
    for (const a of anomalies) this.anomaly(a);
    for (const t of transitions) if (t.machine === 'order') this.order(t);
  };

  /** Warns about cancels unconfirmed for longer than `cancelUnconfirmedMs` (call it periodically). */
  sweep(): void {
    const now = this.clock.now();
    for (const [clientOrderId, c] of this.#cancels) {
      if (now - c.since < this.options.cancelUnconfirmedMs) continue;
      if (c.warnedAt !== null && now - c.warnedAt < this.#repeatMs) continue;
      c.warnedAt = now;
      this.logger.warn(
        { code: 'CANCEL_UNCONFIRMED', clientOrderId, symbol: c.symbol, unconfirmedForMs: now - c.since },
        'a cancel has no confirmed outcome yet: the order counts as live and is still being looked up',
      );
    }
  }

  /** Tells one recorded anomaly (spaced per kind and subject). */
  private anomaly(a: AnomalyWrite): void {
    const notice = anomalyNotice(a.kind);
    if (!this.due(`${a.kind}/${a.subject}`)) return;
    this.logger.warn(
      { code: notice.code, kind: a.kind, subject: a.subject, detail: parse(a.detail) },
      notice.message,
    );
  }

  private order(t: CommittedTransition): void {
    const c = (t.snapshot as { context: OrderContext }).context;
    const state = topState(t.state);
    this.lookups(t, c);
    this.cancels(state, c);
    if (t.event.type === 'ORDER_FILLED') return; // fills: told through their anomalies, if any
    if (state === 'rejected' || state === 'denied') {
      // One line per symbol and reason and `repeatMs`: a venue refusing every order must not flood the log.
      // A placement the engine denied (state `denied`) never reached the venue: told apart, `RISK_DENIED`
      // with the rule (one line per rule) for the pre-trade risk checks, else `ORDER_DENIED`.
      const denied = state === 'denied';
      const rule = denied ? riskRuleOf(c.reason) : null;
      if (rule !== null) {
        const key = `RISK_DENIED/${c.symbol}/${rule}`;
        this.#rejected.set(key, (this.#rejected.get(key) ?? 0) + 1);
        if (this.due(key)) {
          const denials = this.#rejected.get(key);
          this.#rejected.delete(key);
          this.logger.warn(
            extend(orderFields(c), { code: 'RISK_DENIED' as const, rule, reason: c.reason, denials }),
            'a risk limit denied an order (not sent)',
          );
        }
        return;
      }
      const code: NoticeCode = denied ? 'ORDER_DENIED' : 'ORDER_REJECTED';
      const key = `${code}/${c.symbol}/${(c.reason ?? '').replaceAll(c.clientOrderId, '')}`;
      this.#rejected.set(key, (this.#rejected.get(key) ?? 0) + 1);
      if (this.due(key)) {
        const rejected = this.#rejected.get(key);
        this.#rejected.delete(key);
        this.logger.warn(
          extend(orderFields(c), { code, reason: c.reason, rejected }),
          denied ? 'the trading state denied an order (not sent)' : 'the venue refused an order',
        );
      }
    } else if (state === 'expired' && c.anomalies.some((x) => x.endsWith('vanished at the venue'))) {
      if (this.due(`ORDER_VANISHED/${c.clientOrderId}`))
        this.logger.warn(
          extend(orderFields(c), { code: 'ORDER_VANISHED' as const, reason: c.reason }),
          'a known order is proven gone at the venue',
        );
    } else if (
      t.state === 'unconfirmed.waiting' &&
      c.absentAnswers === 1 &&
      t.event.type === 'xstate.done.actor.lookupOrder'
    ) {
      this.logger.warn(
        extend(orderFields(c), { code: 'ORDER_NOT_LISTED' as const }),
        "the venue's views do not list an order it acknowledged: it stays live until its absence is proven",
      );
    }
  }

  /** Lookup failures: the first of a streak, then one warning per `repeatMs`; one line when it ends. */
  private lookups(t: CommittedTransition, c: OrderContext): void {
    const id = c.clientOrderId;
    if (t.event.type === 'xstate.error.actor.lookupOrder') {
      const due = this.#lookupFailures.holds(id);
      if (due === null) return;
      const err = (t.event as { error?: { message?: string } }).error?.message;
      this.logger.warn(
        extend(orderFields(c), {
          code: 'LOOKUP_FAILING' as const,
          failures: due.times,
          failingForMs: due.forMs,
          err,
        }),
        'looking an order up at the venue failed; retrying',
      );
      return;
    }
    if (t.event.type !== 'xstate.done.actor.lookupOrder' && t.state.startsWith('unconfirmed')) return;
    const failures = this.#lookupFailures.ended(id);
    if (failures !== null)
      this.logger.info(extend(orderFields(c), { failures }), 'looking the order up works again');
  }

  /** Tracks orders whose cancel is unconfirmed (warned about by `sweep`). */
  private cancels(state: string, c: OrderContext): void {
    const id = c.clientOrderId;
    if (state === 'unconfirmed' && c.cancelRequested) {
      if (!this.#cancels.has(id))
        this.#cancels.set(id, { since: this.clock.now(), warnedAt: null, symbol: c.symbol });
      return;
    }
    const tracked = this.#cancels.get(id);
    if (tracked === undefined) return;
    this.#cancels.delete(id);
    if (tracked.warnedAt !== null)
      this.logger.info(
        { clientOrderId: id, symbol: c.symbol, state },
        'the unconfirmed cancel has an outcome',
      );
  }

  /** True (and noted) when `key` was not warned about within `repeatMs`. */
  private due(key: string): boolean {
    const now = this.clock.now();
    const last = this.#lastWarned.get(key);
    if (last !== undefined && now - last < this.#repeatMs) return false;
    this.#lastWarned.set(key, now);
    if (this.#lastWarned.size > 10_000) this.#lastWarned.delete(this.#lastWarned.keys().next().value!);
    return true;
  }
}

/** How an order is named in a line (built only when a line is written: this runs for every event). */
function orderFields(c: OrderContext) {
  return { clientOrderId: c.clientOrderId, symbol: c.symbol, venueOrderId: c.venueOrderId };
}

function parse(detail: string): unknown {
  try {
    return JSON.parse(detail);
  } catch {
    return detail;
  }
}
