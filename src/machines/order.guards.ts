import {
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
 * (see the `guards` of `setup` in order.machine.ts). Pure: they read only the context and the event.
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
 * A lookup did not find an order we never had a venue id for, but a place request may still land: the
 * lookup was sent before the landing deadline (or there is none).
 */
export function absenceNotYetProven({ context, event }: OrderArgs): boolean {
  return (
    event.type === 'xstate.done.actor.lookupOrder' &&
    event.output.order === null &&
    context.venueOrderId === null &&
    (context.landingDeadline === null || event.output.sentAt <= context.landingDeadline)
  );
}

/** The venue once knew the order (we have its id) but the lookup no longer finds it. */
export function knownOrderVanished({ context }: OrderArgs): boolean {
  return context.venueOrderId !== null;
}

/** Place attempts remain. */
export function attemptsLeft({ context }: OrderArgs): boolean {
  return context.attempt < context.maxAttempts;
}
