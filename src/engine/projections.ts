import { signStr, subStr } from '../domain/decimal.js';
import type { OrderContext } from '../machines/order.machine.js';
import type { PositionBookContext } from '../machines/position-book.machine.js';
import type { Projector } from '../runtime/types.js';

/** Top-level state of a dotted state path (`unconfirmed` for `unconfirmed.waiting`). */
export function topState(path: string): string {
  const dot = path.indexOf('.');
  return dot === -1 ? path : path.slice(0, dot);
}

/** How much more the venue reports filled than the order's applied fills, or null when nothing. */
export function fillGapOf(c: Pick<OrderContext, 'venueFilledQuantity' | 'filledQuantity'>): string | null {
  if (c.venueFilledQuantity === c.filledQuantity) return null; // the usual case, without arithmetic
  const gap = subStr(c.venueFilledQuantity, c.filledQuantity);
  return signStr(gap) > 0 ? gap : null;
}

/**
 * True when the order fields the `orders` table holds are the same in both: its lifecycle and its fill gap
 * (rare: the venue reported fills whose trades have not arrived), not its fill progress.
 */
function sameLifecycle(a: OrderContext, aState: string, b: OrderContext, bState: string): boolean {
  return (
    aState === bState &&
    (a.venueOrderId ?? '') === (b.venueOrderId ?? '') &&
    (a.reason ?? '') === (b.reason ?? '') &&
    a.anomalies.length === b.anomalies.length &&
    fillGapOf(a) === fillGapOf(b)
  );
}

const projectOrder: Projector = (actor, set, before) => {
  const c = actor.snapshot.context as OrderContext;
  const state = topState(actor.state);
  if (
    before !== undefined &&
    sameLifecycle(before.context as unknown as OrderContext, topState(before.state), c, state)
  ) {
    return;
  }
  set.orders.push({
    clientOrderId: c.clientOrderId,
    venue: c.venue,
    symbol: c.symbol,
    side: c.side,
    type: c.type,
    price: c.price,
    quantity: c.quantity,
    state,
    venueOrderId: c.venueOrderId,
    level: c.level,
    owner: c.owner,
    reason: c.reason,
    anomalies: c.anomalies.length,
    fillGap: fillGapOf(c),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  });
};

const projectPosition: Projector = (actor, set) => {
  const c = actor.snapshot.context as PositionBookContext;
  set.positions.push({
    venue: c.venue,
    symbol: c.symbol,
    quantity: c.quantity,
    averagePrice: c.averagePrice,
    realizedPnl: c.realizedPnl,
    fees: JSON.stringify(c.fees),
    fillCount: c.fillCount,
    updatedAt: c.updatedAt,
  });
};

/** Domain projections, by machine id: the orders and positions tables, kept in each batch's transaction. */
export const projectors: Record<string, Projector> = {
  order: projectOrder,
  positionBook: projectPosition,
};
