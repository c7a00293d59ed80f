import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec, fmt } from '../../src/domain/decimal.js';
import { DEMO_CREDENTIALS } from '../../src/venue-sim/server.js';
import { ccxt, startVenueSimWithCcxt } from '../support/venue-sim.js';
import type { VenueSimHarness } from '../support/venue-sim.js';
import { rawRequest } from './raw-client.js';
import { waitUntil } from './wait.js';

const S = 'BTC/USDT';
const auth = { apiKey: DEMO_CREDENTIALS.apiKey, secret: DEMO_CREDENTIALS.apiSecret };

/** Matching rules, balance locks and order types, through ccxt and checked against the simulator's records. */
describe('venue simulator: matching and balances', () => {
  let h: VenueSimHarness;
  const bal = async (asset: string) => (await h.admin.state()).balances.find((b) => b.asset === asset);

  beforeAll(async () => {
    h = await startVenueSimWithCcxt({ seed: 13, balances: { USDT: '10000', BTC: '1' } });
    await h.exchange.loadMarkets();
  });
  afterAll(async () => h?.close());

  it('a crossing limit buy fills at the ask; the reserve at the limit price is released exactly', async () => {
    const o = await h.exchange.createOrder(S, 'limit', 'buy', 0.01, 50100, { clientOrderId: 'cross-1' });
    expect(o).toMatchObject({ status: 'closed', filled: 0.01, average: 50000.01, price: 50100 });
    expect(await bal('USDT')).toEqual({
      asset: 'USDT',
      free: fmt(new Dec('10000').minus('500.0001')),
      locked: '0',
    });
    expect(await bal('BTC')).toEqual({ asset: 'BTC', free: '1.00999', locked: '0' });
  });

  it('IOC: expires when it does not cross (ccxt "expired"), fills when it does', async () => {
    const miss = await h.exchange.createOrder(S, 'limit', 'sell', 0.01, 50500, { timeInForce: 'IOC' });
    expect(miss).toMatchObject({ status: 'expired', filled: 0, remaining: 0.01, timeInForce: 'IOC' });
    const hit = await h.exchange.createOrder(S, 'limit', 'sell', 0.01, 49000, { timeInForce: 'IOC' });
    expect(hit).toMatchObject({ status: 'closed', filled: 0.01, average: 49999.99 });
    expect(await bal('BTC')).toEqual({ asset: 'BTC', free: '0.99999', locked: '0' });
  });

  it('a resting sell locks base; a price move through it fills it as maker, proceeds net of commission', async () => {
    await h.exchange.createOrder(S, 'limit', 'sell', 0.5, 50200, { clientOrderId: 'ask-1' });
    expect(await bal('BTC')).toEqual({ asset: 'BTC', free: '0.49999', locked: '0.5' });
    const usdt = new Dec((await bal('USDT'))!.free);
    await h.admin.post('price', { symbol: S, price: '50250' });
    const o = await h.exchange.fetchOrder(undefined as unknown as string, S, { clientOrderId: 'ask-1' });
    expect(o).toMatchObject({ status: 'closed', filled: 0.5, average: 50200 });
    // 0.5 × 50200 = 25100, commission 0.1% = 25.1 USDT.
    expect(await bal('USDT')).toEqual({
      asset: 'USDT',
      free: fmt(usdt.plus('25100').minus('25.1')),
      locked: '0',
    });
    expect(await bal('BTC')).toEqual({ asset: 'BTC', free: '0.49999', locked: '0' });
  });

  it('market order limits: MARKET_LOT_SIZE above the market maximum, insufficient base on a sell', async () => {
    await expect(h.exchange.createOrder(S, 'market', 'buy', 101)).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    await expect(h.exchange.createOrder(S, 'market', 'sell', 0.6)).rejects.toBeInstanceOf(
      ccxt.InsufficientFunds,
    );
  });

  it('newOrderRespType ACK and RESULT shapes; LIMIT without timeInForce is -1102', async () => {
    const base = {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.001',
      price: '40000',
    };
    const ack = await rawRequest(
      h.sim.url,
      'POST',
      '/api/v3/order',
      { ...base, newOrderRespType: 'ACK' },
      auth,
    );
    expect(Object.keys(ack.json as object).sort()).toEqual(
      ['clientOrderId', 'orderId', 'orderListId', 'symbol', 'transactTime'].sort(),
    );
    const result = await rawRequest(
      h.sim.url,
      'POST',
      '/api/v3/order',
      { ...base, newOrderRespType: 'RESULT' },
      auth,
    );
    expect(result.json).toMatchObject({ status: 'NEW', price: '40000.00000000', origQty: '0.00100000' });
    expect(result.json).not.toHaveProperty('fills');
    const { timeInForce: _tif, ...noTif } = base;
    const bad = await rawRequest(h.sim.url, 'POST', '/api/v3/order', noTif, auth);
    expect(bad.json).toEqual({
      code: -1102,
      msg: "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
    });
  });

  it('the seeded walk fills a resting order in partial steps, all maker at its price', async () => {
    const { mid } = (await h.admin.state()).prices['BTCUSDT']!;
    const price = fmt(new Dec(mid).minus('0.01'));
    const o = await h.exchange.createOrder(S, 'limit', 'buy', 0.01, Number(price), {
      clientOrderId: 'walk-1',
    });
    for (let i = 0; i < 500 && (await h.exchange.fetchOrder(o.id!, S)).status === 'open'; i++) {
      await h.admin.post('tick');
    }
    const trades = (await h.admin.state()).trades.filter((t) => t.clientOrderId === 'walk-1');
    expect(trades.length).toBeGreaterThan(1); // seed 13: several partial fills
    expect(trades.every((t) => t.isMaker && t.price === price)).toBe(true);
    const filled = trades.reduce((a, t) => a.plus(t.qty), new Dec('0'));
    const fetched = await h.exchange.fetchOrder(o.id!, S);
    expect(fmt(filled)).toBe('0.01');
    expect(fetched).toMatchObject({ status: 'closed', filled: 0.01, remaining: 0, average: Number(price) });
  });

  it('with tickMs > 0 the price walks on its own', async () => {
    const moving = await startVenueSimWithCcxt({ seed: 4, tickMs: 10 });
    try {
      await waitUntil(
        async () => (await moving.exchange.fetchTicker(S)).last !== 50000,
        5000,
        'a price move',
      );
    } finally {
      await moving.close();
    }
  });
});
