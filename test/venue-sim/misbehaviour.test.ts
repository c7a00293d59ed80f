import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startVenueSimWithCcxt } from '../support/venue-sim.js';
import type { VenueSimHarness } from '../support/venue-sim.js';
import { waitUntil } from './wait.js';

/**
 * The simulator misbehaves as real venues do, on request, seen through the unmodified ccxt client: order
 * views that lag behind the matching engine, trades filled outright (past an order's quantity, under a
 * trade id already used, or listed late).
 */

const S = 'BTC/USDT';
let h: VenueSimHarness;

beforeEach(async () => {
  h = await startVenueSimWithCcxt({ seed: 3, startPrices: { [S]: '60000' } });
});
afterEach(async () => h.close());

const place = (clientOrderId: string, qty = 0.01) =>
  h.exchange.createOrder(S, 'limit', 'buy', qty, 59000, { clientOrderId });

describe('venue simulator: misbehaviour on request', () => {
  it('staleOrderViews: an existing order "does not exist" (-2013) and is missing from openOrders and allOrders, until the fault ends', async () => {
    const order = await place('lag-1');
    await place('lag-2');
    await h.admin.post('faults', { staleOrderViews: { durationMs: 600, clientOrderIds: ['lag-1'] } });
    await expect(h.exchange.fetchOrder(order.id!, S)).rejects.toThrow(/-2013.*Order does not exist/);
    expect((await h.exchange.fetchOpenOrders(S)).map((o) => o.clientOrderId)).toEqual(['lag-2']);
    expect(
      (await h.exchange.fetchOrders(S, undefined, 10, { orderId: order.id! })).map((o) => o.clientOrderId),
    ).toEqual(['lag-2']);
    // cancels reach the matching engine, which knows the order
    await waitUntil(
      () =>
        h.exchange.fetchOrder(order.id!, S).then(
          () => true,
          () => false,
        ),
      3000,
      'lag-1 to be found again once the fault ended',
    );
    expect((await h.exchange.fetchOrder(order.id!, S)).clientOrderId).toBe('lag-1');
    expect((await h.exchange.fetchOpenOrders(S)).length).toBe(2);
  });

  it('fill: past the order quantity with overfill, under a reused trade id, or hidden until revealed', async () => {
    await place('f-1');
    await expect(h.admin.post('fill', { symbol: S, clientOrderId: 'f-1', qty: '0.02' })).rejects.toThrow(
      /HTTP 400.*"field":"qty"/,
    );
    await h.admin.post('fill', { symbol: S, clientOrderId: 'f-1', qty: '0.004' });
    const first = (await h.admin.state()).trades[0]!;
    await h.admin.post('fill', {
      symbol: S,
      clientOrderId: 'f-1',
      qty: '0.003',
      price: '58990',
      reuseTradeId: first.id,
    });
    await h.admin.post('fill', { symbol: S, clientOrderId: 'f-1', qty: '0.002', hidden: true });
    const listed = await h.exchange.fetchMyTrades(S);
    expect(listed.map((t) => [t.id, t.amount, t.price])).toEqual([
      [String(first.id), 0.004, 59000],
      [String(first.id), 0.003, 58990],
    ]);
    const view = await h.exchange.fetchOrder(undefined as unknown as string, S, { clientOrderId: 'f-1' });
    expect(view.filled).toBe(0.009);
    expect((await h.admin.post<{ revealed: number }>('reveal-trades')).revealed).toBe(1);
    expect((await h.exchange.fetchMyTrades(S)).map((t) => t.amount)).toEqual([0.004, 0.003, 0.002]);
    // an overfill: 0.001 remains, 0.005 fills; the order reports FILLED with more executed than ordered
    await h.admin.post('fill', { symbol: S, clientOrderId: 'f-1', qty: '0.005', overfill: true });
    const order = (await h.admin.state()).orders[0]!;
    expect([order.status, order.origQty, order.executedQty]).toEqual(['FILLED', '0.01', '0.014']);
  });
});
