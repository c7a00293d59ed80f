import { Dec, fmt } from '../domain/decimal.js';
import type { OrderContext, OrderEvent, VenueOrderView } from './order.types.js';

/**
 * Pure helpers of the order machine: reading facts out of events and applying fills exactly. No I/O and
 * no clock: every time comes from the event.
 */

/** The instant an event happened (our clock), whatever its shape. */
export function eventTime(event: OrderEvent | { type: string; at?: number }): number | null {
  const e = event as { at?: unknown; output?: { at?: unknown }; error?: { at?: unknown } };
  if (typeof e.at === 'number') return e.at;
  if (typeof e.output?.at === 'number') return e.output.at;
  if (typeof e.error?.at === 'number') return e.error.at;
  return null;
}

/** The venue's view of the order carried by a done event or a found lookup, if any. */
export function viewOf(event: OrderEvent): VenueOrderView | null {
  switch (event.type) {
    case 'xstate.done.actor.placeOrder':
    case 'xstate.done.actor.cancelOrder':
      return event.output;
    case 'xstate.done.actor.lookupOrder':
      return event.output.order;
    default:
      return null;
  }
}

/** The fill carried by an ORDER_FILLED event, if any. */
function fillOf(event: OrderEvent) {
  return event.type === 'ORDER_FILLED' ? event : null;
}

/** True for a fill whose trade id this order has not applied yet. */
export function isNewTrade(context: OrderContext, event: OrderEvent): boolean {
  const fill = fillOf(event);
  return (
    fill !== null &&
    !context.tradeIds.includes(fill.tradeId) &&
    !context.quarantinedTradeIds.includes(fill.tradeId)
  );
}

/** True for a new fill that would take the filled quantity above the order quantity. */
export function wouldOverfill(context: OrderContext, event: OrderEvent): boolean {
  const fill = fillOf(event);
  if (fill === null || !isNewTrade(context, event)) return false;
  return new Dec(context.filledQuantity).plus(fill.quantity).gt(context.quantity);
}

/** True for a new, valid fill that fills the order completely. */
export function completesOrder(context: OrderContext, event: OrderEvent): boolean {
  const fill = fillOf(event);
  if (fill === null || !isNewTrade(context, event) || wouldOverfill(context, event)) return false;
  return new Dec(context.filledQuantity).plus(fill.quantity).eq(context.quantity);
}

/** True for a new, valid fill that leaves part of the order open. */
export function isPartialFill(context: OrderContext, event: OrderEvent): boolean {
  return isNewTrade(context, event) && !wouldOverfill(context, event) && !completesOrder(context, event);
}

/** The context after applying a (validated, new) fill. */
export function withFill(context: OrderContext, event: OrderEvent): Partial<OrderContext> {
  const fill = fillOf(event);
  if (fill === null) return {};
  const fees = { ...context.fees };
  fees[fill.feeCurrency] = fmt(new Dec(fees[fill.feeCurrency] ?? '0').plus(fill.fee));
  const filled = new Dec(context.filledQuantity).plus(fill.quantity);
  return {
    filledQuantity: fmt(filled),
    filledNotional: fmt(new Dec(context.filledNotional).plus(new Dec(fill.price).times(fill.quantity))),
    fees,
    tradeIds: [...context.tradeIds, fill.tradeId],
    venueOrderId: context.venueOrderId ?? fill.venueOrderId ?? null,
    venueFilledQuantity: maxDec(context.venueFilledQuantity, fmt(filled)),
    updatedAt: fill.at,
  };
}

/** The larger of two decimal strings. */
export function maxDec(a: string, b: string): string {
  return new Dec(a).gte(b) ? a : b;
}

/** True when the order has applied fills. */
export function hasFills(context: OrderContext): boolean {
  return new Dec(context.filledQuantity).gt('0');
}
