import { describeError } from '../domain/errors.js';
import { extend } from '../domain/extend.js';
import type { Logger } from '../domain/logger.js';
import type { ReadRetry } from '../domain/retry.js';
import { reconcileOpenOrders } from './reconcile.js';
import type { ReconcileDeps } from './reconcile.js';
import type { VenueChecks } from './venue-checks.js';

/** What the engine's reconciliation works with. */
export interface EngineReconcileDeps {
  reconcile: ReconcileDeps;
  checks: VenueChecks;
  logger: Logger;
  /** Every symbol the engine looks after (configured, then retired). */
  symbols: () => readonly string[];
}

/**
 * The engine's reconciliation with the venue, run through `VenueChecks.serially` so that no two checks
 * overlap: gap-fill (fills since the trade cursor) and open-order reconciliation (reconcile.ts) for every
 * symbol, at start, on demand and after every (re)subscription of the venue's stream. Counts the
 * corrections open-order reconciliation made (gap-fills count theirs in VenueChecks).
 */
export class EngineReconciliation {
  /** Open-order reconciliation's corrections since start. */
  private readonly reconciled = { lookedUp: 0, adopted: 0, reported: 0 };
  /** A resync after an unreadable update is queued and has not started yet. */
  private resyncWaiting = false;

  constructor(private readonly deps: EngineReconcileDeps) {}

  /** Gap-fill and open-order reconciliation for every symbol; `retry` governs the open-orders read. */
  all(retry?: ReadRetry): Promise<void> {
    const { checks, symbols } = this.deps;
    return checks.serially(async () => {
      await checks.gapFillAll(symbols());
      await this.openOrders(retry);
      await checks.afterGapFill();
    });
  }

  /**
   * The venue's stream is live (again): what happened before, since it was last live or since it was
   * asked for, was pushed to nobody. Gap-fills every symbol (fills since the trade cursor), then
   * reconciles the open orders as at start (our open orders the venue no longer lists are looked up, which
   * tells their fate; the ones it lists with fills are applied as status reports).
   */
  afterSubscription(reconnect: boolean): void {
    this.resync({ reconnect }, 'gap-fill after subscription');
  }

  /**
   * A pushed update that named no order could not be read (a truncated frame, a fill without its order):
   * whatever it carried is fetched instead, by the same gap-fill and open-order reconciliation. One such
   * check waiting to start covers every refusal that arrives meanwhile.
   */
  afterUnreadableUpdate(): void {
    if (this.resyncWaiting) return;
    this.resyncWaiting = true;
    this.resync({ after: 'unreadable update' }, 'gap-fill after an unreadable venue update', () => {
      this.resyncWaiting = false;
    });
  }

  private resync(fields: object, what: string, onStart: () => void = () => {}): void {
    const { checks, symbols, logger } = this.deps;
    const { venue } = this.deps.reconcile;
    void checks
      .serially(async () => {
        onStart();
        const missedFills = await checks.gapFillAll(symbols());
        await this.openOrders();
        logger.info(extend({ venue: venue.id, missedFills }, fields), `${what} done`);
      })
      .catch((err) => {
        onStart();
        logger.warn({ code: 'STREAM_RESYNC_FAILED', err: describeError(err) }, `${what} failed`);
      });
  }

  /** Corrections reconciliation made since start, by kind (see docs/metrics.md). */
  corrections(): Record<'missedFill' | 'lookedUp' | 'adopted' | 'reported', number> {
    return extend(this.reconciled, { missedFill: this.deps.checks.missedFills });
  }

  private async openOrders(retry?: ReadRetry): Promise<void> {
    for (const symbol of this.deps.symbols()) {
      const report = await reconcileOpenOrders(this.deps.reconcile, symbol, retry);
      this.reconciled.lookedUp += report.lookedUp.length;
      this.reconciled.adopted += report.adopted.length;
      this.reconciled.reported += report.reported.length;
      if (report.lookedUp.length + report.adopted.length + report.reported.length > 0) {
        this.deps.logger.warn(
          { code: 'RECONCILE_MISMATCH', symbol, ...report },
          'reconciled open orders with the venue',
        );
      }
    }
  }
}
