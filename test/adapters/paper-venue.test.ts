import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SimulatedClock } from 'xstate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dec, fmt } from '../../src/domain/decimal.js';
import { createPaperVenue } from '../../src/adapters/paper/paper-venue.js';
import type { PaperMarket, PaperVenue } from '../../src/adapters/paper/paper-venue.js';
import type { PaperVenueOptions } from '../../src/adapters/paper/paper-venue-options.js';
import { FaultPlan } from '../../src/adapters/paper/fault-plan.js';
import { Rng, deriveSeed } from '../../src/adapters/paper/rng.js';
import { stepWalk } from '../../src/adapters/paper/price-feed.js';
import { VenueError } from '../../src/adapters/venue.js';
import type { PlaceOrderRequest, VenueEvent, VenueFill, VenueOrder } from '../../src/adapters/venue.js';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import type { PaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';

const SYMBOL = 'BTC/USDT';
const MARKET: PaperMarket = {
  symbol: SYMBOL,
  initialPrice: '100',
  tickSize: '0.1',
  stepSize: '0.001',
  minQuantity: '0.001',
  minNotional: '5',
};
const TICK_MS = 100;

let dir: string;
let dbPath: string;
let clock: SimulatedClock;
const venues: PaperVenue[] = [];
const stores: PaperVenueStore[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steadfast-paper-venue-'));
  dbPath = path.join(dir, 'venue.sqlite');
  clock = new SimulatedClock();
});

