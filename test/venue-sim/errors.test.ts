import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/venue-sim/server.js';
import { ccxt, ccxtForVenueSim, startVenueSimWithCcxt } from '../support/venue-sim.js';
import type { CcxtBinance, VenueSimHarness } from '../support/venue-sim.js';
import { openRawStream, rawRequest } from './raw-client.js';

const key = DEMO_CREDENTIALS.apiKey;
const secret = DEMO_CREDENTIALS.apiSecret;

/**
 * Binance's error answers: each case checks the raw HTTP reply (status, code, msg) and the ccxt error class
 * that unmodified ccxt raises for it, and that nothing changed at the venue.
 */
describe('venue simulator: errors as Binance answers them', () => {
  let h: VenueSimHarness;
  const S = 'BTC/USDT';
  const others: CcxtBinance[] = [];
  const client = (opts: Parameters<typeof ccxtForVenueSim>[1]) => {
    const c = ccxtForVenueSim(h.sim, opts);
    others.push(c);
    return c;
  };
  const order = { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01' };

  beforeAll(async () => {
    h = await startVenueSimWithCcxt({ seed: 3 });
    await h.exchange.loadMarkets();
  });
  afterAll(async () => {
    for (const c of others) await c.close();
    await h?.close();
  });

  it('bad signature: 400 -1022, ccxt AuthenticationError', async () => {
    const raw = await rawRequest(h.sim.url, 'GET', '/api/v3/account', {}, { apiKey: key, secret: 'wrong' });
    expect(raw.status).toBe(400);
    expect(raw.json).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
    const bad = client({ credentials: { apiKey: key, apiSecret: 'wrong-secret' } });
    await expect(bad.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    const post = await rawRequest(
      h.sim.url,
      'POST',
      '/api/v3/order',
      { ...order, price: '49000' },
      {
        apiKey: key,
        secret,
        signature: 'ab'.repeat(32),
      },
    );
    expect(post.json).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
    expect((await h.admin.state()).orders).toEqual([]);
  });

  it('missing or unknown API key: 401 -2014 / -2015, ccxt AuthenticationError', async () => {
    const none = await rawRequest(h.sim.url, 'GET', '/api/v3/account', {}, { secret });
    expect(none.status).toBe(401);
    expect(none.json).toEqual({ code: -2014, msg: 'API-key format invalid.' });
    const wrong = await rawRequest(h.sim.url, 'GET', '/api/v3/account', {}, { apiKey: 'nope', secret });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
    const bad = client({ credentials: { apiKey: 'other-key', apiSecret: secret } });
    await expect(bad.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
  });

  it('stale or future timestamp: 400 -1021, ccxt InvalidNonce', async () => {
    const stale = await rawRequest(
      h.sim.url,
      'GET',
      '/api/v3/account',
      {},
      {
        apiKey: key,
        secret,
        timestamp: Date.now() - 11_000,
        recvWindow: 10_000,
      },
    );
    expect(stale.status).toBe(400);
    expect(stale.json).toEqual({
      code: -1021,
      msg: 'Timestamp for this request is outside of the recvWindow.',
    });
    const ahead = await rawRequest(
      h.sim.url,
      'GET',
      '/api/v3/account',
      {},
      {
        apiKey: key,
        secret,
        timestamp: Date.now() + 5_000,
      },
    );
    expect(ahead.json).toEqual({
      code: -1021,
      msg: "Timestamp for this request was 1000ms ahead of the server's time.",
    });
    const late = client({ options: { timeDifference: 20_000 } }); // ccxt sends now - 20 s, recvWindow 10 s
    await expect(late.fetchBalance()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
    const early = client({ options: { timeDifference: -5_000 } });
    await expect(early.createOrder(S, 'limit', 'buy', 0.01, 49000)).rejects.toBeInstanceOf(ccxt.InvalidNonce);
    expect((await h.admin.state()).orders).toEqual([]);
  });

  it('unknown symbol: 400 -1121 "Invalid symbol.", ccxt BadSymbol', async () => {
    const pub = await rawRequest(h.sim.url, 'GET', '/api/v3/ticker/24hr', { symbol: 'FOOUSDT' });
    expect(pub.status).toBe(400);
    expect(pub.json).toEqual({ code: -1121, msg: 'Invalid symbol.' });
    const signed = await rawRequest(
      h.sim.url,
      'POST',
      '/api/v3/order',
      { ...order, symbol: 'FOOUSDT', price: '1' },
      {
        apiKey: key,
        secret,
      },
    );
    expect(signed.status).toBe(400);
    expect(signed.json).toEqual({ code: -1121, msg: 'Invalid symbol.' });
    await expect(h.exchange.publicGetTicker24hr({ symbol: 'FOOUSDT' })).rejects.toBeInstanceOf(
      ccxt.BadSymbol,
    );
    const sent = h.exchange.privatePostOrder({ ...order, symbol: 'FOOUSDT', price: '1' });
    await expect(sent).rejects.toBeInstanceOf(ccxt.BadSymbol);
  });

  it('a price off the tick size: 400 -1013 "Filter failure: PRICE_FILTER", ccxt InvalidOrder', async () => {
    const raw = await rawRequest(
      h.sim.url,
      'POST',
      '/api/v3/order',
      { ...order, price: '49000.005' },
      {
        apiKey: key,
        secret,
      },
    );
    expect(raw.status).toBe(400);
    expect(raw.json).toEqual({ code: -1013, msg: 'Filter failure: PRICE_FILTER' });
    const sent = h.exchange.privatePostOrder({ ...order, price: '49000.005', newClientOrderId: 'tick-1' });
    await expect(sent).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    // ccxt's own createOrder rounds to the tick first (binance-subset.md §1), so it is accepted.
    const rounded = await h.exchange.createOrder(S, 'limit', 'buy', 0.01, 49000.004, {
      clientOrderId: 'tick-2',
    });
    expect(rounded.price).toBe(49000);
    expect((await h.admin.state()).orders.map((o) => o.clientOrderId)).toEqual(['tick-2']);
  });

  it('quantity off the step, notional too small: -1013 LOT_SIZE (InvalidOrder), NOTIONAL (BadRequest)', async () => {
    const lot = await rawRequest(
      h.sim.url,
      'POST',
      '/api/v3/order',
      { ...order, quantity: '0.000015', price: '49000' },
      {
        apiKey: key,
        secret,
      },
    );
    expect(lot.json).toEqual({ code: -1013, msg: 'Filter failure: LOT_SIZE' });
    const small = { ...order, quantity: '0.0001', price: '40000' };
    const notional = await rawRequest(h.sim.url, 'POST', '/api/v3/order', small, { apiKey: key, secret });
    expect(notional.json).toEqual({ code: -1013, msg: 'Filter failure: NOTIONAL' });
    await expect(
      h.exchange.privatePostOrder({ ...order, quantity: '0.000015', price: '49000' }),
    ).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    await expect(h.exchange.privatePostOrder(small)).rejects.toBeInstanceOf(ccxt.BadRequest);
  });

  it('duplicate clientOrderId of an open order: 400 -2010 "Duplicate order sent.", ccxt InvalidOrder', async () => {
    await h.exchange.createOrder(S, 'limit', 'buy', 0.01, 48000, { clientOrderId: 'dup-1' });
    const raw = await rawRequest(
      h.sim.url,
      'POST',
      '/api/v3/order',
      { ...order, price: '48000', newClientOrderId: 'dup-1' },
      {
        apiKey: key,
        secret,
      },
    );
    expect(raw.status).toBe(400);
    expect(raw.json).toEqual({ code: -2010, msg: 'Duplicate order sent.' });
    const again = h.exchange.createOrder(S, 'limit', 'buy', 0.02, 47000, { clientOrderId: 'dup-1' });
    await expect(again).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    await expect(again).rejects.not.toBeInstanceOf(ccxt.DuplicateOrderId);
    const state = await h.admin.state();
    expect(state.orders.filter((o) => o.clientOrderId === 'dup-1')).toHaveLength(1);
    // Once the order is closed the id is free again (Binance's rule).
    await h.exchange.cancelOrder(undefined as unknown as string, S, { clientOrderId: 'dup-1' });
    const reused = await h.exchange.createOrder(S, 'limit', 'buy', 0.02, 47000, { clientOrderId: 'dup-1' });
    expect(reused).toMatchObject({ clientOrderId: 'dup-1', status: 'open', amount: 0.02 });
  });

  it('unknown orders: -2013 on query, -2011 on cancel, ccxt OrderNotFound', async () => {
    const q = await rawRequest(
      h.sim.url,
      'GET',
      '/api/v3/order',
      { symbol: 'BTCUSDT', origClientOrderId: 'nope' },
      {
        apiKey: key,
        secret,
      },
    );
    expect(q.json).toEqual({ code: -2013, msg: 'Order does not exist.' });
    const c = await rawRequest(
      h.sim.url,
      'DELETE',
      '/api/v3/order',
      { symbol: 'BTCUSDT', orderId: 999 },
      {
        apiKey: key,
        secret,
      },
    );
    expect(c.json).toEqual({ code: -2011, msg: 'Unknown order sent.' });
    const fetching = h.exchange.fetchOrder(undefined as unknown as string, S, { clientOrderId: 'nope' });
    await expect(fetching).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(h.exchange.cancelOrder('999', S)).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    // Cancelling a closed order is "unknown" too.
    await expect(
      h.exchange.cancelOrder(undefined as unknown as string, S, { clientOrderId: 'tick-2' }),
    ).resolves.toBeDefined();
    const twice = h.exchange.cancelOrder(undefined as unknown as string, S, { clientOrderId: 'tick-2' });
    await expect(twice).rejects.toBeInstanceOf(ccxt.OrderNotFound);
  });

  it('insufficient balance and post-only that would take: -2010, InsufficientFunds / OrderImmediatelyFillable', async () => {
    const big = h.exchange.createOrder(S, 'limit', 'buy', 100, 49000, { clientOrderId: 'big-1' });
    await expect(big).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    const raw = await rawRequest(
      h.sim.url,
      'POST',
      '/api/v3/order',
      { ...order, quantity: '500', price: '10000' },
      {
        apiKey: key,
        secret,
      },
    );
    expect(raw.json).toEqual({ code: -2010, msg: 'Account has insufficient balance for requested action.' });
    const maker = h.exchange.createOrder(S, 'limit', 'buy', 0.01, 51000, { postOnly: true });
    await expect(maker).rejects.toBeInstanceOf(ccxt.OrderImmediatelyFillable);
    const rest = await h.exchange.createOrder(S, 'limit', 'sell', 0.01, 51000, { postOnly: true });
    expect(rest).toMatchObject({ type: 'limit', status: 'open', postOnly: true });
  });

  it('WS API subscribe: bad signature -1022, unknown key -2015, stale timestamp -1021', async () => {
    const s = await openRawStream(h.sim.wsUrl);
    try {
      expect(await s.subscribe(key, 'wrong')).toMatchObject({
        status: 400,
        error: { code: -1022, msg: 'Signature for this request is not valid.' },
      });
      expect(await s.subscribe('nope', secret)).toMatchObject({ status: 401, error: { code: -2015 } });
      expect(await s.subscribe(key, secret, { timestamp: Date.now() - 60_000 })).toMatchObject({
        status: 400,
        error: { code: -1021 },
      });
      expect(await s.subscribe(key, secret)).toMatchObject({ status: 200, result: { subscriptionId: 0 } });
    } finally {
      s.close();
    }
  });
});
