import type { Selectable } from 'kysely';
import type { VenueFill } from '../domain/venue-port.js';
import { Dec } from '../domain/decimal.js';
import type { Side } from '../domain/types.js';
import type { OrderContext } from '../machines/order.machine.js';
import { orderActorId } from '../machines/messages.js';
import type { EngineStore } from '../persistence/engine-store.js';
import type { FillsTable } from '../persistence/schema.js';
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
  return workCommand<Selectable<FillsTable>[]>({
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
  rows: readonly Selectable<FillsTable>[],
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
      tx.send(id, orderFilled(fill, row.trade_id));
      applyToBook(tx, venue, fill, row.trade_id);
      decision = 'applied';
    } else if (gap.lte('0') && order.snapshot.hasTag('terminal')) {
      decision = 'dismissed';
    }
    decisions.push({ tradeId: row.trade_id, decision });
    if (decision === 'held') continue;
    tx.set.fillStatuses.push({ venue, tradeId: row.trade_id, status: decision });
    tx.set.anomalies.push({
      kind: 'trade-id-reused',
      subject: `${venue}:${row.trade_id.slice(0, row.trade_id.lastIndexOf('~'))}`,
      detail: JSON.stringify({
        heldAs: row.trade_id,
        decision,
        venueFilledQuantity: c.venueFilledQuantity,
        filledQuantity: c.filledQuantity,
      }),
      at: tx.now,
    });
  }
  return decisions;
}

/** A ledger row as the venue fill it records. */
function fillOf(row: Selectable<FillsTable>, clientOrderId: string): VenueFill {
  return {
    tradeId: row.trade_id,
    clientOrderId,
    venueOrderId: row.venue_order_id,
    symbol: row.symbol,
    side: row.side as Side,
    price: row.price,
    quantity: row.quantity,
    fee: row.fee,
    feeCurrency: row.fee_currency,
    liquidity: row.liquidity as VenueFill['liquidity'],
    at: row.at,
  };
}
