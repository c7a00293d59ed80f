import { cmpStr } from '../domain/decimal.js';
import {
  ABSENCE_ANSWERS,
  completesOrder,
  failureOf,
  hasFills,
  isNewTrade,
  isPartialFill,
  viewOf,
  wouldOverfill,
} from './order.logic.js';
import type { OrderArgs } from './order.logic.js';

/**
 * The order machine's guards, one plain function per guard, each named after the guard it implements
 * (see the `guards` of `setup` in order.setup.ts). Pure: they read only the context and the event.
 */

/** A cancel was asked for before the order could be cancelled. */
export function cancelWasRequested({ context }: OrderArgs): boolean {
  return context.cancelRequested;
}

/** The order has applied fills. */
export function orderHasFills({ context }: OrderArgs): boolean {
  return hasFills(context);
}

/** The venue's id for the order is not known yet. */
export function venueOrderIdUnknown({ context }: OrderArgs): boolean {
  return context.venueOrderId === null;
}

/** The venue's view carried by the event says filled. */
export function viewFilled({ event }: OrderArgs): boolean {
  return viewOf(event)?.status === 'filled';
}

/** The venue's view carried by the event says cancelled. */
export function viewCancelled({ event }: OrderArgs): boolean {
  return viewOf(event)?.status === 'cancelled';
}

/** The venue's view carried by the event says rejected. */
export function viewRejected({ event }: OrderArgs): boolean {
  return viewOf(event)?.status === 'rejected';
}

/** The venue's view carried by the event says expired. */
export function viewExpired({ event }: OrderArgs): boolean {
  return viewOf(event)?.status === 'expired';
}

/** The event carries the venue's view of the order (a lookup found it). */
export function viewFound({ event }: OrderArgs): boolean {
  return viewOf(event) !== null;
}

/** A lookup found the order while a cancel is pending. */
export function foundWithCancelPending({ context, event }: OrderArgs): boolean {
  return viewOf(event) !== null && context.cancelRequested;
}

/** A lookup found the order, which already has applied fills. */
export function foundWithFills({ context, event }: OrderArgs): boolean {
  return viewOf(event) !== null && hasFills(context);
}

/** A new fill would take the order above its quantity. */
export function fillWouldOverfill({ context, event }: OrderArgs): boolean {
  return wouldOverfill(context, event);
}

/** A new, valid fill fills the order completely. */
export function fillCompletesOrder({ context, event }: OrderArgs): boolean {
  return completesOrder(context, event);
}

/** A new, valid fill leaves part of the order open. */
export function partialFill({ context, event }: OrderArgs): boolean {
  return isPartialFill(context, event);
}

/** A partial fill while a cancel is pending. */
export function partialFillWithCancelPending({ context, event }: OrderArgs): boolean {
  return context.cancelRequested && isPartialFill(context, event);
}

/** A fill not applied yet that does not overfill the order. */
export function newFill({ context, event }: OrderArgs): boolean {
  return isNewTrade(context, event) && !wouldOverfill(context, event);
}

/** The failed call was refused by the venue (it provably did not take effect). */
export function failureIsRejection({ event }: OrderArgs): boolean {
  return failureOf(event)?.kind === 'rejected';
}

/**
 * A lookup did not find an order we never had a venue id for, but that is no proof yet: a place request may
 * still land (the lookup was sent before the landing deadline, or there is none), or only the order itself
 * was asked for (a later lookup searches the open orders and the history too).
 */
export function absenceNotYetProven({ context, event }: OrderArgs): boolean {
  return (
    event.type === 'xstate.done.actor.lookupOrder' &&
    event.output.order === null &&
    context.venueOrderId === null &&
    (context.landingDeadline === null ||
      event.output.sentAt <= context.landingDeadline ||
      event.output.searched !== true)
  );
}

/**
 * The venue once knew the order (we have its id), and absence is now proven: this lookup searched the
 * order, the open orders and the order history and found it nowhere, like every lookup in a row before it
 * (at least ABSENCE_ANSWERS of them), over at least `absenceProofMs`. A venue's views lag behind its
 * matching engine: one "does not exist" answer proves nothing about an order it acknowledged.
 */
export function knownOrderAbsenceProven({ context, event }: OrderArgs): boolean {
  if (event.type !== 'xstate.done.actor.lookupOrder' || event.output.order !== null) return false;
  const { absentSince, absentAnswers, venueOrderId, timeouts } = context;
  return (
    venueOrderId !== null &&
    event.output.searched === true &&
    absentSince !== null &&
    absentAnswers + 1 >= ABSENCE_ANSWERS &&
    event.output.sentAt - absentSince >= timeouts.absenceProofMs
  );
}

/** The venue once knew the order (we have its id), and this lookup did not find it: not proof yet. */
export function knownOrderNotFound({ context, event }: OrderArgs): boolean {
  return (
    event.type === 'xstate.done.actor.lookupOrder' &&
    event.output.order === null &&
    context.venueOrderId !== null
  );
}

/** Place attempts remain. */
export function attemptsLeft({ context }: OrderArgs): boolean {
  return context.attempt < context.maxAttempts;
}

/** A venue report whose cumulative filled quantity is above the last one the venue reported. */
export function reportsMoreFilled({ context, event }: OrderArgs): boolean {
  const reported = (event as { filledQuantity?: unknown }).filledQuantity;
  return typeof reported === 'string' && cmpStr(reported, context.venueFilledQuantity) > 0;
}
