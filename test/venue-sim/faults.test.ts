import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from 'ccxt';
import { DEMO_CREDENTIALS } from '../../src/venue-sim/server.js';
import { ccxt, ccxtForVenueSim, startVenueSimWithCcxt } from '../support/venue-sim.js';
import type { CcxtBinance, VenueSimHarness } from '../support/venue-sim.js';
import { openRawStream, rawRequest } from './raw-client.js';
import { waitUntil } from './wait.js';

const S = 'BTC/USDT';
const auth = { apiKey: DEMO_CREDENTIALS.apiKey, secret: DEMO_CREDENTIALS.apiSecret };

/** Each admin fault does what it says, observed through ccxt (and the raw reply where it matters). */
describe('venue simulator: admin faults', () => {
  let h: VenueSimHarness;
  let fast: CcxtBinance; // a client with a short timeout
  const orders = async (cid: string) => (await h.admin.state()).orders.filter((o) => o.clientOrderId === cid);

  beforeAll(async () => {
    h = await startVenueSimWithCcxt({ seed: 5 });
    await h.exchange.loadMarkets();
    fast = ccxtForVenueSim(h.sim, { timeout: 400 });
    await fast.loadMarkets();
  });
  afterEach(async () => {
    await h.admin.post('reset-faults');
  });
  afterAll(async () => {
    await fast?.close();
    await h?.close();
  });

  it('latencyMs delays replies; beyond the client timeout ccxt raises RequestTimeout', async () => {
    await h.admin.post('faults', { latencyMs: 150 });
    const t0 = Date.now();
    await h.exchange.fetchTicker(S);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    await h.admin.post('faults', { latencyMs: 1000 });
    await expect(fast.fetchTicker(S)).rejects.toBeInstanceOf(ccxt.RequestTimeout);
  });

  it('http5xx answers 503 (or the given status) without handling: ExchangeNotAvailable / RequestTimeout', async () => {
    await h.admin.post('faults', { http5xx: 1 });
    const raw = await rawRequest(h.sim.url, 'GET', '/api/v3/ping');
    expect(raw.status).toBe(503);
    expect(raw.json).toBeUndefined();
    const placing = h.exchange.createOrder(S, 'limit', 'buy', 0.01, 49000, { clientOrderId: 'f5xx' });
    await expect(placing).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    expect(await orders('f5xx')).toEqual([]);
    await h.admin.post('faults', { http5xx: { probability: 1, status: 504 } });
    await expect(h.exchange.fetchBalance()).rejects.toBeInstanceOf(ccxt.RequestTimeout);
  });

  it('rateLimit answers 429 -1003 with Retry-After: ccxt DDoSProtection', async () => {
    await h.admin.post('faults', { rateLimit: { probability: 1, retryAfterSec: 7 } });
    const raw = await rawRequest(h.sim.url, 'GET', '/api/v3/account', {}, auth);
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('7');
    expect(raw.json).toMatchObject({ code: -1003 });
    await expect(h.exchange.fetchBalance()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
  });

  it('ban418 answers 418 -1003 (per request, or for a duration): ccxt DDoSProtection; admin stays up', async () => {
    await h.admin.post('faults', { ban418: { probability: 1, retryAfterSec: 3 } });
    const raw = await rawRequest(h.sim.url, 'GET', '/api/v3/exchangeInfo');
    expect(raw.status).toBe(418);
    expect(raw.headers.get('retry-after')).toBe('3');
    expect((raw.json as { msg: string }).msg).toMatch(
      /^Way too much request weight used; IP banned until \d+/,
    );
    await h.admin.post('faults', { ban418: { durationMs: 60_000 } });
    await expect(h.exchange.fetchOpenOrders(S)).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    const again = await rawRequest(h.sim.url, 'GET', '/api/v3/ping');
    expect(again.status).toBe(418);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(50);
    expect((await h.admin.state()).orders).toBeDefined(); // the admin API is never faulted
    await h.admin.post('reset-faults');
    expect((await rawRequest(h.sim.url, 'GET', '/api/v3/ping')).status).toBe(200);
  });

  it('acceptThenDrop: the order is placed, the socket closes without reply: NetworkError', async () => {
    await h.admin.post('faults', { acceptThenDrop: 1 });
    const placing = h.exchange.createOrder(S, 'limit', 'buy', 0.01, 49000, { clientOrderId: 'drop-1' });
    await expect(placing).rejects.toBeInstanceOf(ccxt.NetworkError);
    await expect(placing).rejects.not.toBeInstanceOf(ccxt.RequestTimeout);
    // GETs are not dropped, so the client can find out what happened.
    const found = await h.exchange.fetchOrder(undefined as unknown as string, S, { clientOrderId: 'drop-1' });
    expect(found).toMatchObject({ clientOrderId: 'drop-1', status: 'open' });
    expect(await orders('drop-1')).toHaveLength(1);
  });

  it('acceptThenDrop methods narrows it: only DELETEs dropped, placements answered', async () => {
    await h.admin.post('faults', { acceptThenDrop: { probability: 1, methods: ['DELETE'] } });
    const o = await h.exchange.createOrder(S, 'limit', 'buy', 0.01, 47500, { clientOrderId: 'drop-2' });
    expect(o.status).toBe('open');
    await expect(h.exchange.cancelOrder(o.id!, S)).rejects.toBeInstanceOf(ccxt.NetworkError);
    expect((await orders('drop-2'))[0]).toMatchObject({ status: 'CANCELED' });
  });

  it('acceptThenDrop with holdMs beyond the client timeout: the client times out, the cancel happened', async () => {
    await h.admin.post('faults', { acceptThenDrop: { probability: 1, holdMs: 1500 } });
    const cancelling = fast.cancelOrder(undefined as unknown as string, S, { clientOrderId: 'drop-1' });
    await expect(cancelling).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    expect((await orders('drop-1'))[0]).toMatchObject({ status: 'CANCELED' });
  });

  it('ws/disconnect drops user-data sockets: the pending watch rejects; the next one re-subscribes', async () => {
    const pending = h.exchange.watchOrders(S);
    pending.catch(() => {});
    await waitUntil(async () => (await h.admin.get<{ subscribers: number }>('ws')).subscribers === 1);
    expect(await h.admin.post('ws/disconnect')).toEqual({ disconnected: 1 });
    await expect(pending).rejects.toBeInstanceOf(ccxt.NetworkError);
    const next = h.exchange.watchOrders(S);
    next.catch(() => {});
    await waitUntil(async () => (await h.admin.get<{ subscribers: number }>('ws')).subscribers === 1);
    await h.exchange.createOrder(S, 'limit', 'buy', 0.01, 48000, { clientOrderId: 'after-drop' });
    expect((await next).map((o) => o.clientOrderId)).toContain('after-drop');
  });

  it('duplicateReports pushes every executionReport twice; ccxt keeps one order', async () => {
    await h.admin.post('faults', { duplicateReports: 1 });
    const raw = await openRawStream(h.sim.wsUrl);
    try {
      await raw.subscribe(auth.apiKey, auth.secret);
      const watching = h.exchange.watchOrders(S);
      watching.catch(() => {});
      await h.exchange.createOrder(S, 'limit', 'buy', 0.01, 47000, { clientOrderId: 'dup-report' });
      await raw.until(() => raw.reports().filter((r) => r['c'] === 'dup-report').length === 2);
      const [a, b] = raw.reports().filter((r) => r['c'] === 'dup-report');
      expect(a).toEqual(b);
      await watching;
      const cached = (h.exchange.orders as unknown as Order[]).filter(
        (o) => o.clientOrderId === 'dup-report',
      );
      expect(cached).toHaveLength(1);
    } finally {
      raw.close();
    }
  });

  it('reorderReports pushes a held report after the next one: TRADE before NEW', async () => {
    await h.admin.post('faults', { reorderReports: 1 });
    const raw = await openRawStream(h.sim.wsUrl);
    try {
      await raw.subscribe(auth.apiKey, auth.secret);
      const watching = h.exchange.watchOrders(S);
      watching.catch(() => {});
      const o = await h.exchange.createOrder(S, 'market', 'buy', 0.001, undefined, {
        clientOrderId: 'reorder-1',
      });
      expect(o.status).toBe('closed');
      await raw.until(() => raw.reports().filter((r) => r['c'] === 'reorder-1').length === 2);
      expect(
        raw
          .reports()
          .filter((r) => r['c'] === 'reorder-1')
          .map((r) => r['x']),
      ).toEqual(['TRADE', 'NEW']);
      // ccxt applies the stale NEW last: its cached order says open though the venue says closed.
      await waitUntil(() =>
        (h.exchange.orders as unknown as Order[]).some(
          (x) => x.clientOrderId === 'reorder-1' && x.status === 'open',
        ),
      );
    } finally {
      raw.close();
    }
  });

  it('faults are seeded: the same plan and seed give the same faults; a bad plan names the field', async () => {
    type Faults = { plan: unknown; injected: Record<string, number> };
    const injected5xx = async () => (await h.admin.get<Faults>('faults')).injected.http5xx ?? 0;
    const before = await injected5xx();
    const run = async (seed: number) => {
      await h.admin.post('faults', { http5xx: 0.5, seed });
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) statuses.push((await rawRequest(h.sim.url, 'GET', '/api/v3/ping')).status);
      return statuses;
    };
    const first = await run(42);
    expect(new Set(first)).toEqual(new Set([200, 503]));
    const again = await run(42);
    expect(again).toEqual(first);
    const other = await run(43);
    expect(other).not.toEqual(first);
    const res = await fetch(`${h.sim.url}/admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ rateLimit: { probability: 2 } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'rateLimit.probability' });
    expect((await h.admin.get<Faults>('faults')).plan).toEqual({ http5xx: 0.5, seed: 43 });
    // Every 503 answered is counted as an injected fault.
    const served503 = [...first, ...again, ...other].filter((s) => s === 503).length;
    expect((await injected5xx()) - before).toBe(served503);
  });
});