afterEach(async () => {
  for (const v of venues.splice(0)) await v.close();
  for (const s of stores.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(options: Partial<PaperVenueOptions> = {}): PaperVenue {
  const venue = createPaperVenue({ dbPath, seed: 42, clock, markets: [MARKET], tickMs: TICK_MS, ...options });
  venues.push(venue);
  return venue;
}

/** A second connection to the venue's file, as a tool would open it. */
function inspect(): PaperVenueStore {
  const store = openPaperVenueStore(dbPath);
  stores.push(store);
  return store;
}

/** Lets pending microtasks (zero-latency replies and updates) run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) clock.increment(TICK_MS);
  await flush();
}

async function venueError(promise: Promise<unknown>): Promise<VenueError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(VenueError);
    return err as VenueError;
  }
  throw new Error('expected a VenueError');
}

function collect(venue: PaperVenue): VenueEvent[] {
  const events: VenueEvent[] = [];
  venue.subscribe((e) => events.push(e as VenueEvent));
  return events;
}

const limit = (id: string, side: 'buy' | 'sell', price: string, quantity = '0.1'): PlaceOrderRequest => ({
  clientOrderId: id,
  symbol: SYMBOL,
  side,
  type: 'limit',
  price,
  quantity,
});
const market = (id: string, side: 'buy' | 'sell', quantity = '0.1'): PlaceOrderRequest => ({
  clientOrderId: id,
  symbol: SYMBOL,
  side,
  type: 'market',
  quantity,
});

const withoutTime = ({ updatedAt: _u, ...o }: VenueOrder) => o;

describe('PaperVenue: orders and matching', () => {
  it('acknowledges a resting limit order and reports it everywhere', async () => {
    const venue = open();
    const events = collect(venue);
    clock.increment(7);
    const order = await venue.placeOrder(limit('a1', 'buy', '99.5'));
    expect(order).toEqual({
      clientOrderId: 'a1',
      venueOrderId: '1',
      symbol: SYMBOL,
      side: 'buy',
      type: 'limit',
      price: '99.5',
      quantity: '0.1',
      filledQuantity: '0',
      status: 'open',
      updatedAt: 7,
    });
    expect(await venue.fetchOrder({ clientOrderId: 'a1', symbol: SYMBOL })).toEqual(order);
    expect(await venue.fetchOpenOrders(SYMBOL)).toEqual([order]);
    expect(await venue.fetchTicker(SYMBOL)).toEqual({
      symbol: SYMBOL,
      bid: '99.9',
      ask: '100.1',
      last: '100',
      at: 7,
    });
    expect(await venue.loadMarkets()).toEqual([
      {
        symbol: SYMBOL,
        base: 'BTC',
        quote: 'USDT',
        tickSize: '0.1',
        stepSize: '0.001',
        minQuantity: '0.001',
        minNotional: '5',
      },
    ]);
    await flush();
    expect(events).toEqual([{ kind: 'order', order }]);
    expect(
      inspect()
        .requests()
        .map((r) => [r.kind, r.outcome]),
    ).toEqual([
      ['place', 'accepted'],
      ['fetchOrder', 'found'],
      ['fetchOpenOrders', 'ok'],
      ['fetchTicker', 'ok'],
      ['loadMarkets', 'ok'],
    ]);
  });

  it('fills a resting limit partially, then fully, as maker at its price', async () => {
    const venue = open();
    const events = collect(venue);
    venue.start();
    await venue.placeOrder(limit('r1', 'buy', '100')); // mid 100, ask 100.1: rests
    const seen: string[] = [];
    for (let i = 0; i < 200; i++) {
      await ticks(1);
      const o = await venue.fetchOrder({ clientOrderId: 'r1', symbol: SYMBOL });
      if (o && o.filledQuantity !== seen.at(-1)) seen.push(o.filledQuantity);
      if (o?.status === 'filled') break;
    }
    const trades = await venue.fetchMyTrades(SYMBOL, 0);
    expect(trades.length).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)).toBe('0.1');
    expect(fmt(trades.reduce((sum, t) => sum.plus(t.quantity), new Dec('0')))).toBe('0.1');
    for (const t of trades) {
      expect(t).toMatchObject({ price: '100', liquidity: 'maker', feeCurrency: 'USDT', side: 'buy' });
      expect(t.fee).toBe(fmt(new Dec(t.quantity).times('100').times('0.0001')));
    }
    const statuses = events.flatMap((e) => (e.kind === 'order' ? [e.order.status] : []));
    expect(statuses[0]).toBe('open');
    expect(statuses).toContain('partiallyFilled');
    expect(statuses.at(-1)).toBe('filled');
    expect(events.filter((e) => e.kind === 'fill').map((e) => (e as { fill: VenueFill }).fill)).toEqual(
      trades,
    );
  });

  it('fills a crossing limit and a market order at once, fully, as taker at the touch', async () => {
    const venue = open();
    const buy = await venue.placeOrder(limit('c1', 'buy', '101'));
    expect(buy).toMatchObject({ status: 'filled', filledQuantity: '0.1', price: '101' });
    const sell = await venue.placeOrder(market('m1', 'sell', '0.2'));
    expect(sell).toMatchObject({ status: 'filled', filledQuantity: '0.2', price: null, type: 'market' });
    const trades = await venue.fetchMyTrades(SYMBOL, 0);
    expect(trades.map(({ at: _a, ...t }) => t)).toEqual([
      {
        tradeId: '1',
        clientOrderId: 'c1',
        venueOrderId: '1',
        symbol: SYMBOL,
        side: 'buy',
        price: '100.1',
        quantity: '0.1',
        fee: '0.005005',
        feeCurrency: 'USDT',
        liquidity: 'taker',
      },
      {
        tradeId: '2',
        clientOrderId: 'm1',
        venueOrderId: '2',
        symbol: SYMBOL,
        side: 'sell',
        price: '99.9',
        quantity: '0.2',
        fee: '0.00999',
        feeCurrency: 'USDT',
        liquidity: 'taker',
      },
    ]);
  });

  it('uses the configured fee rates', async () => {
    const venue = open({ takerFeeBps: '10' });
    await venue.placeOrder(market('f1', 'buy', '0.3'));
    expect((await venue.fetchMyTrades(SYMBOL, 0))[0]?.fee).toBe('0.03003');
  });

  it('refuses a clientOrderId that is open, accepts it again once closed', async () => {
    const venue = open();
    const first = await venue.placeOrder(limit('d1', 'buy', '99'));
    const dup = await venueError(venue.placeOrder(limit('d1', 'sell', '101')));
    expect(dup.kind).toBe('duplicate');
    expect(dup.message).toBe('clientOrderId: d1 is already open as venue order 1');
    await venue.cancelOrder({ clientOrderId: 'd1', symbol: SYMBOL });
    const again = await venue.placeOrder(limit('d1', 'buy', '98'));
    expect(again.venueOrderId).toBe('2');
    expect(await venue.fetchOrder({ clientOrderId: 'd1', symbol: SYMBOL })).toEqual(again);
    expect(await venue.fetchOrder({ clientOrderId: 'd1', symbol: SYMBOL, venueOrderId: '1' })).toMatchObject({
      ...withoutTime(first),
      status: 'cancelled',
    });
  });

  it('refuses a request that reaches the venue after requestWindowMs, storing nothing', async () => {
    const venue = open({ latencyMs: { min: 10, max: 10 } });
    let settled = false;
    const p = venue.placeOrder(limit('w1', 'buy', '99'));
    void p.catch(() => {}).finally(() => (settled = true));
    clock.increment(5011); // arrives at 5011 > 0 + 5000
    await flush();
    expect(settled).toBe(false); // the reply is still on its way back
    clock.increment(10);
    const err = await venueError(p);
    expect(err.kind).toBe('rejected');
    expect(err.message).toBe('request outside recvWindow: sent at 0, arrived at 5011, window 5000 ms');
    const store = inspect();
    expect(store.allOrders()).toEqual([]);
    expect(store.requests().map((r) => [r.outcome, r.at])).toEqual([['expired', 5011]]);
  });

  it('accepts a request that arrives just inside the window', async () => {
    const venue = open({ latencyMs: { min: 5000, max: 5000 } });
    const p = venue.placeOrder(limit('w2', 'buy', '99'));
    clock.increment(5000);
    await flush();
    clock.increment(5000);
    expect(await p).toMatchObject({ status: 'open', updatedAt: 5000 });
  });

  it.each([
    [limit('v1', 'buy', '100.05'), 'price: must be a multiple of tickSize 0.1, got 100.05'],
    [limit('v2', 'buy', '99', '0.0015'), 'quantity: must be a multiple of stepSize 0.001, got 0.0015'],
    [limit('v3', 'buy', '99', '0.01'), 'notional: price × quantity 0.99 must be >= minNotional 5'],
    [{ ...limit('v4', 'buy', '99'), symbol: 'ETH/USDT' }, 'symbol: unknown symbol "ETH/USDT"'],
    [{ ...limit('v5', 'buy', '99'), price: undefined }, 'price: required for limit orders'],
    [market('v6', 'buy', '0'), 'quantity: must be a positive decimal string, got "0"'],
  ])('rejects an invalid order naming the field (%#)', async (request, message) => {
    const venue = open({ markets: [{ ...MARKET, minQuantity: '0.001' }] });
    const err = await venueError(venue.placeOrder(request));
    expect(err.kind).toBe('rejected');
    expect(err.message).toBe(message);
    expect(inspect().allOrders()).toEqual([]);
  });

  it('cancels idempotently and reports unknown orders as notFound', async () => {
    const venue = open();
    await venue.placeOrder(limit('x1', 'sell', '105'));
    const cancelled = await venue.cancelOrder({ clientOrderId: 'x1', symbol: SYMBOL });
    expect(cancelled).toMatchObject({ status: 'cancelled', filledQuantity: '0' });
    clock.increment(50);
    expect(await venue.cancelOrder({ clientOrderId: 'x1', symbol: SYMBOL })).toEqual(cancelled);
    await venue.placeOrder(market('x2', 'buy'));
    expect(await venue.cancelOrder({ clientOrderId: 'x2', symbol: SYMBOL })).toMatchObject({
      status: 'filled',
    });
    const err = await venueError(venue.cancelOrder({ clientOrderId: 'nope', symbol: SYMBOL }));
    expect(err.kind).toBe('notFound');
    expect(await venue.fetchOrder({ clientOrderId: 'nope', symbol: SYMBOL })).toBeNull();
    const outcomes = inspect()
      .requests()
      .filter((r) => r.kind === 'cancel')
      .map((r) => r.outcome);
    expect(outcomes).toEqual(['cancelled', 'alreadyClosed', 'alreadyClosed', 'notFound']);
  });

  it('fails in-flight calls with unknown on close, and every later call', async () => {
    const venue = open({ latencyMs: { min: 10, max: 10 } });
    const inFlight = venue.placeOrder(limit('z1', 'buy', '99'));
    await venue.close();
    expect((await venueError(inFlight)).kind).toBe('unknown');
    expect((await venueError(venue.fetchOpenOrders())).kind).toBe('unknown');
    expect(() => venue.start()).toThrow(VenueError);
  });

  it('returns trades at or after sinceMs, oldest first', async () => {
    const venue = open();
    await venue.placeOrder(market('t1', 'buy'));
    clock.increment(1000);
    await venue.placeOrder(market('t2', 'buy'));
    await venue.placeOrder(market('t3', 'sell'));
    expect((await venue.fetchMyTrades(SYMBOL, 0)).map((t) => [t.tradeId, t.at])).toEqual([
      ['1', 0],
      ['2', 1000],
      ['3', 1000],
    ]);
    expect((await venue.fetchMyTrades(SYMBOL, 1000)).map((t) => t.clientOrderId)).toEqual(['t2', 't3']);
    expect(await venue.fetchMyTrades(SYMBOL, 1001)).toEqual([]);
  });
});

describe('PaperVenue: durability', () => {
  it('survives close and reopen: same orders, trades and price; the walk continues', async () => {
    const first = open();
    first.start();
    await first.placeOrder(limit('p1', 'sell', '150'));
    await first.placeOrder(market('p2', 'buy'));
    await ticks(10);
    const orders = await first.fetchOpenOrders();
    const trades = await first.fetchMyTrades(SYMBOL, 0);
    const ticker = await first.fetchTicker(SYMBOL);
    await first.close();

    const second = open();
    expect(await second.fetchOpenOrders()).toEqual(orders);
    expect(await second.fetchMyTrades(SYMBOL, 0)).toEqual(trades);
    expect(await second.fetchTicker(SYMBOL)).toEqual(ticker);
    expect((await second.placeOrder(limit('p3', 'buy', '50'))).venueOrderId).toBe('3');
    second.start();
    await ticks(10);
    const resumed = inspect().marketStates();

    // The same walk without the restart.
    dbPath = path.join(dir, 'uninterrupted.sqlite');
    const straight = open();
    straight.start();
    const mids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await ticks(1);
      mids.add((await straight.fetchTicker(SYMBOL)).last);
    }
    const uninterrupted = inspect().marketStates();
    expect(resumed.map(({ updatedAt: _u, ...s }) => s)).toEqual(
      uninterrupted.map(({ updatedAt: _u, ...s }) => s),
    );
    expect(uninterrupted[0]?.tick).toBe(20);
    expect(mids.size).toBeGreaterThan(1);
  });

  it('keeps every committed order, trade and price when its process is SIGKILLed', async () => {
    const venueModule = path.resolve('src/adapters/paper/paper-venue.ts');
    const code = `
      const { createPaperVenue } = await import(${JSON.stringify(venueModule)});
      const { SimulatedClock } = await import('xstate');
      const clock = new SimulatedClock();
      const v = createPaperVenue({ dbPath: ${JSON.stringify(dbPath)}, seed: 42, clock,
        markets: [${JSON.stringify(MARKET)}], tickMs: ${TICK_MS} });
      await v.placeOrder({ clientOrderId: 'k1', symbol: '${SYMBOL}', side: 'buy', type: 'limit', price: '100', quantity: '0.5' });
      await v.placeOrder({ clientOrderId: 'k2', symbol: '${SYMBOL}', side: 'sell', type: 'market', quantity: '0.1' });
      v.start();
      for (let i = 0; i < 30; i++) clock.increment(${TICK_MS});
      const state = { open: await v.fetchOpenOrders(), trades: await v.fetchMyTrades('${SYMBOL}', 0),
        ticker: await v.fetchTicker('${SYMBOL}') };
      process.stdout.write(JSON.stringify(state) + '\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const before = JSON.parse(line) as { open: VenueOrder[]; trades: VenueFill[]; ticker: { last: string } };
    expect(before.trades.length).toBeGreaterThanOrEqual(2);

    const venue = open();
    expect(await venue.fetchOpenOrders()).toEqual(before.open);
    expect(await venue.fetchMyTrades(SYMBOL, 0)).toEqual(before.trades);
    expect((await venue.fetchTicker(SYMBOL)).last).toBe(before.ticker.last);
    expect(inspect().marketStates()[0]?.tick).toBe(30);
  });

  it('walks exactly as stepWalk predicts from the seed', async () => {
    const venue = open({ markets: [{ ...MARKET, volatilityTicks: 3 }] });
    venue.start();
    const rng = new Rng(deriveSeed(42, `walk:${SYMBOL}`));
    let expected = '100';
    for (let i = 0; i < 25; i++) {
      await ticks(1);
      expected = stepWalk(expected, { tickSize: '0.1', volatilityTicks: 3 }, rng);
      expect((await venue.fetchTicker(SYMBOL)).last).toBe(expected);
    }
  });

  it('runs the ticks owed when the clock jumps', async () => {
    const venue = open();
    venue.start();
    clock.increment(TICK_MS * 7 + 30);
    await flush();
    expect(inspect().marketStates()[0]?.tick).toBe(7);
    clock.increment(70);
    expect(inspect().marketStates()[0]?.tick).toBe(8);
  });
});

describe('PaperVenue: faults', () => {
  const outcomeOf = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
      return 'ok';
    } catch (err) {
      return err instanceof VenueError ? `${err.kind}:${err.message.split(':')[0]}` : 'other';
    }
  };

  async function faultSequence(seed: number, file: string): Promise<string[]> {
    dbPath = path.join(dir, file);
    const venue = open({ seed, faults: { failBeforeVenue: 0.2, timeoutAfterAccept: 0.2, reject: 0.2 } });
    const out: string[] = [];
    for (let i = 0; i < 40; i++) out.push(await outcomeOf(venue.placeOrder(market(`q${i}`, 'buy'))));
    return out;
  }

  it('draws the same faults for the same seed and calls', async () => {
    const a = await faultSequence(7, 'a.sqlite');
    const b = await faultSequence(7, 'b.sqlite');
    const c = await faultSequence(8, 'c.sqlite');
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(new Set(a)).toEqual(new Set(['ok', 'unknown:place', 'rejected:insufficient balance']));
    const plan1 = new FaultPlan(3, { dropUpdate: 0.5, lateUpdate: 0.5 });
    const plan2 = new FaultPlan(3, { dropUpdate: 0.5, lateUpdate: 0.5 });
    const draws = (p: FaultPlan) => Array.from({ length: 50 }, () => p.nextUpdate());
    expect(draws(plan2)).toEqual(draws(plan1));
  });

  it('validates the plan, naming the field', () => {
    expect(() => open({ faults: { reject: 2 } })).toThrow('faults.reject: must be a number in [0, 1], got 2');
    expect(() => open({ faults: { dropUpdate: -0.1 } })).toThrow('faults.dropUpdate');
  });

  it('validates the venue config, naming the field', () => {
    expect(() => open({ markets: [{ ...MARKET, tickSize: '0' }] })).toThrow(
      'markets[0].tickSize: must be a positive decimal string, got "0"',
    );
    expect(() => open({ markets: [MARKET, MARKET] })).toThrow('markets[1].symbol: duplicate symbol BTC/USDT');
    expect(() => open({ latencyMs: { min: 5, max: 1 } })).toThrow('latencyMs.max: must be >= latencyMs.min');
    expect(() => open({ makerFeeBps: '-1' })).toThrow('makerFeeBps: must be a non-negative decimal string');
    expect(fs.existsSync(dbPath)).toBe(false);
  });

  it('timeoutAfterAccept: the order lands at the venue while the caller gets unknown', async () => {
    const venue = open({ faults: { timeoutAfterAccept: 1 } });
    const events = collect(venue);
    const err = await venueError(venue.placeOrder(limit('to1', 'buy', '99')));
    expect(err.kind).toBe('unknown');
    expect(err.message).toBe("place: timed out waiting for the venue's reply (simulated)");
    const store = inspect();
    expect(store.allOrders().map((o) => [o.clientOrderId, o.status])).toEqual([['to1', 'open']]);
    expect(store.requests().map((r) => [r.outcome, r.replyLost])).toEqual([['accepted', true]]);
    await flush();
    expect(events.map((e) => e.kind)).toEqual(['order']);
  });

  it('failBeforeVenue: the venue never sees the call', async () => {
    const venue = open({ faults: { failBeforeVenue: 1 } });
    const err = await venueError(venue.placeOrder(market('fb1', 'buy')));
    expect(err.kind).toBe('unknown');
    const store = inspect();
    expect(store.allOrders()).toEqual([]);
    expect(store.allTrades()).toEqual([]);
    expect(store.requests().map((r) => r.outcome)).toEqual(['failedBeforeVenue']);
  });

  it('reject: the venue refuses a valid order and stores only the request', async () => {
    const venue = open({ faults: { reject: 1 } });
    const err = await venueError(venue.placeOrder(limit('rj1', 'buy', '99')));
    expect([err.kind, err.message]).toEqual(['rejected', 'insufficient balance']);
    expect(await venue.fetchOpenOrders()).toEqual([]);
    expect(inspect().requests()[0]).toMatchObject({ outcome: 'rejected', clientOrderId: 'rj1' });
  });
});

describe('PaperVenue: update stream', () => {
  it('delivers copies, in order, to every subscriber until it unsubscribes', async () => {
    const venue = open();
    const a = collect(venue);
    const b: VenueEvent[] = [];
    const unsubscribe = venue.subscribe((e) => b.push(e as VenueEvent));
    const order = await venue.placeOrder(market('s1', 'buy'));
    await flush();
    expect(a.map((e) => (e.kind === 'order' ? e.order.status : 'fill'))).toEqual(['open', 'fill', 'filled']);
    expect(b).toEqual(a);
    expect(b[2]).not.toBe(a[2]);
    expect(a[2]).toEqual({ kind: 'order', order });
    unsubscribe();
    await venue.placeOrder(market('s2', 'buy'));
    await flush();
    expect([a.length, b.length]).toEqual([6, 3]);
  });

  it('duplicateUpdate delivers each update twice', async () => {
    const venue = open({ faults: { duplicateUpdate: 1 } });
    const events = collect(venue);
    await venue.placeOrder(market('du1', 'buy'));
    await flush();
    const kinds = events.map((e) => (e.kind === 'order' ? e.order.status : 'fill'));
    expect(kinds).toEqual(['open', 'open', 'fill', 'fill', 'filled', 'filled']);
  });

  it('dropUpdate never delivers; fetchMyTrades fills the gap', async () => {
    const venue = open({ faults: { dropUpdate: 1 } });
    const events = collect(venue);
    await venue.placeOrder(market('dr1', 'buy'));
    clock.increment(10_000);
    await flush();
    expect(events).toEqual([]);
    expect((await venue.fetchMyTrades(SYMBOL, 0)).map((t) => t.clientOrderId)).toEqual(['dr1']);
  });

  it('lateUpdate delays updates up to maxLateMs and reorders them', async () => {
    const venue = open({ faults: { lateUpdate: 1, maxLateMs: 500 } });
    const events = collect(venue);
    await venue.placeOrder(market('l1', 'buy'));
    await venue.placeOrder(market('l2', 'sell'));
    await flush();
    expect(events).toEqual([]);
    clock.increment(500);
    await flush();
    const labels = events.map((e) =>
      e.kind === 'order'
        ? `${e.order.clientOrderId}:${e.order.status}`
        : e.kind === 'fill'
          ? `${e.fill.clientOrderId}:fill`
          : e.kind,
    );
    const emitted = ['l1:open', 'l1:fill', 'l1:filled', 'l2:open', 'l2:fill', 'l2:filled'];
    expect([...labels].sort()).toEqual([...emitted].sort());
    expect(labels).not.toEqual(emitted);
  });

  it('applies latency to updates without reordering them', async () => {
    const venue = open({ latencyMs: { min: 5, max: 50 } });
    const events = collect(venue);
    const p = venue.placeOrder(market('lt1', 'buy'));
    clock.increment(50);
    await flush();
    clock.increment(50);
    await p;
    await flush();
    expect(events.map((e) => (e.kind === 'order' ? e.order.status : 'fill'))).toEqual([
      'open',
      'fill',
      'filled',
    ]);
  });
});

describe('PaperVenue: request budget', () => {
  it('takes a token per call: cancels and lookups go first, a place that cannot have one soon is refused unsent', async () => {
    const venue = open({ budget: { requestsPerSecond: 1, burst: 2 } });
    await venue.placeOrder(limit('b1', 'buy', '99'));
    await venue.fetchTicker(SYMBOL);
    // The budget is empty for 1 s: a place does not queue that long (its request window would run).
    const refused = await venueError(venue.placeOrder(limit('b2', 'buy', '99')));
    expect([refused.kind, refused.retryAfterMs]).toEqual(['rateLimited', 1000]);
    expect(
      inspect()
        .requests()
        .map((r) => r.clientOrderId),
    ).toEqual(['b1', null]);
    // A read queued first and a cancel queued after it: the cancel leaves first, one per second.
    const served: string[] = [];
    const read = venue.fetchOpenOrders(SYMBOL).then(() => served.push('read'));
    const cancel = venue
      .cancelOrder({ clientOrderId: 'b1', symbol: SYMBOL })
      .then(() => served.push('cancel'));
    await flush();
    expect(served).toEqual([]);
    clock.increment(1000);
    await flush();
    expect(served).toEqual(['cancel']);
    clock.increment(1000);
    await Promise.all([read, cancel]);
    expect(served).toEqual(['cancel', 'read']);
  });
});

describe('PaperVenueStore: crossing candidates', () => {
  it('returns every open order a mid crosses (decided exactly), for seeded prices and mids', () => {
    const seed = 424242;
    const rng = new Rng(seed);
    const store = openPaperVenueStore(':memory:');
    try {
      for (let i = 0; i < 400; i += 1) {
        const price = `${rng.int(98, 102)}.${String(rng.int(0, 99)).padStart(2, '0')}`;
        store.insertOrder({
          clientOrderId: `c${i}`,
          symbol: 'BTC/USDT',
          side: rng.next() < 0.5 ? 'buy' : 'sell',
          type: 'limit',
          price,
          quantity: '1',
          filledQuantity: '0',
          status: 'open',
          createdAt: 0,
          updatedAt: 0,
        });
      }
      for (let k = 0; k < 200; k += 1) {
        const mid = `${rng.int(97, 103)}.${String(rng.int(0, 99)).padStart(2, '0')}`;
        const crossed = store
          .openOrders('BTC/USDT')
          .filter((o) => (o.side === 'buy' ? new Dec(mid).lte(o.price!) : new Dec(mid).gte(o.price!)))
          .map((o) => o.venueOrderId);
        const candidates = new Set(store.crossingCandidates('BTC/USDT', mid).map((o) => o.venueOrderId));
        const missed = crossed.filter((id) => !candidates.has(id));
        expect(missed, `seed ${seed}, mid ${mid}`).toEqual([]);
        expect(candidates.size, `seed ${seed}, mid ${mid}: the filter must filter`).toBeLessThan(400);
      }
    } finally {
      store.close();
    }
  });
});
