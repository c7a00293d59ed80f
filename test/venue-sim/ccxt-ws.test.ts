import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order, Trade } from 'ccxt';
import { startVenueSimWithCcxt } from '../support/venue-sim.js';
import type { VenueSimHarness } from '../support/venue-sim.js';
import { waitUntil } from './wait.js';

/**
 * watchOrders / watchMyTrades of unmodified ccxt.pro.binance over the simulator's WS API
 * (userDataStream.subscribe.signature): each order change arrives as an executionReport that ccxt parses
 * into the same fields as REST. ccxt keeps parsed orders in `exchange.orders` and fills in
 * `exchange.myTrades` (updated in place), which the tests read once a watch resolved.
 */
describe('venue simulator: ccxt user-data stream', () => {
  let h: VenueSimHarness;
  const S = 'BTC/USDT';
  const cachedOrders = () => [...(h.exchange.orders as unknown as Order[])].map((o) => structuredClone(o));
  const cachedOrder = (cid: string) => cachedOrders().find((o) => o.clientOrderId === cid);
  const cachedTrades = () => [...(h.exchange.myTrades as unknown as Trade[])].map((t) => structuredClone(t));

  beforeAll(async () => {
    h = await startVenueSimWithCcxt({ seed: 11 });
  });
  afterAll(async () => h?.close());

  it('watchOrders resolves with a new order (NEW) as ccxt parses it', async () => {
    const watching = h.exchange.watchOrders(S);
    watching.catch(() => {});
    await waitUntil(async () => (await h.admin.get<{ subscribers: number }>('ws')).subscribers === 1);
    await h.exchange.createOrder(S, 'limit', 'buy', 0.01, 49000, { clientOrderId: 'ws-1' });
    const orders = await watching;
    expect(orders).toHaveLength(1);
    expect(structuredClone(orders[0])).toMatchObject({
      symbol: S,
      clientOrderId: 'ws-1',
      type: 'limit',
      side: 'buy',
      status: 'open',
      price: 49000,
      amount: 0.01,
      filled: 0,
      remaining: 0.01,
      timeInForce: 'GTC',
    });
    expect(orders[0]!.id).toMatch(/^\d+$/);
  });

  it('watchMyTrades resolves with a maker fill (TRADE); the order shows the partial fill', async () => {
    const trades = h.exchange.watchMyTrades(S);
    trades.catch(() => {});
    await h.admin.post('price', { symbol: S, price: '48999', fillQty: '0.004' });
    const got = await trades;
    expect(got).toHaveLength(1);
    expect(structuredClone(got[0])).toMatchObject({
      symbol: S,
      side: 'buy',
      type: 'limit',
      price: 49000,
      amount: 0.004,
      cost: 196,
      takerOrMaker: 'maker',
      fee: { currency: 'BTC', cost: 0.000004 },
    });
    await waitUntil(() => cachedOrder('ws-1')?.filled === 0.004);
    expect(cachedOrder('ws-1')).toMatchObject({
      status: 'open',
      filled: 0.004,
      remaining: 0.006,
      average: 49000,
      cost: 196,
      fee: { currency: 'BTC', cost: 0.000004 },
    });
    expect(got[0]!.order).toBe(cachedOrder('ws-1')!.id);
  });

  it('a REST cancel arrives as CANCELED carrying the original clientOrderId', async () => {
    const next = h.exchange.watchOrders(S);
    next.catch(() => {});
    await h.exchange.cancelOrder(undefined as unknown as string, S, { clientOrderId: 'ws-1' });
    await next;
    await waitUntil(() => cachedOrder('ws-1')?.status === 'canceled');
    expect(cachedOrder('ws-1')).toMatchObject({ status: 'canceled', filled: 0.004, remaining: 0.006 });
  });

  it('a market order arrives as NEW then TRADE: closed, filled, average, fee, taker trade', async () => {
    const next = h.exchange.watchMyTrades(S);
    next.catch(() => {});
    await h.exchange.createOrder(S, 'market', 'sell', 0.003, undefined, { clientOrderId: 'ws-mkt' });
    await next;
    await waitUntil(() => cachedOrder('ws-mkt')?.status === 'closed');
    expect(cachedOrder('ws-mkt')).toMatchObject({
      type: 'market',
      side: 'sell',
      status: 'closed',
      amount: 0.003,
      filled: 0.003,
      remaining: 0,
      average: 48998.99,
      cost: 146.99697,
      fee: { currency: 'USDT', cost: 0.14699697 },
    });
    const trades = cachedTrades();
    expect(trades).toHaveLength(2);
    expect(trades[1]).toMatchObject({
      side: 'sell',
      takerOrMaker: 'taker',
      amount: 0.003,
      price: 48998.99,
      fee: { currency: 'USDT', cost: 0.14699697 },
    });
    // The same fill through REST has the same id.
    const rest = await h.exchange.fetchMyTrades(S);
    expect(rest.map((t) => t.id)).toEqual(trades.map((t) => t.id));
  });
});
