/**
 * Transition groups the order machine's states share (order.machine.ts): how venue replies, fills and
 * pushed facts move an order, by the situation it is in. Plain config: guards and actions by name.
 */

/** Transitions shared by every state that is waiting for the venue to confirm the order exists. */
export const evidenceOfAcceptance = [
  { guard: 'cancelWasRequested', target: '#order.pendingCancel', actions: 'recordVenueView' },
  { guard: 'orderHasFills', target: '#order.partiallyFilled', actions: 'recordVenueView' },
  { target: '#order.open', actions: 'recordVenueView' },
] as const;

/** How a reply carrying the venue's view of the order moves the machine. */
export const venueView = [
  { guard: 'viewFilled', target: '#order.filled', actions: 'recordVenueView' },
  { guard: 'viewCancelled', target: '#order.cancelled', actions: 'recordVenueView' },
  { guard: 'viewRejected', target: '#order.rejected', actions: 'recordVenueView' },
  { guard: 'viewExpired', target: '#order.expired', actions: 'recordVenueView' },
  ...evidenceOfAcceptance,
] as const;

/** Fill handling while the order may still be working at the venue. */
export const fillWhileWorking = [
  { guard: 'fillWouldOverfill', target: '#order.filled', actions: 'applyOverfill' },
  { guard: 'fillCompletesOrder', target: '#order.filled', actions: 'applyFill' },
  { guard: 'partialFillWithCancelPending', target: '#order.pendingCancel', actions: 'applyFill' },
  { guard: 'partialFill', target: '#order.partiallyFilled', actions: 'applyFill' },
] as const;

/** Fill handling at rest (`open`, `partiallyFilled`): no cancel is pending there (that is `pendingCancel`). */
export const fillWhileResting = [
  { guard: 'fillWouldOverfill', target: '#order.filled', actions: 'applyOverfill' },
  { guard: 'fillCompletesOrder', target: '#order.filled', actions: 'applyFill' },
  { guard: 'partialFill', target: '#order.partiallyFilled', actions: 'applyFill' },
] as const;

/** Closing facts the venue may push at any time while the order is working. */
export const closingFacts = {
  ORDER_COMPLETED: { target: '#order.filled', actions: 'recordVenueFacts' },
  ORDER_CANCELLED: { target: '#order.cancelled', actions: 'recordVenueFacts' },
  ORDER_EXPIRED: { target: '#order.expired', actions: 'recordVenueFacts' },
} as const;

/** A fill arriving after the order ended (the venue's report overtook it): applied, never twice. */
export const lateFill = [
  { guard: 'fillWouldOverfill', actions: 'applyOverfill' },
  { guard: 'newFill', actions: 'applyFill' },
] as const;

/** A status report while the order rests: its cumulative filled quantity may run ahead of our fills. */
export const laterReport = { guard: 'reportsMoreFilled', actions: 'recordVenueView' } as const;

/** What an order whose acceptance is not confirmed yet (`submitting`, `unconfirmed`) accepts. */
export const awaitingConfirmation = {
  CANCEL_ORDER: { actions: 'requestCancel' },
  ORDER_ACCEPTED: [...evidenceOfAcceptance],
  ORDER_FILLED: [...fillWhileWorking],
  ORDER_REJECTED: { target: '#order.rejected', actions: 'recordVenueFacts' },
  ...closingFacts,
} as const;

/** What an order resting at the venue (`open`, `partiallyFilled`) accepts. */
export const restingAtVenue = {
  CANCEL_ORDER: { target: '#order.pendingCancel' },
  RECONCILE_ORDER: { target: '#order.unconfirmed' },
  ORDER_FILLED: [...fillWhileResting],
  ...closingFacts,
} as const;
