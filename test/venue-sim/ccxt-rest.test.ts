import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec, fmt } from '../../src/domain/decimal.js';
import { startVenueSimWithCcxt } from '../support/venue-sim.js';
import type { VenueSimHarness } from '../support/venue-sim.js';

/**
 * Unmodified ccxt.pro.binance against the simulator over real HTTP: every REST call the engine uses, with
 * the parsed results asserted field by field. One simulator for the file; the steps build on each other.
 */
describe('venue simulator: ccxt REST calls', () => {
  let h: VenueSimHarness;
  const S = 'BTC/USDT';
  const balance = async (asset: string) => {
    const b = await h.exchange.fetchBalance();
    const row = (b.info as { balances: { asset: string; free: string; locked: string }[] }).balances.find(
      (x) => x.asset === asset,
    );
    return {
      free: fmt(new Dec(row?.free ?? '0')),
      locked: fmt(new Dec(row?.locked ?? '0')),
      parsed: b[asset],
    };
  };

  beforeAll(async () => {
    h = await startVenueSimWithCcxt({ seed: 7, balances: { USDT: '100000', BTC: '2' } });
  });
  afterAll(async () => h?.close());

  it('loadMarkets: one spot market per symbol with Binance filters as ccxt precision and limits', async () => {
    const markets = await h.exchange.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
    const m = markets[S]!;
    expect(m).toMatchObject({ id: 'BTCUSDT', base: 'BTC', quote: 'USDT', spot: true, active: true });
    expect(m.precision).toMatchObject({ amount: 0.00001, price: 0.01 });
    expect(m.limits.amount).toEqual({ min: 0.00001, max: 9000 });
    expect(m.limits.price).toEqual({ min: 0.01, max: 1000000 });
    expect(m.limits.cost).toEqual({ min: 5, max: 9000000 });
  });

  it('fetchTicker and fetchOrderBook: the touch one tick either side of the mid', async () => {
    const t = await h.exchange.fetchTicker(S);
    expect(t).toMatchObject({ symbol: S, last: 50000, bid: 49999.99, ask: 50000.01, open: 50000 });
    expect(t.timestamp).toBeGreaterThan(0);
    const book = await h.exchange.fetchOrderBook(S, 5);
    expect(book.bids).toHaveLength(5);
    expect(book.asks).toHaveLength(5);
    expect(book.bids[0]![0]).toBe(49999.99);
    expect(book.asks[0]![0]).toBe(50000.01);
    expect(book.bids[1]![0]).toBe(49999.98);
    expect(book.nonce).toBeGreaterThan(0);
  });

  it('createOrder limit with clientOrderId rests: open, nothing filled, quote locked', async () => {
    const o = await h.exchange.createOrder(S, 'limit', 'buy', 0.01, 49000, { clientOrderId: 'rest-1' });
    expect(o).toMatchObject({
      symbol: S,
      clientOrderId: 'rest-1',
      type: 'limit',
      side: 'buy',
      status: 'open',
      price: 49000,
      amount: 0.01,
      filled: 0,
      remaining: 0.01,
      cost: 0,
      timeInForce: 'GTC',
    });
    expect(o.id).toMatch(/^\d+$/);
    expect(o.average).toBeUndefined();
    expect(o.fee).toBeUndefined();
    expect(o.trades).toEqual([]);
    expect(await balance('USDT')).toMatchObject({ free: '99510', locked: '490' });
  });

  it('fetchOrder by clientOrderId and by id after a partial maker fill', async () => {
    await h.admin.post('price', { symbol: S, price: '48999', fillQty: '0.004' });
    const byCid = await h.exchange.fetchOrder(undefined as unknown as string, S, { clientOrderId: 'rest-1' });
    expect(byCid).toMatchObject({
      clientOrderId: 'rest-1',
      status: 'open',
      filled: 0.004,
      remaining: 0.006,
      average: 49000,
      cost: 196,
      amount: 0.01,
    });
    expect(byCid.info).toMatchObject({ executedQty: '0.00400000', status: 'PARTIALLY_FILLED' });
    const byId = await h.exchange.fetchOrder(byCid.id!, S);
    expect(byId).toMatchObject({ id: byCid.id, clientOrderId: 'rest-1', filled: 0.004 });
  });

  it('fetchMyTrades: the maker fill with its base-asset commission', async () => {
    const trades = await h.exchange.fetchMyTrades(S);
    expect(trades).toHaveLength(1);
    const t = trades[0]!;
    expect(t).toMatchObject({
      symbol: S,
      side: 'buy',
      price: 49000,
      amount: 0.004,
      cost: 196,
      takerOrMaker: 'maker',
      fee: { currency: 'BTC', cost: 0.000004 },
    });
    expect(t.order).toBe((await h.exchange.fetchOpenOrders(S))[0]!.id);
    expect(t.id).toMatch(/^\d+$/);
  });

  it('fetchOpenOrders with and without a symbol', async () => {
    await h.exchange.createOrder('ETH/USDT', 'limit', 'sell', 0.5, 3000.5, { clientOrderId: 'eth-1' });
    const btc = await h.exchange.fetchOpenOrders(S);
    expect(btc.map((o) => [o.clientOrderId, o.status, o.filled])).toEqual([['rest-1', 'open', 0.004]]);
    const all = await h.exchange.fetchOpenOrders();
    expect(all.map((o) => o.clientOrderId).sort()).toEqual(['eth-1', 'rest-1']);
    const book = await h.exchange.fetchOrderBook('ETH/USDT', 200);
    expect(book.asks.find((l) => l[0] === 3000.5)?.[1]).toBeGreaterThan(0.5);
  });

  it('cancelOrder by clientOrderId: canceled, keeps the fill, releases the rest of the lock', async () => {
    const c = await h.exchange.cancelOrder(undefined as unknown as string, S, { clientOrderId: 'rest-1' });
    expect(c).toMatchObject({ status: 'canceled', filled: 0.004, remaining: 0.006, amount: 0.01 });
    expect((c.info as Record<string, unknown>)['origClientOrderId']).toBe('rest-1');
    expect(c.clientOrderId).not.toBe('rest-1'); // Binance: the cancel request's own id
    expect(await balance('USDT')).toMatchObject({ free: '99804', locked: '0' });
    expect(await balance('BTC')).toMatchObject({ free: '2.003996', locked: '0' });
    const again = await h.exchange.fetchOrder(undefined as unknown as string, S, { clientOrderId: 'rest-1' });
    expect(again).toMatchObject({ status: 'canceled', clientOrderId: 'rest-1', filled: 0.004 });
  });

  it('createOrder market buy fills at the ask as taker; balances move with the fill', async () => {
    const o = await h.exchange.createOrder(S, 'market', 'buy', 0.01, undefined, { clientOrderId: 'mkt-1' });
    expect(o).toMatchObject({
      clientOrderId: 'mkt-1',
      type: 'market',
      status: 'closed',
      amount: 0.01,
      filled: 0.01,
      remaining: 0,
      average: 48999.01,
      price: 48999.01,
      cost: 489.9901,
      fee: { currency: 'BTC', cost: 0.00001 },
    });
    expect(o.trades).toHaveLength(1);
    expect(await balance('USDT')).toMatchObject({
      free: fmt(new Dec('99804').minus('489.9901')),
      locked: '0',
    });
    expect(await balance('BTC')).toMatchObject({ free: '2.013986' });
    const trades = await h.exchange.fetchMyTrades(S);
    expect(trades.at(-1)).toMatchObject({
      side: 'buy',
      takerOrMaker: 'taker',
      amount: 0.01,
      price: 48999.01,
    });
  });

  it('createMarketBuyOrderWithCost sends quoteOrderQty; a market sell pays commission in quote', async () => {
    const o = await h.exchange.createMarketBuyOrderWithCost(S, 100);
    expect(o).toMatchObject({ status: 'closed', filled: 0.00204, remaining: 0 });
    expect((o.info as Record<string, unknown>)['origQuoteOrderQty']).toBe('100.00000000');
    const s = await h.exchange.createOrder(S, 'market', 'sell', 0.002, undefined, { clientOrderId: 'mkt-2' });
    expect(s).toMatchObject({ status: 'closed', filled: 0.002, average: 48998.99 });
    expect(s.fee).toEqual({ currency: 'USDT', cost: 0.09799798 });
  });

  it('fetchOrders (allOrders) and cancelAllOrders', async () => {
    const all = await h.exchange.fetchOrders(S);
    expect(all.map((o) => [o.clientOrderId, o.status])).toEqual([
      ['rest-1', 'canceled'],
      ['mkt-1', 'closed'],
      [all[2]!.clientOrderId, 'closed'],
      ['mkt-2', 'closed'],
    ]);
    const canceled = await h.exchange.cancelAllOrders('ETH/USDT');
    expect(canceled).toHaveLength(1);
    expect(canceled[0]).toMatchObject({ status: 'canceled' });
    expect(await h.exchange.fetchOpenOrders()).toEqual([]);
  });

  it('fetchBalance matches the simulator records exactly', async () => {
    const state = await h.admin.state();
    const b = await h.exchange.fetchBalance();
    for (const row of state.balances) {
      expect(b[row.asset]).toMatchObject({ free: Number(row.free), used: Number(row.locked) });
    }
    // Conservation: USDT spent = cost of buys - proceeds of sells + quote commission.
    const usdt = state.trades.reduce((acc, t) => {
      const q = new Dec(t.quoteQty);
      const fee = t.commissionAsset === 'USDT' ? new Dec(t.commission) : new Dec('0');
      return t.side === 'BUY' ? acc.minus(q) : acc.plus(q).minus(fee);
    }, new Dec('100000'));
    expect(state.balances.find((x) => x.asset === 'USDT')?.free).toBe(fmt(usdt));
  });
});
