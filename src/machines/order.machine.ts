import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import {
  completesOrder,
  eventTime,
  hasFills,
  isNewTrade,
  isPartialFill,
  maxDec,
  viewOf,
  withFill,
  wouldOverfill,
} from './order.logic.js';
import type {
  CallFailure,
  LookupResult,
  OrderContext,
  OrderEvent,
  OrderInput,
  OrderRefInput,
  OrderStateChanged,
  PlaceOrderInput,
  VenueOrderView,
} from './order.types.js';

export type * from './order.types.js';

/** Bumped whenever a change makes older snapshots unreadable; see src/machines/registry.ts. */
export const ORDER_MACHINE_VERSION = 1;

/** Invoked calls are executed by the durable runtime from the outbox, never by this placeholder. */
const runtimeCall = <O, I>() =>
  fromPromise<O, I>(() => Promise.reject(new Error('venue calls run in the durable runtime')));

const failureOf = (event: OrderEvent): CallFailure | null =>
  event.type.startsWith('xstate.error.actor.') ? (event as { error: CallFailure }).error : null;

/** Transitions shared by every state that is waiting for the venue to confirm the order exists. */
const evidenceOfAcceptance = [
  { guard: 'cancelWasRequested', target: '#order.pendingCancel', actions: 'recordVenueView' },
  { guard: 'orderHasFills', target: '#order.partiallyFilled', actions: 'recordVenueView' },
  { target: '#order.open', actions: 'recordVenueView' },
] as const;

/** How a reply carrying the venue's view of the order moves the machine. */
const venueView = [
  { guard: 'viewFilled', target: '#order.filled', actions: 'recordVenueView' },
  { guard: 'viewCancelled', target: '#order.cancelled', actions: 'recordVenueView' },
  { guard: 'viewRejected', target: '#order.rejected', actions: 'recordVenueView' },
  { guard: 'viewExpired', target: '#order.expired', actions: 'recordVenueView' },
  ...evidenceOfAcceptance,
] as const;

/** Fill handling while the order may still be working at the venue. */
const fillWhileWorking = [
  { guard: 'fillWouldOverfill', actions: 'flagOverfill' },
  { guard: 'fillCompletesOrder', target: '#order.filled', actions: 'applyFill' },
  { guard: 'partialFillWithCancelPending', target: '#order.pendingCancel', actions: 'applyFill' },
  { guard: 'partialFill', target: '#order.partiallyFilled', actions: 'applyFill' },
] as const;

/** Closing facts the venue may push at any time while the order is working. */
const closingFacts = {
  ORDER_COMPLETED: { target: '#order.filled', actions: 'recordVenueFacts' },
  ORDER_CANCELLED: { target: '#order.cancelled', actions: 'recordVenueFacts' },
  ORDER_EXPIRED: { target: '#order.expired', actions: 'recordVenueFacts' },
} as const;

/**
 * One exchange order. Intent is recorded in `pendingNew`; the place call starts in `submitting`; any call
 * whose outcome is unknown leads to `unconfirmed`, which only venue evidence (a lookup by clientOrderId,
 * or a pushed venue fact) resolves. Late and racing venue facts are legal transitions: a fill while
 * `pendingCancel`, after `cancelled`, or before the place reply.
 */
