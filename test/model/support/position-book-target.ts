import { expect } from 'vitest';
import type { AnyEventObject } from 'xstate';
import type { VenueFill } from '../../../src/adapters/venue.js';
import type { Side } from '../../../src/domain/types.js';
import { onOrderUpdate } from '../../../src/engine/on-order-update.js';
import { orderActorId } from '../../../src/machines/messages.js';
import type { OrderInput } from '../../../src/machines/order.machine.js';
import type { PositionBookContext } from '../../../src/machines/position-book.machine.js';
import { SYMBOL, T0, VENUE } from '../../support/engine-harness.js';
import type { ModelTarget, StepContext } from './model-run.js';
import { positionBookModel } from './position-book-model.js';

/**
 * The position book enacted on the runtime as the engine feeds it: the book is spawned at start (as
 * `Engine.ensureActors` does), and every fill of the path is a venue fill of one of two resting orders
 * (a large buy and a large sell), applied by the real OnOrderUpdate workflow (order, fill ledger and book
 * in one transaction). Each fill is delivered twice, and the previous step's fill once more after the
 * restore: duplicates must be recognised by the ledger and change nothing.
 */

const ORDERS: Record<Side, string> = { buy: 'bk-buy', sell: 'bk-sell' };

const restingOrder = (side: Side): OrderInput => ({
  clientOrderId: ORDERS[side],
  venue: VENUE,
  symbol: SYMBOL,
  side,
  type: 'limit',
  price: side === 'buy' ? '90' : '110',
  quantity: '1000',
  level: null,
  owner: null,
  requestWindowMs: 5000,
  timeouts: { ackMs: 3000, cancelMs: 3000, lookupRetryMs: 1000, absenceProofMs: 10_000 },
  maxAttempts: 2,
  at: T0,
});

const venueFill = (e: AnyEventObject): VenueFill => {
  const side = e.side as Side;
  return {
    tradeId: String(e.tradeId),
    clientOrderId: ORDERS[side],
    venueOrderId: `v-${ORDERS[side]}`,
    symbol: SYMBOL,
    side,
    price: String(e.price),
    quantity: String(e.quantity),
    fee: String(e.fee),
    feeCurrency: String(e.feeCurrency),
    liquidity: 'maker',
    at: Number(e.at),
  };
};

const deliver = (ctx: StepContext, fill: VenueFill): Promise<unknown> =>
  ctx.runtime.enqueue(onOrderUpdate(VENUE, ctx.engine.store, { kind: 'fill', fill }));

/** The position book model for one seed, enacted through OnOrderUpdate. */
export function positionBookTarget(seed: number): ModelTarget {
  const spec = positionBookModel(seed);
  return {
    spec,
    actorId: spec.actorId,
    create: async (ctx) => {
      await ctx.runtime.spawn(spec.actorId, 'positionBook', spec.input);
      for (const side of ['buy', 'sell'] as const) {
        const id = orderActorId(ORDERS[side]);
        await ctx.runtime.spawn(id, 'order', restingOrder(side));
        const accepted = { type: 'ORDER_ACCEPTED', venueOrderId: `v-${ORDERS[side]}`, filledQuantity: '0' };
        expect(await ctx.runtime.send(id, accepted)).toBe(true);
      }
    },
    send: async (ctx, raw, step) => {
      const previous = ctx.oracle.steps[step.index - 1]?.event;
      if (previous !== undefined) expect(await deliver(ctx, venueFill(previous))).toBe('duplicate');
      expect(await deliver(ctx, venueFill(raw)), `fill ${String(raw.tradeId)}`).toBe('applied');
      expect(await deliver(ctx, venueFill(raw))).toBe('duplicate');
    },
    check: async (ctx, view, where) => {
      const c = view.snapshot.context as PositionBookContext;
      const row = await ctx.engine.db.db
        .selectFrom('positions')
        .selectAll()
        .where('venue', '=', VENUE)
        .where('symbol', '=', SYMBOL)
        .executeTakeFirst();
      expect(row, `${where}: positions projection`).toEqual({
        venue: VENUE,
        symbol: SYMBOL,
        quantity: c.quantity,
        average_price: c.averagePrice,
        realized_pnl: c.realizedPnl,
        fees: JSON.stringify(c.fees),
        fill_count: c.fillCount,
        updated_at: c.updatedAt,
      });
      const fills = await ctx.engine.db.db.selectFrom('fills').select(['trade_id', 'status']).execute();
      expect(fills.length, `${where}: one ledger row per fill`).toBe(c.fillCount);
      expect(fills.every((f) => f.status === 'applied')).toBe(true);
    },
  };
}
