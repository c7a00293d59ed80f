import type { VenueEvent, VenueFill, VenueOrder } from '../adapters/venue.js';
import type { OrderContext, OrderEvent } from '../machines/order.machine.js';
import { bookActorId, orderActorId } from '../machines/messages.js';
import type { PositionBookInput } from '../machines/position-book.machine.js';
import type { EngineStore } from '../persistence/engine-store.js';
import { workCommand } from '../runtime/types.js';
import type { TxApi, WorkCommand } from '../runtime/types.js';

/** What OnOrderUpdate did with a venue fact. */
export type UpdateOutcome = 'applied' | 'duplicate' | 'ignored' | 'orphan' | 'quarantined';

/**
 * OnOrderUpdate: applies one venue fact to its order actor and, for a fill, to the position book and the
 * fill ledger, all in the transaction of the batch it runs in. Idempotent: a fill is keyed by venue +
 * tradeId, so duplicates change nothing; status facts that arrive late or out of order are ignored by the
 * order machine when they no longer apply. A fact about an order nobody knows is recorded as an anomaly
 * (and a fill of it still moves the position: the venue traded).
 */
export function onOrderUpdate(venue: string, store: EngineStore, event: VenueEvent): WorkCommand {
  return event.kind === 'fill' ? fillCommand(venue, store, event.fill) : orderCommand(venue, event.order);
}

type FillPrep = { known: boolean; clientOrderId: string | null };

function fillCommand(venue: string, store: EngineStore, fill: VenueFill): WorkCommand {
  return workCommand<FillPrep>({
    kind: 'work',
    name: 'OnOrderUpdate.fill',
    actorIds: (prep) => (prep.clientOrderId === null ? [] : [orderActorId(prep.clientOrderId)]),
    prepare: async () => ({
      known: await store.isTradeKnown(venue, fill.tradeId),
      clientOrderId: fill.clientOrderId ?? (await store.clientOrderIdOf(venue, fill.venueOrderId)) ?? null,
    }),
    run: (tx, prep) => applyFill(tx, venue, fill, prep),
  });
}

function applyFill(tx: TxApi, venue: string, fill: VenueFill, prep: FillPrep): UpdateOutcome {
  const tradeKey = `trade:${venue}:${fill.tradeId}`;
  if (prep.known || tx.seen(tradeKey)) return 'duplicate';
  const orderId = prep.clientOrderId === null ? null : orderActorId(prep.clientOrderId);
  let outcome: UpdateOutcome = 'orphan';
  if (orderId !== null && tx.actor(orderId) !== undefined) {
    const event: OrderEvent = {
      type: 'ORDER_FILLED',
      tradeId: fill.tradeId,
      venueOrderId: fill.venueOrderId,
      price: fill.price,
      quantity: fill.quantity,
      fee: fill.fee,
      feeCurrency: fill.feeCurrency,
      at: fill.at,
    };
    tx.send(orderId, event);
    const context = tx.actor(orderId)?.snapshot.context as OrderContext;
    outcome = context.tradeIds.includes(fill.tradeId) ? 'applied' : 'quarantined';
    if (outcome === 'quarantined') {
      tx.set.anomalies.push({
        kind: 'fill-quarantined',
        subject: `${venue}:${fill.tradeId}`,
        detail: JSON.stringify({ fill, reason: context.anomalies.at(-1) ?? 'rejected by order' }),
        at: tx.now,
      });
    }
  } else {
    tx.set.anomalies.push({
      kind: 'unknown-order-fill',
      subject: `${venue}:${fill.tradeId}`,
      detail: JSON.stringify(fill),
      at: tx.now,
    });
  }
  tx.remember(tradeKey);
  tx.set.fills.push({
    venue,
    trade_id: fill.tradeId,
    client_order_id: prep.clientOrderId,
    venue_order_id: fill.venueOrderId,
    symbol: fill.symbol,
    side: fill.side,
    price: fill.price,
    quantity: fill.quantity,
    fee: fill.fee,
    fee_currency: fill.feeCurrency,
    liquidity: fill.liquidity,
    at: fill.at,
    status: outcome,
    recorded_at: tx.now,
  });
  if (outcome !== 'quarantined') {
    const bookId = bookActorId(venue, fill.symbol);
    if (tx.actor(bookId) === undefined) {
      const input: PositionBookInput = { venue, symbol: fill.symbol, at: tx.now };
      tx.spawn(bookId, 'positionBook', input);
    }
    tx.send(bookId, {
      type: 'APPLY_FILL',
      tradeId: fill.tradeId,
      side: fill.side,
      price: fill.price,
      quantity: fill.quantity,
      fee: fill.fee,
      feeCurrency: fill.feeCurrency,
      at: fill.at,
    });
  }
  return outcome;
}

function orderCommand(venue: string, order: VenueOrder): WorkCommand {
  return workCommand<undefined>({
    kind: 'work',
    name: 'OnOrderUpdate.order',
    actorIds: [orderActorId(order.clientOrderId)],
    run: (tx) => applyOrderReport(tx, venue, order),
  });
}

function applyOrderReport(tx: TxApi, venue: string, order: VenueOrder): UpdateOutcome {
  const id = orderActorId(order.clientOrderId);
  if (tx.actor(id) === undefined) {
    tx.set.anomalies.push({
      kind: 'unknown-order',
      subject: `${venue}:${order.venueOrderId}`,
      detail: JSON.stringify(order),
      at: tx.now,
    });
    return 'orphan';
  }
  return tx.send(id, orderEventOf(order, tx.now)) ? 'applied' : 'ignored';
}

/** The order machine event for a venue status report. */
export function orderEventOf(order: VenueOrder, at: number): OrderEvent {
  const fact = { venueOrderId: order.venueOrderId, filledQuantity: order.filledQuantity, at };
  switch (order.status) {
    case 'open':
    case 'partiallyFilled':
      return { type: 'ORDER_ACCEPTED', ...fact };
    case 'filled':
      return { type: 'ORDER_COMPLETED', ...fact };
    case 'cancelled':
      return { type: 'ORDER_CANCELLED', ...fact };
    case 'expired':
      return { type: 'ORDER_EXPIRED', ...fact };
    case 'rejected':
      return { type: 'ORDER_REJECTED', reason: 'rejected by the venue', at };
  }
}
