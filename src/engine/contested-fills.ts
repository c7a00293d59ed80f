import type { VenueFill } from '../domain/venue-port.js';
import { Dec } from '../domain/decimal.js';
import type { Side } from '../domain/types.js';
import type { OrderContext } from '../machines/order.machine.js';
import { orderActorId } from '../machines/messages.js';
import type { EngineStore } from '../persistence/engine-store.js';
import type { FillRecord } from '../persistence/commit-set.js';
import { workCommand } from '../runtime/types.js';
import type { TxApi, WorkCommand } from '../runtime/types.js';
import { applyToBook, orderFilled } from './on-order-update.js';

/**
 * Trade ids a venue reuses. A fill whose trade id the ledger already has, with other content (another
 * order, side, price or quantity), is not a duplicate: it is recorded under its version key, `contested`,
 * and applied to nothing, with a `trade-id-reused` anomaly naming both versions. The order's filled
 * quantity as the venue reports it then decides (`settleContested`, run by reconciliation once the order's
 * trades have been fetched): a version the order's gap needs is applied as a trade of its own; one the
 * order does not need once its quantity is final is dismissed. Until then both stay in the ledger.
 */

/** What `settleContested` decided for each contested version of one order. */
export interface ContestedDecision {
  tradeId: string;
  decision: 'applied' | 'dismissed' | 'held';
}

/**
 * Decides the contested fills of one order by the venue's filled quantity (see above): in recording order,
 * each version that fits in the gap between what the venue reports filled and the order's applied fills
 * is applied (to the order, the position and the ledger); once the order is terminal and the gap is
 * closed, the versions left are dismissed. Anything else waits for the next reconciliation.
 */
export function settleContested(venue: string, store: EngineStore, clientOrderId: string): WorkCommand {
  return workCommand<FillRecord[]>({
    kind: 'work',
    name: 'reconcile.settleContested',
    actorIds: [orderActorId(clientOrderId)],
    prepare: () => store.ledger.contestedFillsOf(venue, clientOrderId),
    run: (tx, rows) => decide(tx, venue, clientOrderId, rows),
  });
}

function decide(
  tx: TxApi,
  venue: string,
  clientOrderId: string,
  rows: readonly FillRecord[],
): ContestedDecision[] {
  const id = orderActorId(clientOrderId);
  const decisions: ContestedDecision[] = [];
  for (const row of rows) {
    const order = tx.actor(id);
    if (order === undefined) break;
    const c = order.snapshot.context as OrderContext;
    const gap = new Dec(c.venueFilledQuantity).minus(c.filledQuantity);
    const fill = fillOf(row, clientOrderId);
    let decision: ContestedDecision['decision'] = 'held';
    if (gap.gte(row.quantity)) {
      tx.send(id, orderFilled(fill, row.tradeId));
      applyToBook(tx, venue, fill, row.tradeId);
      decision = 'applied';
    } else if (gap.lte('0') && order.snapshot.hasTag('terminal')) {
      decision = 'dismissed';
    }
    decisions.push({ tradeId: row.tradeId, decision });
    if (decision === 'held') continue;
    tx.setFillStatus(venue, row.tradeId, decision);
    tx.recordAnomaly({
      kind: 'trade-id-reused',
      subject: `${venue}:${row.tradeId.slice(0, row.tradeId.lastIndexOf('~'))}`,
      detail: JSON.stringify({
        heldAs: row.tradeId,
        decision,
        venueFilledQuantity: c.venueFilledQuantity,
        filledQuantity: c.filledQuantity,
      }),
    });
  }
  return decisions;
}

/** A ledger row as the venue fill it records. */
function fillOf(row: FillRecord, clientOrderId: string): VenueFill {
  return {
    tradeId: row.tradeId,
    clientOrderId,
    venueOrderId: row.venueOrderId,
    symbol: row.symbol,
    side: row.side as Side,
    price: row.price,
    quantity: row.quantity,
    fee: row.fee,
    feeCurrency: row.feeCurrency,
    liquidity: row.liquidity as VenueFill['liquidity'],
    at: row.at,
  };
}
