import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVenueSimStore } from '../../src/persistence/venues/venue-sim-store.js';
import { startVenueSim } from '../../src/venue-sim/server.js';
import { ccxt, startVenueSimWithCcxt, venueSimAdmin } from '../support/venue-sim.js';
import type { VenueSimHarness, VenueSimState } from '../support/venue-sim.js';
import { tempDir } from '../support/tmp.js';

const S = 'BTC/USDT';

/** The simulator keeps its state in its own SQLite file: a restart on the same file resumes it exactly. */
describe('venue simulator: state survives a restart', () => {
  let h: VenueSimHarness;
  let before: VenueSimState;
  let restingId: string;

  beforeAll(async () => {
    h = await startVenueSimWithCcxt({ seed: 21 });
    const o = await h.exchange.createOrder(S, 'limit', 'buy', 0.01, 49000, { clientOrderId: 'persist-1' });
    restingId = o.id!;
    await h.admin.post('price', { symbol: S, price: '48999', fillQty: '0.004' });
    await h.exchange.createOrder('ETH/USDT', 'limit', 'sell', 1, 3100, { clientOrderId: 'persist-2' });
    await h.exchange.createOrder(S, 'market', 'sell', 0.001, undefined, { clientOrderId: 'persist-3' });
    before = await h.admin.state();
    await h.restart();
  });
  afterAll(async () => h?.close());

  it('orders, trades, balances and prices are the same after the restart', async () => {
    expect(await h.admin.state()).toEqual(before);
    expect(before.orders).toHaveLength(3);
    expect(before.trades).toHaveLength(2);
  });

  it('ccxt sees the same orders, fills and balances on the restarted simulator', async () => {
    const o = await h.exchange.fetchOrder(undefined as unknown as string, S, { clientOrderId: 'persist-1' });
    expect(o).toMatchObject({
      id: restingId,
      status: 'open',
      filled: 0.004,
      remaining: 0.006,
      average: 49000,
    });
    const trades = await h.exchange.fetchMyTrades(S);
    expect(trades.map((t) => [t.id, t.amount, t.takerOrMaker])).toEqual(
      before.trades
        .filter((t) => t.symbol === 'BTCUSDT')
        .map((t) => [String(t.id), Number(t.qty), t.isMaker ? 'maker' : 'taker']),
    );
    const balance = await h.exchange.fetchBalance();
    for (const b of before.balances)
      expect(balance[b.asset]).toMatchObject({ free: Number(b.free), used: Number(b.locked) });
  });

  it('an open clientOrderId is still a duplicate; new ids continue after the old ones', async () => {
    const dup = h.exchange.createOrder(S, 'limit', 'buy', 0.01, 48000, { clientOrderId: 'persist-1' });
    await expect(dup).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    const next = await h.exchange.createOrder(S, 'limit', 'buy', 0.01, 48000, { clientOrderId: 'persist-4' });
    expect(Number(next.id)).toBeGreaterThan(Math.max(...before.orders.map((o) => o.orderId)));
  });

  it('a resting order from before the restart fills afterwards and balances follow', async () => {
    await h.admin.post('price', { symbol: S, price: '48990' });
    const o = await h.exchange.fetchOrder(restingId, S);
    expect(o).toMatchObject({ status: 'closed', filled: 0.01, remaining: 0, average: 49000 });
    const after = await h.admin.state();
    expect(after.trades).toHaveLength(3);
    const btc = after.balances.find((b) => b.asset === 'BTC');
    // 100 + 0.004 + 0.006 bought (less 0.1% commission each) - 0.001 sold.
    expect(btc).toEqual({ asset: 'BTC', free: '100.00899', locked: '0' });
  });

  it('the file is readable with the store API after close', async () => {
    await h.sim.close();
    const store = openVenueSimStore(h.dbPath);
    try {
      expect(store.everyOrder().map((o) => o.clientOrderId)).toEqual([
        'persist-1',
        'persist-2',
        'persist-3',
        'persist-4',
      ]);
      expect(store.everyTrade()).toHaveLength(3);
    } finally {
      store.close();
    }
    await h.restart(); // leaves a running simulator for afterAll
  });
});

describe('venue simulator: the seeded price walk resumes where it stopped', () => {
  it('3 steps, restart, 3 steps = 6 steps on a fresh file with the same seed', async () => {
    const tmp = tempDir('venue-sim-walk');
    try {
      const run = async (file: string, steps: number) => {
        const sim = await startVenueSim({ dbPath: path.join(tmp.dir, file), seed: 99 });
        const admin = venueSimAdmin(() => sim.url);
        let prices: unknown;
        for (let i = 0; i < steps; i++) prices = await admin.post('tick');
        await sim.close();
        return prices;
      };
      await run('a.db', 3);
      const resumed = await run('a.db', 3);
      const straight = await run('b.db', 6);
      expect(resumed).toEqual(straight);
      expect((resumed as Record<string, { mid: string }>)['BTCUSDT']!.mid).not.toBe('50000');
    } finally {
      tmp.cleanup();
    }
  });
});
