import { extend } from '../domain/extend.js';
import { eventTime, failureOf, maxDec, viewOf, withFill } from './order.logic.js';
import type { OrderArgs } from './order.logic.js';
import type { OrderContext } from './order.types.js';

/**
 * The pure bodies of the order machine's `assign` actions, one function per action, each named after the
 * action it implements (see the `actions` of `setup` in order.setup.ts). Each returns the context fields
 * to update; times come from the event, falling back to the last update.
 */

/** Counts one more place attempt. */
export function countAttempt({ context, event }: OrderArgs): Partial<OrderContext> {
  return {
    attempt: context.attempt + 1,
    updatedAt: eventTime(event) ?? context.updatedAt,
  };
}

/** Records that a cancel was asked for. */
export function requestCancel({ context, event }: OrderArgs): Partial<OrderContext> {
  return {
    cancelRequested: true,
    updatedAt: eventTime(event) ?? context.updatedAt,
  };
}

/** Records the venue's view of the order from a reply, or the facts of an ORDER_ACCEPTED. */
export function recordVenueView({ context, event }: OrderArgs): Partial<OrderContext> {
  const view = viewOf(event);
  const fact = event as { venueOrderId?: string; filledQuantity?: string };
  return {
    venueOrderId: view?.venueOrderId ?? fact.venueOrderId ?? context.venueOrderId,
    venueFilledQuantity: maxDec(
      context.venueFilledQuantity,
      view?.filledQuantity ?? fact.filledQuantity ?? '0',
    ),
    absentSince: null,
    absentAnswers: 0,
    updatedAt: eventTime(event) ?? context.updatedAt,
  };
}

/** Records a closing fact the venue pushed (completed, cancelled, rejected, expired). */
export function recordVenueFacts({ context, event }: OrderArgs): Partial<OrderContext> {
  const fact = event as { venueOrderId?: string; filledQuantity?: string; reason?: string };
  return {
    venueOrderId: fact.venueOrderId ?? context.venueOrderId,
    venueFilledQuantity: maxDec(context.venueFilledQuantity, fact.filledQuantity ?? '0'),
    reason: fact.reason ?? context.reason,
    updatedAt: eventTime(event) ?? context.updatedAt,
  };
}

/** Records a failed call; an uncertain place extends the landing deadline. */
export function recordFailure({ context, event }: OrderArgs): Partial<OrderContext> {
  const failure = failureOf(event);
  // A request that failed can land until its own deadline; without one, until a full window from now.
  const uncertainPlace = event.type === 'xstate.error.actor.placeOrder' && failure?.kind !== 'rejected';
  const deadline =
    failure === null || !uncertainPlace
      ? undefined
      : (failure.notAfter ?? failure.at + context.requestWindowMs);
  return {
    reason: failure ? `${failure.kind}: ${failure.message}` : context.reason,
    landingDeadline:
      deadline === undefined ? context.landingDeadline : Math.max(deadline, context.landingDeadline ?? 0),
    updatedAt: eventTime(event) ?? context.updatedAt,
  };
}

/** Records a call that got no reply in time; the request may land until a full window from now. */
export function recordTimeout({ context, event }: OrderArgs): Partial<OrderContext> {
  const at = eventTime(event) ?? context.updatedAt;
  return {
    reason: 'no reply before timeout',
    landingDeadline: Math.max(at + context.requestWindowMs, context.landingDeadline ?? 0),
    updatedAt: at,
  };
}

/** Records why the engine denied the place (it was never sent). */
export function recordDenial({ event }: OrderArgs): Partial<OrderContext> {
  if (event.type !== 'PLACE_DENIED') return {};
  return { reason: event.reason, updatedAt: event.at };
}

/** Records that the venue provably never received the order. */
export function recordNeverPlaced({ context, event }: OrderArgs): Partial<OrderContext> {
  return {
    reason: `venue never received the order (${context.attempt} attempt(s))`,
    updatedAt: eventTime(event) ?? context.updatedAt,
  };
}

/** Records one more lookup that found a known order nowhere (absence not proven yet). */
export function recordAbsence({ context, event }: OrderArgs): Partial<OrderContext> {
  const sentAt = event.type === 'xstate.done.actor.lookupOrder' ? event.output.sentAt : context.updatedAt;
  const absentSince = context.absentSince ?? sentAt;
  const absentAnswers = context.absentAnswers + 1;
  return {
    absentSince,
    absentAnswers,
    reason: `the venue's views do not list this order (${absentAnswers} lookup(s) since ${absentSince}); it stays live until its absence is proven`,
    updatedAt: eventTime(event) ?? context.updatedAt,
  };
}

/** Records that an order the venue knew is proven gone there. */
export function recordVanished({ context, event }: OrderArgs): Partial<OrderContext> {
  const at = eventTime(event) ?? context.updatedAt;
  const answers = context.absentAnswers + 1;
  return {
    reason: `the venue no longer knows this order: ${answers} lookups over ${at - (context.absentSince ?? at)} ms found it nowhere (order, open orders, order history)`,
    anomalies: [...context.anomalies, `order ${context.venueOrderId} vanished at the venue`],
    absentAnswers: answers,
    updatedAt: at,
  };
}

/** Applies a (validated, new) fill. */
export function applyFill({ context, event }: OrderArgs): Partial<OrderContext> {
  return withFill(context, event);
}

/** Applies a fill of an order that ended without trading (`state`: rejected, denied), recording the contradiction. */
export function applyFillAnomaly(
  { context, event }: OrderArgs,
  params: { state: 'rejected' | 'denied' },
): Partial<OrderContext> {
  return {
    anomalies: [
      ...context.anomalies,
      `fill ${(event as { tradeId?: string }).tradeId} on a ${params.state} order`,
    ],
    ...withFill(context, event),
  };
}

/**
 * Applies a fill that takes the order past its quantity: the venue traded it, so it counts like any fill
 * (the order's filled quantity then shows the excess), and the contradiction is recorded.
 */
export function applyOverfill({ context, event }: OrderArgs): Partial<OrderContext> {
  const fill = event as { tradeId?: string; quantity?: string };
  const applied = withFill(context, event);
  return extend(applied, {
    anomalies: [
      ...context.anomalies,
      `overfill: trade ${fill.tradeId} of ${fill.quantity} takes the order to ${applied.filledQuantity} of ${context.quantity}`,
    ],
  });
}
