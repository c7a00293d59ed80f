import type { Clock } from '../domain/clock.js';
import { SteadfastError, describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { VenuePort } from '../domain/venue-port.js';

/** What the cancels after a halt found and did. */
export interface HaltCancelReport {
  found: number;
  cancelled: number;
  failed: number;
}

/**
 * Failures after which the account may belong to another engine (a newer lease, a lease or file taken
 * over, another writer): its orders carry the same prefix, so nothing is cancelled.
 */
const NOT_OURS_ANYMORE = new Set(['LEASE_LOST', 'REVISION_CONFLICT', 'DATABASE_LOCKED']);

/** True when the engine halted on `failure` should take its quotes off the venue itself. */
export function cancelsAfterHalt(failure: unknown): boolean {
  return !(failure instanceof SteadfastError && NOT_OURS_ANYMORE.has(failure.code));
}

/**
 * After a failed commit the engine can record nothing more (the database is full, failing, locked or
 * gone), so it cannot cancel through its durable workflow, and its quotes would rest at the venue
 * untended. This cancels them straight through the venue port: every open order of `symbols` whose
 * clientOrderId starts with `ownPrefix` (this database's orders), each outcome counted and the whole logged
 * in one line (a failure in another). Nothing is recorded (nothing can be): the next start reconciles
 * these orders from the venue. No cancel is sent from `deadline` on (the lease may be another engine's by
 * then; null: no deadline).
 */
export async function cancelAfterHalt(options: {
  venue: VenuePort;
  symbols: readonly string[];
  ownPrefix: string;
  logger: Logger;
  clock: Clock;
  deadline: number | null;
}): Promise<HaltCancelReport> {
  const { venue, ownPrefix, logger, clock, deadline } = options;
  const report: HaltCancelReport = { found: 0, cancelled: 0, failed: 0 };
  const failures: string[] = [];
  for (const symbol of options.symbols) {
    let open;
    try {
      open = await venue.fetchOpenOrders(symbol);
    } catch (err) {
      failures.push(`${symbol}: open orders not read: ${describeError(err)}`);
      continue;
    }
    for (const order of open) {
      if (order.clientOrderId === null || !order.clientOrderId.startsWith(ownPrefix)) continue;
      report.found += 1;
      if (deadline !== null && clock.now() >= deadline) {
        report.failed += 1;
        failures.push(`${order.clientOrderId}: not sent, the lease may have passed to another engine`);
        continue;
      }
      try {
        await venue.cancelOrder({
          clientOrderId: order.clientOrderId,
          symbol,
          venueOrderId: order.venueOrderId,
        });
        report.cancelled += 1;
      } catch (err) {
        report.failed += 1;
        failures.push(`${order.clientOrderId}: ${describeError(err)}`);
      }
    }
  }
  logger.warn(
    { code: 'HALT_ORDERS_CANCELLED', ...report },
    `after the halt: cancelled ${report.cancelled} of this engine's ${report.found} open orders at the venue`,
  );
  if (failures.length > 0) {
    logger.error(
      {
        code: 'HALT_ORDERS_CANCEL_FAILED',
        failures: failures.slice(0, 20),
        more: Math.max(0, failures.length - 20),
      },
      'after the halt: some open orders could not be cancelled at the venue: they rest there until the next start',
    );
  }
  return report;
}
