import { fromPromise } from 'xstate';
import type { CallKind } from './messages.js';
import { initialOrderContext, lookupInput, orderRefInput, placeOrderInput } from './order.logic.js';
import { orderSetup } from './order.setup.js';
import {
  venueView,
  closingFacts,
  lateFill,
  laterReport,
  awaitingConfirmation,
  restingAtVenue,
} from './order.transitions.js';
import type {
  LookupInput,
  LookupResult,
  OrderRefInput,
  PlaceOrderInput,
  VenueOrderView,
} from './order.types.js';

export type * from './order.types.js';

/** Bumped whenever a change makes older snapshots unreadable; see src/machines/registry.ts. */
export const ORDER_MACHINE_VERSION = 2;

/** The kind of each call the order machine invokes (see CallKind). */
export const ORDER_CALL_KINDS = {
  placeOrder: 'write',
  cancelOrder: 'write',
  lookupOrder: 'read',
} as const satisfies Record<string, CallKind>;

/** The order machine's events that are venue facts (see MachineEntry.facts). */
export const ORDER_VENUE_FACTS = [
  'ORDER_ACCEPTED',
  'ORDER_FILLED',
  'ORDER_COMPLETED',
  'ORDER_CANCELLED',
  'ORDER_REJECTED',
  'ORDER_EXPIRED',
] as const;

/**
 * One exchange order. Intent is recorded in `pendingNew`; the place call starts in `submitting`, unless the
 * engine denies it there (PLACE_DENIED: `denied`, never sent); any call
 * whose outcome is unknown leads to `unconfirmed`, which only venue evidence (a lookup by clientOrderId,
 * or a pushed venue fact) resolves. Late and racing venue facts are legal transitions: a fill while
 * `pendingCancel`, after `cancelled`, or before the place reply.
 */
