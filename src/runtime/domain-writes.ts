import type { AnomalyWrite, CommitSet, FillRecord } from '../persistence/commit-set.js';

/**
 * The domain half of a batch's transaction API (TxApi): what workflows record besides actor transitions
 * (ledger trades, anomalies, cursors and small facts), added to the batch's commit set. No table or column
 * appears here: the store maps each record to its statement.
 */
export abstract class DomainWrites {
  constructor(
    readonly set: CommitSet,
    readonly now: number,
  ) {}

  /** Adds a trade to the fill ledger. */
  recordFill(fill: FillRecord): void {
    this.set.fills.push(fill);
  }

  /** Changes the status of a ledger trade (a contested version decided). */
  setFillStatus(venue: string, tradeId: string, status: string): void {
    this.set.fillStatuses.push({ venue, tradeId, status });
  }

  /** Records an occurrence of an anomaly (upserted by kind and subject), at this batch's time. */
  recordAnomaly(anomaly: Omit<AnomalyWrite, 'at'>): void {
    this.set.anomalies.push({
      kind: anomaly.kind,
      subject: anomaly.subject,
      detail: anomaly.detail,
      at: this.now,
    });
  }

  /** Moves a cursor (e.g. a symbol's trade cursor) to `at`. */
  setCursor(key: string, at: number): void {
    this.setMeta(key, String(at));
  }

  /** Sets a small engine fact (e.g. a balance baseline). */
  setMeta(key: string, value: string): void {
    this.set.meta.push({ key, value });
  }
}
