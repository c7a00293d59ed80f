import { assign, setup } from 'xstate';
import { withFee } from './order.logic.js';
import { applyFifo, averagePrice, signAfter } from './position-book.logic.js';
import type { BookFill, Lot } from './position-book.logic.js';

export type { BookFill, Lot } from './position-book.logic.js';

/** Bumped whenever a change makes older snapshots unreadable. */
export const POSITION_BOOK_MACHINE_VERSION = 1;

/** What a position book actor is created with. */
export interface PositionBookInput {
  venue: string;
  symbol: string;
  at: number;
}

/** One symbol's position at one venue. */
export interface PositionBookContext {
  venue: string;
  symbol: string;
  /** Signed net quantity. */
  quantity: string;
  /** Open FIFO lots, oldest first. */
  lots: Lot[];
  /** Average entry price of the open lots (display value). */
  averagePrice: string;
  /** Realized PnL in the quote currency, before fees. */
  realizedPnl: string;
  /** Fees paid per currency. */
  fees: Record<string, string>;
  fillCount: number;
  lastTradeId: string | null;
  updatedAt: number;
}

/** Events of the position book. Fills reach it only through the OnOrderUpdate workflow, once each. */
export type PositionBookEvent = { type: 'APPLY_FILL' } & BookFill;

/**
 * The position book of one symbol (the seed's PositionManager, sharded per symbol so that a fill writes
 * one small snapshot, not the whole book). States say which way the position points.
 */
export const positionBookMachine = setup({
  types: {
    context: {} as PositionBookContext,
    events: {} as PositionBookEvent,
    input: {} as PositionBookInput,
  },
  guards: {
    endsLong: ({ context, event }) => signAfter(context, event) > 0,
    endsShort: ({ context, event }) => signAfter(context, event) < 0,
  },
  actions: {
    applyFill: assign(({ context, event }) => {
      const next = applyFifo(context, event);
      // Fields named one by one: a spread of `next` followed by more fields gave every fill's update a
      // hidden class of its own on Node 20 (see src/domain/extend.ts).
      return {
        quantity: next.quantity,
        lots: next.lots,
        realizedPnl: next.realizedPnl,
        averagePrice: averagePrice(next.lots),
        fees: withFee(context.fees, event.feeCurrency, event.fee),
        fillCount: context.fillCount + 1,
        lastTradeId: event.tradeId,
        updatedAt: event.at,
      };
    }),
  },
}).createMachine({
  id: 'positionBook',
  version: String(POSITION_BOOK_MACHINE_VERSION),
  context: ({ input }) => ({
    venue: input?.venue ?? '',
    symbol: input?.symbol ?? '',
    quantity: '0',
    lots: [],
    averagePrice: '0',
    realizedPnl: '0',
    fees: {},
    fillCount: 0,
    lastTradeId: null,
    updatedAt: input?.at ?? 0,
  }),
  initial: 'flat',
  on: {
    APPLY_FILL: [
      { guard: 'endsLong', target: '.long', actions: 'applyFill' },
      { guard: 'endsShort', target: '.short', actions: 'applyFill' },
      { target: '.flat', actions: 'applyFill' },
    ],
  },
  states: {
    flat: {},
    long: {},
    short: {},
  },
});

/** The position book machine's type. */
export type PositionBookMachine = typeof positionBookMachine;