export const orderMachine = orderSetup.createMachine({
  id: 'order',
  version: String(ORDER_MACHINE_VERSION),
  context: ({ input }) => initialOrderContext(input),
  initial: 'pendingNew',
  states: {
    pendingNew: {
      tags: ['working'],
      on: {
        SUBMIT: { target: 'submitting' },
        CANCEL_ORDER: { target: 'cancelled', actions: 'requestCancel' },
        // The venue has it although we never sent it (adopting an unknown order on reconcile).
        ORDER_ACCEPTED: { target: 'open', actions: 'recordVenueView' },
      },
    },
    submitting: {
      tags: ['working', 'atVenue'],
      entry: ['countAttempt', { type: 'notifyOwner', params: { state: 'submitting', terminal: false } }],
      invoke: {
        id: 'placeOrder',
        src: 'placeOrder',
        input: ({ context }) => placeOrderInput(context),
        onDone: [...venueView],
        onError: [
          { guard: 'failureIsRejection', target: 'rejected', actions: 'recordFailure' },
          { target: 'unconfirmed', actions: 'recordFailure' },
        ],
      },
      after: { ACK_TIMEOUT: { target: 'unconfirmed', actions: 'recordTimeout' } },
      on: {
        // The engine refused to send the place (risk checks, trading state): the venue never saw it.
        PLACE_DENIED: { target: 'denied', actions: 'recordDenial' },
        ...awaitingConfirmation,
      },
    },
    open: {
      tags: ['working', 'atVenue'],
      entry: { type: 'notifyOwner', params: { state: 'open', terminal: false } },
      on: { ORDER_ACCEPTED: laterReport, ...restingAtVenue },
    },
    partiallyFilled: {
      tags: ['working', 'atVenue'],
      entry: { type: 'notifyOwner', params: { state: 'partiallyFilled', terminal: false } },
      on: {
        // A fill that overtook the place reply may have left the venue's order id unknown (`open` always
        // knows it: every way in records it).
        ORDER_ACCEPTED: [{ guard: 'venueOrderIdUnknown', actions: 'recordVenueView' }, laterReport],
        ...restingAtVenue,
      },
    },
    pendingCancel: {
      tags: ['working', 'atVenue'],
      entry: ['requestCancel', { type: 'notifyOwner', params: { state: 'pendingCancel', terminal: false } }],
      invoke: {
        id: 'cancelOrder',
        src: 'cancelOrder',
        input: ({ context }) => orderRefInput(context),
        onDone: [
          { guard: 'viewFilled', target: 'filled', actions: 'recordVenueView' },
          { guard: 'viewCancelled', target: 'cancelled', actions: 'recordVenueView' },
          { guard: 'viewExpired', target: 'expired', actions: 'recordVenueView' },
          { target: 'unconfirmed', actions: 'recordVenueView' },
        ],
        onError: { target: 'unconfirmed', actions: 'recordFailure' },
      },
      after: { CANCEL_TIMEOUT: { target: 'unconfirmed', actions: 'recordTimeout' } },
      on: {
        RECONCILE_ORDER: { target: 'unconfirmed' },
        ORDER_ACCEPTED: laterReport,
        ORDER_FILLED: [
          { guard: 'fillWouldOverfill', target: 'filled', actions: 'applyOverfill' },
          { guard: 'fillCompletesOrder', target: 'filled', actions: 'applyFill' },
          { guard: 'partialFill', actions: 'applyFill' },
        ],
        ...closingFacts,
      },
    },
    unconfirmed: {
      tags: ['working', 'atVenue'],
      entry: { type: 'notifyOwner', params: { state: 'unconfirmed', terminal: false } },
      initial: 'lookingUp',
      states: {
        lookingUp: {
          invoke: {
            id: 'lookupOrder',
            src: 'lookupOrder',
            input: ({ context, event }) => lookupInput(context, event),
            onDone: [
              { guard: 'viewFilled', target: '#order.filled', actions: 'recordVenueView' },
              { guard: 'viewCancelled', target: '#order.cancelled', actions: 'recordVenueView' },
              { guard: 'viewRejected', target: '#order.rejected', actions: 'recordVenueView' },
              { guard: 'viewExpired', target: '#order.expired', actions: 'recordVenueView' },
              { guard: 'foundWithCancelPending', target: '#order.pendingCancel', actions: 'recordVenueView' },
              { guard: 'foundWithFills', target: '#order.partiallyFilled', actions: 'recordVenueView' },
              { guard: 'viewFound', target: '#order.open', actions: 'recordVenueView' },
              { guard: 'knownOrderAbsenceProven', target: '#order.expired', actions: 'recordVanished' },
              { guard: 'knownOrderNotFound', target: 'waiting', actions: 'recordAbsence' },
              { guard: 'absenceNotYetProven', target: 'waiting' },
              { guard: 'cancelWasRequested', target: '#order.cancelled' },
              { guard: 'attemptsLeft', target: '#order.submitting' },
              { target: '#order.rejected', actions: 'recordNeverPlaced' },
            ],
            onError: { target: 'waiting', actions: 'recordFailure' },
          },
        },
        waiting: {
          after: { LOOKUP_RETRY: { target: 'lookingUp' } },
        },
      },
      on: awaitingConfirmation,
    },
    filled: {
      tags: ['terminal'],
      entry: { type: 'notifyOwner', params: { state: 'filled', terminal: true } },
      on: {
        ORDER_FILLED: [...lateFill],
      },
    },
    cancelled: {
      tags: ['terminal'],
      entry: { type: 'notifyOwner', params: { state: 'cancelled', terminal: true } },
      on: {
        ORDER_FILLED: [
          { guard: 'fillWouldOverfill', target: 'filled', actions: 'applyOverfill' },
          { guard: 'fillCompletesOrder', target: 'filled', actions: 'applyFill' },
          { guard: 'newFill', actions: 'applyFill' },
        ],
      },
    },
    rejected: {
      tags: ['terminal'],
      entry: { type: 'notifyOwner', params: { state: 'rejected', terminal: true } },
      on: {
        ORDER_FILLED: [
          { guard: 'fillWouldOverfill', actions: 'applyOverfill' },
          { guard: 'newFill', actions: { type: 'applyFillAnomaly', params: { state: 'rejected' } } },
        ],
      },
    },
    // Refused by the engine before it was sent (PLACE_DENIED), unlike `rejected` (refused by the venue or
    // its filters): the venue never had the order, so a fill of it contradicts that and is flagged.
    denied: {
      tags: ['terminal'],
      entry: { type: 'notifyOwner', params: { state: 'denied', terminal: true } },
      on: {
        ORDER_FILLED: [
          { guard: 'fillWouldOverfill', actions: 'applyOverfill' },
          { guard: 'newFill', actions: { type: 'applyFillAnomaly', params: { state: 'denied' } } },
        ],
      },
    },
    expired: {
      tags: ['terminal'],
      entry: { type: 'notifyOwner', params: { state: 'expired', terminal: true } },
      on: {
        ORDER_FILLED: [...lateFill],
      },
    },
  },
});

/** The order machine's type. */
export type OrderMachine = typeof orderMachine;

/** The order machine's calls as plain async functions (a call that fails rejects with a CallFailure). */
export interface OrderCalls {
  placeOrder(input: PlaceOrderInput): Promise<VenueOrderView>;
  cancelOrder(input: OrderRefInput): Promise<VenueOrderView>;
  lookupOrder(input: LookupInput): Promise<LookupResult>;
}

/**
 * The order machine with real promise actors for its calls, to run it with `createActor` outside the
 * durable runtime (a simulation, a notebook, a test). The durable runtime never runs these: it executes
 * calls from its outbox, after their intents are committed.
 */
export function orderMachineWith(calls: OrderCalls) {
  return orderMachine.provide({
    actors: {
      placeOrder: fromPromise<VenueOrderView, PlaceOrderInput>(({ input }) => calls.placeOrder(input)),
      cancelOrder: fromPromise<VenueOrderView, OrderRefInput>(({ input }) => calls.cancelOrder(input)),
      lookupOrder: fromPromise<LookupResult, LookupInput>(({ input }) => calls.lookupOrder(input)),
    },
  });
}
