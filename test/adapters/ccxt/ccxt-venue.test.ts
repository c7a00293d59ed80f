import { afterEach, describe, expect, it } from 'vitest';
import { VenueError } from '../../../src/adapters/venue.js';
import type { VenueEvent, VenueFill, VenueOrder } from '../../../src/adapters/venue.js';
import { startVenueOnSim } from '../../support/ccxt-venue.js';
import { executionReport } from '../../support/venue-sim.js';
import { waitFor } from '../../support/wait.js';
import type { VenueOnSim } from '../../support/ccxt-venue.js';

let h: VenueOnSim | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const limit = (clientOrderId: string, side: 'buy' | 'sell', price: string, quantity = '0.001') => ({
  clientOrderId,
  symbol: 'BTC/USDT',
  side,
  type: 'limit' as const,
  price,
  quantity,
});

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<VenueError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VenueError);
    return err as VenueError;
  }
  throw new Error('expected a VenueError, the call succeeded');
}

const fills = (events: VenueEvent[]): VenueFill[] =>
  events.flatMap((e) => (e.kind === 'fill' ? [e.fill] : []));
const orders = (events: VenueEvent[]): VenueOrder[] =>
  events.flatMap((e) => (e.kind === 'order' ? [e.order] : []));

describe('CcxtVenue against the Binance-compatible simulator (real ccxt over HTTP and WebSocket)', () => {
  it('loads markets, balances and tickers as exact decimals from the venue strings', async () => {
    h = await startVenueOnSim();
    const markets = await h.venue.loadMarkets();
    expect(markets.find((m) => m.symbol === 'BTC/USDT')).toEqual({
      symbol: 'BTC/USDT',
      base: 'BTC',
      quote: 'USDT',
      tickSize: '0.01',
      stepSize: '0.00001',
      minQuantity: '0.00001',
      minNotional: '5',
    });
    expect(await h.venue.fetchTicker('BTC/USDT')).toMatchObject({
      bid: '49999.99',
      ask: '50000.01',
      last: '50000',
    });
    const balances = await h.venue.fetchBalance();
    expect(balances.USDT).toEqual({ free: '1000000', locked: '0' });
  });

  it('places, finds, lists and cancels by clientOrderId; a duplicate is `duplicate`, never a rejection', async () => {
    h = await startVenueOnSim();
    await h.venue.loadMarkets();
    const placed = await h.venue.placeOrder(limit('t-1', 'buy', '49000.01', '0.01234'));
    expect(placed).toMatchObject({
      clientOrderId: 't-1',
      price: '49000.01',
      quantity: '0.01234',
      filledQuantity: '0',
      status: 'open',
    });
    const dup = await failure(h.venue.placeOrder(limit('t-1', 'buy', '49000.01', '0.01234')));
    expect(dup.kind).toBe('duplicate');
    expect(await h.venue.fetchOrder({ clientOrderId: 't-1', symbol: 'BTC/USDT' })).toEqual(placed);
    expect(await h.venue.fetchOrder({ clientOrderId: 'nope', symbol: 'BTC/USDT' })).toBeNull();
    expect((await h.venue.fetchOpenOrders('BTC/USDT')).map((o) => o.clientOrderId)).toEqual(['t-1']);
    const cancelled = await h.venue.cancelOrder({ clientOrderId: 't-1', symbol: 'BTC/USDT' });
    // The order's own clientOrderId, not the cancel request's (Binance's cancel reply mixes them up).
    expect(cancelled).toMatchObject({ clientOrderId: 't-1', status: 'cancelled' });
    // Cancelling again: the venue says unknown order (OrderNotFound); the adapter looks it up instead.
    expect(await h.venue.cancelOrder({ clientOrderId: 't-1', symbol: 'BTC/USDT' })).toMatchObject({
      status: 'cancelled',
    });
    const missing = await failure(h.venue.cancelOrder({ clientOrderId: 'never', symbol: 'BTC/USDT' }));
    expect(missing.kind).toBe('notFound');
    const state = await h.admin.state();
    expect(state.orders.map((o) => [o.clientOrderId, o.status])).toEqual([['t-1', 'CANCELED']]);
  });

  it('refuses orders that break the filters locally, with the field named, and sends nothing', async () => {
    h = await startVenueOnSim();
    await h.venue.loadMarkets();
    const offTick = await failure(h.venue.placeOrder(limit('bad-1', 'buy', '49000.005')));
    expect(offTick.kind).toBe('rejected');
    expect(offTick.message).toMatch(/price: must be a multiple of tickSize 0.01, got 49000.005/);
    const lot = await failure(h.venue.placeOrder(limit('bad-2', 'buy', '49000', '0.000015')));
    expect(lot.message).toMatch(/quantity: must be a multiple of stepSize 0.00001/);
    const notional = await failure(h.venue.placeOrder(limit('bad-3', 'buy', '100', '0.001')));
    expect(notional.message).toMatch(/notional: price × quantity 0.1 must be >= minNotional 5/);
    const symbol = await failure(h.venue.placeOrder({ ...limit('bad-4', 'buy', '1'), symbol: 'DOGE/USDT' }));
    expect(symbol.message).toMatch(/symbol: "DOGE\/USDT" is not a spot market of binance/);
    expect((await h.admin.state()).orders).toEqual([]);
    expect(h.logger.lines.filter((l) => l.msg === 'order refused locally')).toHaveLength(4);
  });

  it('maps venue faults: 5xx and a dropped reply are unknown (and a lookup finds what landed), 429/418 rate limits', async () => {
    h = await startVenueOnSim();
    await h.venue.loadMarkets();
    await h.admin.post('faults', { http5xx: 1 });
    expect((await failure(h.venue.placeOrder(limit('f-1', 'buy', '49000')))).kind).toBe('unknown');
    await h.admin.post('faults', { acceptThenDrop: 1 });
    expect((await failure(h.venue.placeOrder(limit('f-2', 'buy', '49000')))).kind).toBe('unknown');
    await h.admin.post('reset-faults');
    // Only the dropped reply's order landed; the 5xx one never reached the matching engine.
    expect(await h.venue.fetchOrder({ clientOrderId: 'f-1', symbol: 'BTC/USDT' })).toBeNull();
    expect(await h.venue.fetchOrder({ clientOrderId: 'f-2', symbol: 'BTC/USDT' })).toMatchObject({
      status: 'open',
    });
    await h.admin.post('faults', { rateLimit: { probability: 1, retryAfterSec: 1 } });
    const limited = await failure(h.venue.fetchTicker('BTC/USDT'));
    expect([limited.kind, limited.retryAfterMs]).toEqual(['rateLimited', 1000]);
    await h.admin.post('reset-faults');
    // The whole budget pauses for Retry-After: the next call leaves only after it (a lower bound, not speed).
    const t0 = Date.now();
    await h.venue.fetchTicker('BTC/USDT');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    await h.admin.post('faults', { ban418: { durationMs: 60_000, retryAfterSec: 2 } });
    const banned = await failure(h.venue.fetchOpenOrders('BTC/USDT'));
    expect(banned.kind).toBe('rateLimited');
    expect(banned.message).toMatch(/banned/);
    expect(banned.retryAfterMs).toBeGreaterThan(50_000); // the time left of the ban, from Retry-After
    await h.admin.post('reset-faults');
  });

  it('a market load that failed is tried again by the next call (ccxt would keep the failure for good)', async () => {
    h = await startVenueOnSim();
    await h.admin.post('faults', { http5xx: 1 });
    // Markets not loaded yet: each of these makes ccxt load them first, and the load meets the 503.
    expect((await failure(h.venue.fetchBalance())).message).toMatch(/exchangeInfo 503/);
    expect((await failure(h.venue.fetchOpenOrders('BTC/USDT'))).kind).toBe('unknown');
    await h.admin.post('reset-faults');
    expect((await h.venue.fetchBalance()).USDT).toEqual({ free: '1000000', locked: '0' });
    expect(await h.venue.fetchOpenOrders('BTC/USDT')).toEqual([]);
    expect((await h.venue.placeOrder(limit('after-outage', 'buy', '49000'))).status).toBe('open');
  });

  it('a bad signature and a stale timestamp are definite refusals that say what to check', async () => {
    h = await startVenueOnSim();
    const bad = await h.openVenue({ credentials: { apiKey: 'sim-api-key', secret: 'wrong-secret-123' } });
    const sig = await failure(bad.venue.fetchBalance());
    expect(sig.kind).toBe('rejected');
    expect(sig.message).toMatch(/refused the API key or signature/);
    expect(sig.message).not.toContain('wrong-secret-123');
    expect(
      bad.logger.lines.some(
        (l) => l.level === 'error' && l.obj.code === 'VENUE_ACCOUNT_REFUSED' && l.obj.problem === 'auth',
      ),
    ).toBe(true);
    // ccxt subtracts timeDifference from its timestamps: a clock 60 s behind the venue's.
    const skewed = await h.openVenue({ ccxtOptions: { timeDifference: 60_000 } });
    const stale = await failure(skewed.venue.fetchBalance());
    expect(stale.kind).toBe('rejected');
    expect(stale.message).toMatch(/timestamp.*check this machine's clock/);
  });

  it('a refused stream subscription neither crashes the process nor stops retrying', async () => {
    h = await startVenueOnSim();
    const bad = await h.openVenue({ credentials: { apiKey: 'sim-api-key', secret: 'wrong-secret-123' } });
    const stop = bad.venue.subscribe(() => {});
    // Each refusal leaks an unhandled rejection in ccxt 4.5.84 unless guarded: vitest would fail the run.
    await waitFor(
      'three refused subscriptions',
      () => bad.logger.lines.filter((l) => l.msg === 'user-data stream down; reconnecting').length >= 3,
    );
    const down = bad.logger.lines.find((l) => l.msg === 'user-data stream down; reconnecting')!;
    expect(String(down.obj.err)).toMatch(/AuthenticationError|Signature/);
    expect(JSON.stringify(bad.logger.lines)).not.toContain('wrong-secret-123');
    stop();
  });

  it('streams order updates and fills as copies, exact, with the order clientOrderId', async () => {
    h = await startVenueOnSim();
    await h.venue.loadMarkets();
    h.listen();
    await waitFor('subscription', () => h!.logger.lines.some((l) => l.msg === 'user-data stream subscribed'));
    await h.venue.placeOrder(limit('s-1', 'buy', '49990.5', '0.01'));
    await waitFor('open update', () => orders(h!.events).some((o) => o.status === 'open'));
    const firstView = orders(h.events)[0]!;
    await h.admin.post('price', { symbol: 'BTC/USDT', price: '49990', fillQty: '0.004' });
    await h.admin.post('price', { symbol: 'BTC/USDT', price: '49989' });
    await waitFor('two fills', () => fills(h!.events).length >= 2);
    await waitFor('filled update', () => orders(h!.events).some((o) => o.status === 'filled'));
    expect(fills(h.events).map((f) => [f.clientOrderId, f.price, f.quantity, f.side, f.liquidity])).toEqual([
      ['s-1', '49990.5', '0.004', 'buy', 'maker'],
      ['s-1', '49990.5', '0.006', 'buy', 'maker'],
    ]);
    // ccxt updates its cached order in place; what we delivered earlier must not have changed.
    expect(firstView).toMatchObject({ status: 'open', filledQuantity: '0' });
    const trades = (await h.admin.state()).trades;
    expect(fills(h.events).map((f) => f.tradeId)).toEqual(trades.map((t) => String(t.id)));
    expect(fills(h.events).map((f) => f.fee)).toEqual(trades.map((t) => t.commission));
  });

  it('refuses a malformed pushed update at the edge, naming the field, and keeps streaming', async () => {
    h = await startVenueOnSim();
    await h.venue.loadMarkets();
    h.listen();
    await waitFor('subscription', () => h!.events.some((e) => e.kind === 'subscribed'));
    // An executionReport of an order placed elsewhere, at this simulator's prices.
    const report = (over: Record<string, unknown>) =>
      executionReport({ p: '49990.50000000', L: '49990.50000000', ...over });
    const refused = (field: string) =>
      h!.logger.lines.filter((l) => l.level === 'warn' && l.obj.field === field && /ignored/.test(l.msg));
    // ccxt reads both (a price ccxt cannot parse is refused by the frame guard, pushed-frames.ts).
    await h.admin.post('ws/push', { event: report({ L: '0.00000000', t: 7001 }) });
    await waitFor('the malformed trade refused', () => refused('fill.price').length === 1);
    await h.admin.post('ws/push', { event: report({ x: 'NEW', X: 'SOMETHING', l: '0', z: '0', t: -1 }) });
    await waitFor('the malformed order refused', () => refused('order.status').length === 1);
    expect(String(refused('fill.price')[0]!.obj.err)).toMatch(/fill\.price: must be > 0/);
    // The stream goes on: a well-formed trade after them is delivered, and nothing malformed ever was.
    await h.admin.post('ws/push', { event: report({ t: 7002 }) });
    await waitFor('the well-formed trade', () => fills(h!.events).length === 1);
    expect(fills(h.events).map((f) => [f.tradeId, f.clientOrderId, f.price])).toEqual([
      ['7002', 'elsewhere-1', '49990.5'],
    ]);
    expect(orders(h.events).every((o) => o.status === 'partiallyFilled')).toBe(true);
    expect(h.logger.lines.filter((l) => l.msg === 'user-data stream down; reconnecting')).toEqual([]);
  });

  it('after a dropped socket, reconnects and says `subscribed` again; what happened meanwhile is left to the listener to fetch', async () => {
    h = await startVenueOnSim({}, { backoffMs: { min: 600, max: 1200 } });
    await h.venue.loadMarkets();
    h.listen();
    await waitFor('subscription', () => h!.events.some((e) => e.kind === 'subscribed'));
    expect(h.events[0]).toEqual({ kind: 'subscribed', reconnect: false });
    for (let i = 0; i < 3; i += 1) await h.venue.placeOrder(limit(`g-${i}`, 'buy', `4999${i}`, '0.002'));
    await waitFor('three open updates', () => orders(h!.events).length >= 3);
    const before = h.events.length;
    expect((await h.admin.post<{ disconnected: number }>('ws/disconnect')).disconnected).toBe(1);
    // The adapter waits >= 300 ms before dialing again: these fills are pushed to nobody.
    await h.admin.post('price', { symbol: 'BTC/USDT', price: '49980' });
    const trades = (await h.admin.state()).trades;
    expect(trades).toHaveLength(3);
    await waitFor('resubscribed', () => h!.events.some((e) => e.kind === 'subscribed' && e.reconnect));
    expect(h.events.slice(before)).toEqual([{ kind: 'subscribed', reconnect: true }]);
    // The adapter fetches nothing by itself (the engine's gap-fill does, on `subscribed`): no fill arrives.
    await new Promise((r) => setTimeout(r, 300));
    expect(fills(h.events)).toEqual([]);
    const fetched = await h.venue.fetchMyTrades('BTC/USDT', 0);
    expect(new Set(fetched.map((f) => f.tradeId))).toEqual(new Set(trades.map((t) => String(t.id))));
    expect(fetched.map((f) => f.clientOrderId).sort()).toEqual(['g-0', 'g-1', 'g-2']);
  });

  it("REST trades leave the adapter with their order's clientOrderId, also when it never saw the order", async () => {
    h = await startVenueOnSim();
    await h.venue.loadMarkets();
    await h.venue.placeOrder(limit('r-1', 'buy', '49990', '0.002'));
    await h.admin.post('price', { symbol: 'BTC/USDT', price: '49980' });
    // Binance's myTrades name only the orderId: a fresh adapter (a restart) asks the venue once per order.
    const cold = await h.openVenue();
    await cold.venue.loadMarkets();
    const fetched = await cold.venue.fetchMyTrades('BTC/USDT', 0);
    expect(fetched.map((f) => [f.clientOrderId, f.quantity])).toEqual([['r-1', '0.002']]);
    const byOrder = await cold.venue.fetchOrderTrades({
      clientOrderId: 'r-1',
      symbol: 'BTC/USDT',
      venueOrderId: fetched[0]!.venueOrderId,
    });
    expect(byOrder).toEqual(fetched);
  });

  it('waits for the request budget and refuses a place it cannot send soon (rateLimited, unsent)', async () => {
    h = await startVenueOnSim({}, { budget: { requestsPerSecond: 2, burst: 1 } });
    await h.venue.loadMarkets(); // takes the one token
    const err = await failure(h.venue.placeOrder(limit('b-1', 'buy', '49000')));
    expect(err.kind).toBe('rateLimited');
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect((await h.admin.state()).orders).toEqual([]);
  });

  it('stamps a place when the engine asks for it: one held in the request budget beyond the venue window is refused there', async () => {
    // recvWindow 100 ms; a token every 200 ms: the second place waits ~200 ms for the budget before ccxt signs it.
    h = await startVenueOnSim({}, { budget: { requestsPerSecond: 5, burst: 1 }, recvWindowMs: 100 });
    await h.venue.loadMarkets(); // takes the one token
    await new Promise((r) => setTimeout(r, 250)); // the next token is there: this place leaves at once
    expect((await h.venue.placeOrder(limit('b-1', 'buy', '49000'))).clientOrderId).toBe('b-1');
    const late = await failure(h.venue.placeOrder(limit('b-2', 'buy', '48900')));
    expect(late.kind).toBe('rejected');
    expect(late.message).toMatch(/timestamp/);
    expect((await h.admin.state()).orders.map((o) => o.clientOrderId)).toEqual(['b-1']);
  });
});
