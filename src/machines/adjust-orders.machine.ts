import { assign, enqueueActions, setup } from 'xstate';
import type { DesiredOrder } from '../domain/types.js';
import { isSettled, planAdjustment } from './adjust-orders.logic.js';
import type { AdjustCommand, DesiredSlot, OrderDefaults, TrackedOrder } from './adjust-orders.logic.js';
import { extend } from '../domain/extend.js';
import { DEFAULT_ABSENCE_PROOF_MS } from './order.logic.js';

export type { AdjustCommand, DesiredSlot, OrderDefaults, TrackedOrder } from './adjust-orders.logic.js';

/** Bumped whenever a change makes older snapshots unreadable. */
export const ADJUST_ORDERS_MACHINE_VERSION = 1;

/** What an AdjustOrders workflow (one per venue and symbol) is created with. */
export interface AdjustOrdersInput {
  venue: string;
  symbol: string;
  maxOpenOrders: number;
  orderDefaults: OrderDefaults;
  at: number;
}

/** The workflow's durable progress. */
export interface AdjustOrdersContext extends Omit<AdjustOrdersInput, 'at'> {
  /** Prefix of new clientOrderIds; changes every engine start so ids never repeat. */
  idPrefix: string;
  /** Next order sequence number under this workflow. */
  seq: number;
  /** How many desired sets have been received. */
  generation: number;
  /** The newest desired set; each slot names the order that satisfies it once matched or placed. */
  desired: DesiredSlot[];
  /** Orders still at (or on their way to) the venue. */
  orders: Record<string, TrackedOrder>;
  updatedAt: number;
}

/** Events of the workflow. */
export type AdjustOrdersEvent =
  | { type: 'ADJUST_ORDERS'; at: number; desired: DesiredOrder[]; idPrefix: string }
  | {
      type: 'ORDER_STATE_CHANGED';
      at: number;
      clientOrderId: string;
      state: string;
      terminal: boolean;
      filledQuantity: string;
    };

/**
 * AdjustOrders: turns a strategy's desired orders for one symbol into cancel and place commands, and sees
 * them through. Its progress (the desired set, which order satisfies which slot, what is being cancelled)
 * is its persisted context, so a crash mid-adjustment resumes where it stopped. A newer desired set
 * replaces the older one at once: orders placed for the older set that the new one does not want are
 * cancelled, even those still on their way to the venue.
 */
export const adjustOrdersMachine = setup({
  types: {
    context: {} as AdjustOrdersContext,
    events: {} as AdjustOrdersEvent,
    input: {} as AdjustOrdersInput,
    emitted: {} as AdjustCommand,
  },
  guards: {
    adjustmentSettled: ({ context }) => isSettled(context),
    orderChangeMatters: ({ context, event }) => {
      if (event.type !== 'ORDER_STATE_CHANGED') return false;
      const tracked = context.orders[event.clientOrderId];
      return (
        tracked !== undefined && (event.terminal || (event.state === 'pendingCancel' && !tracked.cancelling))
      );
    },
  },
  actions: {
    acceptDesired: assign(({ context, event }) => {
      if (event.type !== 'ADJUST_ORDERS') return {};
      return {
        desired: event.desired.map((d) => extend(d, { clientOrderId: null })),
        idPrefix: event.idPrefix,
        generation: context.generation + 1,
        updatedAt: event.at,
      };
    }),
    trackOrderState: assign(({ context, event }) => {
      if (event.type !== 'ORDER_STATE_CHANGED') return {};
      const tracked = context.orders[event.clientOrderId];
      if (tracked === undefined) return {};
      const orders = { ...context.orders };
      if (event.terminal) delete orders[event.clientOrderId];
      else orders[event.clientOrderId] = extend(tracked, { cancelling: true });
      return { orders, updatedAt: event.at };
    }),
    planAdjustment: enqueueActions(({ context, event, enqueue }) => {
      const plan = planAdjustment(context, event.at);
      enqueue.assign({ desired: plan.desired, orders: plan.orders, seq: plan.seq, updatedAt: event.at });
      for (const command of plan.commands) enqueue.emit(command);
    }),
  },
}).createMachine({
  id: 'adjustOrders',
  version: String(ADJUST_ORDERS_MACHINE_VERSION),
  context: ({ input }) => ({
    venue: input?.venue ?? '',
    symbol: input?.symbol ?? '',
    maxOpenOrders: input?.maxOpenOrders ?? 0,
    orderDefaults: input?.orderDefaults ?? {
      requestWindowMs: 0,
      timeouts: { ackMs: 0, cancelMs: 0, lookupRetryMs: 0, absenceProofMs: DEFAULT_ABSENCE_PROOF_MS },
      maxAttempts: 1,
    },
    idPrefix: '',
    seq: 0,
    generation: 0,
    desired: [],
    orders: {},
    updatedAt: input?.at ?? 0,
  }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        ADJUST_ORDERS: { target: 'adjusting', actions: 'acceptDesired' },
        ORDER_STATE_CHANGED: { guard: 'orderChangeMatters', actions: 'trackOrderState' },
      },
    },
    adjusting: {
      entry: 'planAdjustment',
      always: { guard: 'adjustmentSettled', target: 'idle' },
      on: {
        ADJUST_ORDERS: { actions: ['acceptDesired', 'planAdjustment'] },
        ORDER_STATE_CHANGED: { guard: 'orderChangeMatters', actions: ['trackOrderState', 'planAdjustment'] },
      },
    },
  },
});

/** The AdjustOrders machine's type. */
export type AdjustOrdersMachine = typeof adjustOrdersMachine;