export const orderMachine = setup({
  types: {
    context: {} as OrderContext,
    events: {} as OrderEvent,
    input: {} as OrderInput,
    emitted: {} as OrderStateChanged,
  },
  actors: {
    placeOrder: runtimeCall<VenueOrderView, PlaceOrderInput>(),
    cancelOrder: runtimeCall<VenueOrderView, OrderRefInput>(),
    lookupOrder: runtimeCall<LookupResult, OrderRefInput>(),
  },
  delays: {
    ACK_TIMEOUT: ({ context }) => context.timeouts.ackMs,
    CANCEL_TIMEOUT: ({ context }) => context.timeouts.cancelMs,
    LOOKUP_RETRY: ({ context }) => context.timeouts.lookupRetryMs,
  },
  guards: {
    cancelWasRequested: ({ context }) => context.cancelRequested,
    orderHasFills: ({ context }) => hasFills(context),
    venueOrderIdUnknown: ({ context }) => context.venueOrderId === null,
    viewFilled: ({ event }) => viewOf(event)?.status === 'filled',
    viewCancelled: ({ event }) => viewOf(event)?.status === 'cancelled',
    viewRejected: ({ event }) => viewOf(event)?.status === 'rejected',
    viewExpired: ({ event }) => viewOf(event)?.status === 'expired',
    viewFound: ({ event }) => viewOf(event) !== null,
    foundWithCancelPending: ({ context, event }) => viewOf(event) !== null && context.cancelRequested,
    foundWithFills: ({ context, event }) => viewOf(event) !== null && hasFills(context),
    fillWouldOverfill: ({ context, event }) => wouldOverfill(context, event),
    fillCompletesOrder: ({ context, event }) => completesOrder(context, event),
    partialFill: ({ context, event }) => isPartialFill(context, event),
    partialFillWithCancelPending: ({ context, event }) =>
      context.cancelRequested && isPartialFill(context, event),
    newFill: ({ context, event }) => isNewTrade(context, event) && !wouldOverfill(context, event),
    failureIsRejection: ({ event }) => failureOf(event)?.kind === 'rejected',
    absenceNotYetProven: ({ context, event }) =>
      event.type === 'xstate.done.actor.lookupOrder' &&
      event.output.order === null &&
      context.venueOrderId === null &&
      (context.landingDeadline === null || event.output.sentAt <= context.landingDeadline),
    knownOrderVanished: ({ context }) => context.venueOrderId !== null,
    attemptsLeft: ({ context }) => context.attempt < context.maxAttempts,
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
    countAttempt: assign(({ context, event }) => ({
      attempt: context.attempt + 1,
      updatedAt: eventTime(event) ?? context.updatedAt,
    })),
    requestCancel: assign(({ context, event }) => ({
      cancelRequested: true,
      updatedAt: eventTime(event) ?? context.updatedAt,
    })),
    recordVenueView: assign(({ context, event }) => {
      const view = viewOf(event);
      const fact = event as { venueOrderId?: string; filledQuantity?: string };
      return {
        venueOrderId: view?.venueOrderId ?? fact.venueOrderId ?? context.venueOrderId,
        venueFilledQuantity: maxDec(
          context.venueFilledQuantity,
          view?.filledQuantity ?? fact.filledQuantity ?? '0',
        ),
        updatedAt: eventTime(event) ?? context.updatedAt,
      };
    }),
    recordVenueFacts: assign(({ context, event }) => {
      const fact = event as { venueOrderId?: string; filledQuantity?: string; reason?: string };
      return {
        venueOrderId: fact.venueOrderId ?? context.venueOrderId,
        venueFilledQuantity: maxDec(context.venueFilledQuantity, fact.filledQuantity ?? '0'),
        reason: fact.reason ?? context.reason,
        updatedAt: eventTime(event) ?? context.updatedAt,
      };
    }),
    recordFailure: assign(({ context, event }) => {
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
    }),
    recordTimeout: assign(({ context, event }) => {
      const at = eventTime(event) ?? context.updatedAt;
      return {
        reason: 'no reply before timeout',
        landingDeadline: Math.max(at + context.requestWindowMs, context.landingDeadline ?? 0),
        updatedAt: at,
      };
    }),
    recordNeverPlaced: assign(({ context, event }) => ({
      reason: `venue never received the order (${context.attempt} attempt(s))`,
      updatedAt: eventTime(event) ?? context.updatedAt,
    })),
    recordVanished: assign(({ context, event }) => ({
      reason: 'the venue no longer knows this order',
      anomalies: [...context.anomalies, `order ${context.venueOrderId} vanished at the venue`],
      updatedAt: eventTime(event) ?? context.updatedAt,
    })),
    applyFill: assign(({ context, event }) => withFill(context, event)),
    applyFillAnomaly: assign(({ context, event }) => ({
      ...withFill(context, event),
      anomalies: [
        ...context.anomalies,
        `fill ${(event as { tradeId?: string }).tradeId} on a rejected order`,
      ],
    })),
    flagOverfill: assign(({ context, event }) => {
      const fill = event as { tradeId?: string; quantity?: string };
      return {
        anomalies: [
          ...context.anomalies,
          `overfill: trade ${fill.tradeId} of ${fill.quantity} over ${context.filledQuantity}/${context.quantity}`,
        ],
        quarantinedTradeIds: [...context.quarantinedTradeIds, String(fill.tradeId)],
        updatedAt: eventTime(event) ?? context.updatedAt,
      };
    }),
  },
}).createMachine({
  id: 'order',
  version: String(ORDER_MACHINE_VERSION),
  context: ({ input }) => ({
    clientOrderId: input?.clientOrderId ?? '',
    venue: input?.venue ?? '',
    symbol: input?.symbol ?? '',
    side: input?.side ?? 'buy',
    type: input?.type ?? 'limit',
    price: input?.price ?? null,
    quantity: input?.quantity ?? '0',
    level: input?.level ?? null,
    owner: input?.owner ?? null,
    requestWindowMs: input?.requestWindowMs ?? 0,
    timeouts: input?.timeouts ?? { ackMs: 0, cancelMs: 0, lookupRetryMs: 0 },
    maxAttempts: input?.maxAttempts ?? 1,
    venueOrderId: null,
    filledQuantity: '0',
    filledNotional: '0',
    fees: {},
    venueFilledQuantity: '0',
    tradeIds: [],
    quarantinedTradeIds: [],
    cancelRequested: false,
    attempt: 0,
    landingDeadline: null,
    createdAt: input?.at ?? 0,
    updatedAt: input?.at ?? 0,
    reason: null,
    anomalies: [],
  }),
  initial: 'pendingNew',
  states: {
    pendingNew: {
      tags: ['working'],
      on: {
        SUBMIT: { target: 'submitting' },
        CANCEL_ORDER: { target: 'cancelled', actions: 'requestCancel' },
        // The venue has it although we never sent it (adopting an unknown order on reconcile).
        ORDER_ACCEPTED: [...evidenceOfAcceptance],
      },
    },
    submitting: {
      tags: ['working', 'atVenue'],
      entry: ['countAttempt', { type: 'notifyOwner', params: { state: 'submitting', terminal: false } }],
      invoke: {
        id: 'placeOrder',
        src: 'placeOrder',
        input: ({ context }): PlaceOrderInput => ({
          clientOrderId: context.clientOrderId,
          symbol: context.symbol,
          side: context.side,
          type: context.type,
          price: context.price,
          quantity: context.quantity,
          attempt: context.attempt,
        }),
        onDone: [...venueView],
        onError: [
          { guard: 'failureIsRejection', target: 'rejected', actions: 'recordFailure' },
          { target: 'unconfirmed', actions: 'recordFailure' },
        ],
      },
      after: { ACK_TIMEOUT: { target: 'unconfirmed', actions: 'recordTimeout' } },
      on: {
        CANCEL_ORDER: { actions: 'requestCancel' },
        ORDER_ACCEPTED: [...evidenceOfAcceptance],
        ORDER_FILLED: [...fillWhileWorking],
        ORDER_REJECTED: { target: 'rejected', actions: 'recordVenueFacts' },
        ...closingFacts,
      },
    },
    open: {
      tags: ['working', 'atVenue'],
      entry: { type: 'notifyOwner', params: { state: 'open', terminal: false } },
      on: {
        CANCEL_ORDER: { target: 'pendingCancel' },
        RECONCILE_ORDER: { target: 'unconfirmed' },
        ORDER_ACCEPTED: { guard: 'venueOrderIdUnknown', actions: 'recordVenueView' },
        ORDER_FILLED: [...fillWhileWorking],
        ...closingFacts,
      },
    },
    partiallyFilled: {
      tags: ['working', 'atVenue'],
      entry: { type: 'notifyOwner', params: { state: 'partiallyFilled', terminal: false } },
      on: {
        CANCEL_ORDER: { target: 'pendingCancel' },
        RECONCILE_ORDER: { target: 'unconfirmed' },
        ORDER_ACCEPTED: { guard: 'venueOrderIdUnknown', actions: 'recordVenueView' },
        ORDER_FILLED: [...fillWhileWorking],
        ...closingFacts,
      },
    },
    pendingCancel: {
      tags: ['working', 'atVenue'],
      entry: ['requestCancel', { type: 'notifyOwner', params: { state: 'pendingCancel', terminal: false } }],
      invoke: {
        id: 'cancelOrder',
        src: 'cancelOrder',
        input: ({ context }): OrderRefInput => ({
          clientOrderId: context.clientOrderId,
          symbol: context.symbol,
          venueOrderId: context.venueOrderId,
        }),
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
        ORDER_FILLED: [
          { guard: 'fillWouldOverfill', actions: 'flagOverfill' },
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
            input: ({ context }): OrderRefInput => ({
              clientOrderId: context.clientOrderId,
              symbol: context.symbol,
              venueOrderId: context.venueOrderId,
            }),
            onDone: [
              { guard: 'viewFilled', target: '#order.filled', actions: 'recordVenueView' },
              { guard: 'viewCancelled', target: '#order.cancelled', actions: 'recordVenueView' },
              { guard: 'viewRejected', target: '#order.rejected', actions: 'recordVenueView' },
              { guard: 'viewExpired', target: '#order.expired', actions: 'recordVenueView' },
              { guard: 'foundWithCancelPending', target: '#order.pendingCancel', actions: 'recordVenueView' },
              { guard: 'foundWithFills', target: '#order.partiallyFilled', actions: 'recordVenueView' },
              { guard: 'viewFound', target: '#order.open', actions: 'recordVenueView' },
              { guard: 'knownOrderVanished', target: '#order.expired', actions: 'recordVanished' },
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
      on: {
        CANCEL_ORDER: { actions: 'requestCancel' },
        ORDER_ACCEPTED: [...evidenceOfAcceptance],
        ORDER_FILLED: [...fillWhileWorking],
        ORDER_REJECTED: { target: 'rejected', actions: 'recordVenueFacts' },
        ...closingFacts,
      },
    },
    filled: {
      tags: ['terminal'],
      entry: { type: 'notifyOwner', params: { state: 'filled', terminal: true } },
      on: {
        ORDER_FILLED: [
          { guard: 'fillWouldOverfill', actions: 'flagOverfill' },
          { guard: 'newFill', actions: 'applyFill' },
        ],
      },
    },
    cancelled: {
      tags: ['terminal'],
      entry: { type: 'notifyOwner', params: { state: 'cancelled', terminal: true } },
      on: {
        ORDER_FILLED: [
          { guard: 'fillWouldOverfill', actions: 'flagOverfill' },
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
          { guard: 'fillWouldOverfill', actions: 'flagOverfill' },
          { guard: 'newFill', actions: 'applyFillAnomaly' },
        ],
      },
    },
    expired: {
      tags: ['terminal'],
      entry: { type: 'notifyOwner', params: { state: 'expired', terminal: true } },
      on: {
        ORDER_FILLED: [
          { guard: 'fillWouldOverfill', actions: 'flagOverfill' },
          { guard: 'newFill', actions: 'applyFill' },
        ],
      },
    },
  },
});

/** The order machine's type. */
export type OrderMachine = typeof orderMachine;
