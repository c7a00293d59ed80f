import type { Logger } from '../domain/logger.js';
import { ALERT_KINDS, anomalyNotice } from '../domain/notices.js';
import type { Market } from '../domain/types.js';
import { BalanceCheck } from './balance-check.js';
import { FailureStreak, FailureStreaks } from './failure-streak.js';
import type { OperatorNotices } from './operator-notices.js';
import { gapFill } from './reconcile.js';
import type { ReconcileDeps } from './reconcile.js';
import { FillSettler } from './settle-fills.js';

/** What the periodic checks work with. */
export interface VenueChecksDeps {
  reconcile: ReconcileDeps;
  logger: Logger;
  notices: OperatorNotices;
  /** The markets of the symbols the engine looks after. */
  markets: () => Market[];
  /** Least time between two balance checks; 0: never. */
  balanceCheckIntervalMs: number;
  /** Least time between two reminders of the alerts no operator has acknowledged. */
  alertRepeatMs?: number;
}

/**
 * What the engine checks with the venue while it runs, besides the pushed updates: fills since the trade
 * cursor (gap-fill), fills of orders whose venue-reported filled quantity runs ahead of the ledger and
 * contested trade ids (FillSettler), balances against positions (BalanceCheck), unconfirmed cancels, and
 * reminders of unacknowledged alerts. A failing check is logged once per streak and tried again. The
 * engine runs the gap-fill (the only one: at start, after every (re)subscription of the venue's stream and
 * periodically) and the other checks through `serially`, so no two of them overlap.
 */
export class VenueChecks {
  readonly #gapFills: FailureStreaks;
  readonly #settleStreak: FailureStreak;
  readonly #balanceStreak: FailureStreak;
  readonly #settler: FillSettler;
  readonly #balances: BalanceCheck;
  #balanceAt = Number.NEGATIVE_INFINITY;
  #remindedAt = Number.NEGATIVE_INFINITY;
  /** The last task queued by `serially` (settled: never rejects). */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: VenueChecksDeps) {
    const { logger, reconcile } = deps;
    const { clock, venue, runtime, store } = reconcile;
    this.#gapFills = new FailureStreaks(logger, clock, 'engine gap-fill');
    this.#settleStreak = new FailureStreak(logger, clock, 'settling fills with the venue');
    this.#balanceStreak = new FailureStreak(logger, clock, 'balance check');
    this.#settler = new FillSettler({ venue, runtime, store, clock, logger });
    this.#balances = new BalanceCheck({ venue, runtime, store, clock, logger, markets: deps.markets });
  }

  /** Runs `task` once every task queued before it has settled; resolves or rejects as `task` does. */
  serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Fills the gap-fills found that the stream had not delivered, since this was made. */
  missedFills = 0;

  /** Resolves once every task queued so far has settled. */
  async idle(): Promise<void> {
    await this.#queue;
  }

  /**
   * Gap-fills every symbol (one failure streak per symbol). Resolves with how many fills were new to the
   * ledger: fills the stream had not delivered.
   */
  async gapFillAll(symbols: readonly string[]): Promise<number> {
    let missed = 0;
    for (const symbol of symbols) {
      try {
        const n = await gapFill(this.deps.reconcile, symbol);
        this.#gapFills.of(symbol).succeeded({ symbol });
        missed += n;
        this.missedFills += n;
        if (n > 0)
          this.deps.logger.info({ symbol, fills: n }, 'gap-fill found fills the stream had not delivered');
      } catch (err) {
        this.#gapFills.of(symbol).failed({ code: 'GAP_FILL_FAILING', symbol }, err);
      }
    }
    return missed;
  }

  /** Everything after a gap-fill: settling fills, the balance check when due, notices, alert reminders. */
  async afterGapFill(): Promise<void> {
    try {
      await this.#settler.pass();
      this.#settleStreak.succeeded({});
    } catch (err) {
      this.#settleStreak.failed({ code: 'VENUE_CHECK_FAILING', check: 'settle fills' }, err);
    }
    const now = this.deps.reconcile.clock.now();
    if (this.deps.balanceCheckIntervalMs > 0 && now - this.#balanceAt >= this.deps.balanceCheckIntervalMs) {
      this.#balanceAt = now;
      try {
        await this.#balances.run();
        this.#balanceStreak.succeeded({});
      } catch (err) {
        this.#balanceStreak.failed({ code: 'VENUE_CHECK_FAILING', check: 'balances' }, err);
      }
    }
    this.deps.notices.sweep();
    if (now - this.#remindedAt >= (this.deps.alertRepeatMs ?? 60_000)) {
      this.#remindedAt = now;
      await this.remindAlerts();
    }
  }

  /** Warns again about every alert no operator has acknowledged (`npm run cli -- ack`). */
  private async remindAlerts(): Promise<void> {
    const open = await this.deps.reconcile.store.ledger.openAlerts(ALERT_KINDS);
    for (const a of open) {
      this.deps.logger.warn(
        {
          code: anomalyNotice(a.kind).code,
          alert: a.id,
          count: a.count,
          since: new Date(a.firstAt).toISOString(),
          acknowledge: `npm run cli -- ack ${a.id} --db <path>`,
        },
        `unacknowledged alert: ${anomalyNotice(a.kind).message}`,
      );
    }
  }
}
