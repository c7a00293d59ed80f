import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import * as assigners from './order.assigners.js';
import * as guards from './order.guards.js';
import { lookupRetryDelay } from './order.logic.js';
import type {
  LookupInput,
  LookupResult,
  OrderContext,
  OrderEvent,
  OrderInput,
  OrderRefInput,
  OrderStateChanged,
  PlaceOrderInput,
  VenueOrderView,
} from './order.types.js';

/** Invoked calls are executed by the durable runtime from the outbox, never by this placeholder. */
const runtimeCall = <O, I>() =>
  fromPromise<O, I>(() => Promise.reject(new Error('venue calls run in the durable runtime')));

/**
 * The order machine's setup (order.machine.ts holds its states): its types, the calls it invokes, its
 * delays, and its guards and actions by name, each implemented in order.guards.ts and order.assigners.ts.
 */
export const orderSetup = setup({
  types: {
    context: {} as OrderContext,
    events: {} as OrderEvent,
    input: {} as OrderInput,
    emitted: {} as OrderStateChanged,
  },
  actors: {
    placeOrder: runtimeCall<VenueOrderView, PlaceOrderInput>(),
    cancelOrder: runtimeCall<VenueOrderView, OrderRefInput>(),
    lookupOrder: runtimeCall<LookupResult, LookupInput>(),
  },
  delays: {
    ACK_TIMEOUT: ({ context }) => context.timeouts.ackMs,
    CANCEL_TIMEOUT: ({ context }) => context.timeouts.cancelMs,
    LOOKUP_RETRY: ({ context }) => lookupRetryDelay(context),
  },
  guards: {
    cancelWasRequested: guards.cancelWasRequested,
    orderHasFills: guards.orderHasFills,
    venueOrderIdUnknown: guards.venueOrderIdUnknown,
    viewFilled: guards.viewFilled,
    viewCancelled: guards.viewCancelled,
    viewRejected: guards.viewRejected,
    viewExpired: guards.viewExpired,
    viewFound: guards.viewFound,
    foundWithCancelPending: guards.foundWithCancelPending,
    foundWithFills: guards.foundWithFills,
    fillWouldOverfill: guards.fillWouldOverfill,
    fillCompletesOrder: guards.fillCompletesOrder,
    partialFill: guards.partialFill,
    partialFillWithCancelPending: guards.partialFillWithCancelPending,
    newFill: guards.newFill,
    failureIsRejection: guards.failureIsRejection,
    absenceNotYetProven: guards.absenceNotYetProven,
    knownOrderAbsenceProven: guards.knownOrderAbsenceProven,
    knownOrderNotFound: guards.knownOrderNotFound,
    reportsMoreFilled: guards.reportsMoreFilled,
    attemptsLeft: guards.attemptsLeft,
  },
  actions: {
    notifyOwner: enqueueActions(({ context, enqueue }, params: { state: string; terminal: boolean }) => {
      if (context.owner === null) return;
      enqueue.emit({
        type: 'ORDER_STATE_CHANGED',
        to: context.owner,
        clientOrderId: context.clientOrderId,
        state: params.state,
        terminal: params.terminal,
        filledQuantity: context.filledQuantity,
      });
    }),
    countAttempt: assign(assigners.countAttempt),
    requestCancel: assign(assigners.requestCancel),
    recordVenueView: assign(assigners.recordVenueView),
    recordVenueFacts: assign(assigners.recordVenueFacts),
    recordFailure: assign(assigners.recordFailure),
    recordTimeout: assign(assigners.recordTimeout),
    recordDenial: assign(assigners.recordDenial),
    recordNeverPlaced: assign(assigners.recordNeverPlaced),
    recordAbsence: assign(assigners.recordAbsence),
    recordVanished: assign(assigners.recordVanished),
    applyFill: assign(assigners.applyFill),
    applyFillAnomaly: assign(assigners.applyFillAnomaly),
    applyOverfill: assign(assigners.applyOverfill),
  },
});
