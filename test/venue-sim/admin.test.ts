import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/venue-sim/http-io.js';
import { startVenueSim } from '../../src/venue-sim/server.js';
import { ValidationError } from '../../src/domain/errors.js';
import { ConfigError } from '../../src/domain/errors.js';
import { startVenueSimWithCcxt } from '../support/venue-sim.js';
import type { VenueSimHarness } from '../support/venue-sim.js';
import { tempDir } from '../support/tmp.js';

/** The admin API: bad bodies are refused naming the field and change nothing; loopback peers only. */
describe('venue simulator: admin API', () => {
  let h: VenueSimHarness;
  const post = async (route: string, body: string) => {
    const res = await fetch(`${h.sim.url}/admin/${route}`, { method: 'POST', body });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    h = await startVenueSimWithCcxt({ seed: 2, startPrices: { 'BTC/USDT': '60000' } });
    await h.exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 59000, { clientOrderId: 'adm-1' });
  });
  afterAll(async () => h?.close());

  it.each([
    ['price', '{"price":"100"}', 'symbol'],
    ['price', '{"symbol":"DOGE/USDT","price":"1"}', 'symbol'],
    ['price', '{"symbol":"BTC/USDT","price":"59000.005"}', 'price'],
    ['price', '{"symbol":"BTC/USDT","price":59000}', 'price'],
    ['price', '{"symbol":"BTC/USDT","price":"59000","fillQty":"0.000001"}', 'fillQty'],
    ['price', '{"symbol":"BTC/USDT","price":"59000","extra":1}', '(root)'],
    ['price', 'not json', 'body'],
    ['balances', '{"balances":{"usdt":"1"}}', 'balances.usdt'],
    ['faults', '{"latencyMs":-1}', 'latencyMs'],
    ['faults', '{"acceptThenDrop":{"probability":0.5,"holdMs":"x"}}', 'acceptThenDrop'],
  ])('POST /admin/%s %s is refused naming %s; nothing changes', async (route, body, field) => {
    const before = await h.admin.state();
    const res = await post(route, body);
    expect(res.status).toBe(400);
    expect(res.json['field']).toBe(field);
    expect(String(res.json['error'])).toContain(field === '(root)' ? 'extra' : '');
    expect(await h.admin.state()).toEqual(before);
    expect(await h.admin.get('faults')).toEqual({ plan: {}, injected: {} });
  });

  it('POST /admin/price moves the price (BTC/USDT or BTCUSDT) and reports the fills', async () => {
    const reply = await h.admin.post<{ fills: { qty: string; price: string }[] }>('price', {
      symbol: 'BTCUSDT',
      price: '58999.99',
    });
    expect(reply.fills.map((f) => [f.qty, f.price])).toEqual([['0.01', '59000']]);
    const state = await h.admin.state();
    expect(state.prices['BTCUSDT']).toEqual({
      symbol: 'BTC/USDT',
      mid: '58999.99',
      bid: '58999.98',
      ask: '59000',
    });
    expect(state.orders[0]).toMatchObject({ clientOrderId: 'adm-1', status: 'FILLED', executedQty: '0.01' });
    expect((await h.exchange.fetchTicker('BTC/USDT')).last).toBe(58999.99);
  });

  it('POST /admin/balances sets free balances; ccxt sees them', async () => {
    await h.admin.post('balances', { balances: { USDT: '12.5', BNB: '3' } });
    const b = await h.exchange.fetchBalance();
    expect(b['USDT']).toMatchObject({ free: 12.5, used: 0 });
    expect(b['BNB']).toMatchObject({ free: 3 });
  });

  it('unknown admin routes answer 404; unknown API paths answer 404 with a plain body', async () => {
    expect((await fetch(`${h.sim.url}/admin/nope`)).status).toBe(404);
    const res = await fetch(`${h.sim.url}/sapi/v1/capital/config/getall`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('/sapi/v1/capital/config/getall');
  });

  it('only loopback peers are admin clients', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a)).toBe(true);
    for (const a of ['10.0.0.1', '192.0.2.2', '::ffff:10.1.2.3', 'fd00::2', '', undefined]) {
      expect(isLoopback(a)).toBe(false);
    }
  });

  it('bad options are refused naming the field before anything is created', async () => {
    const tmp = tempDir('venue-sim-opts');
    try {
      const db = `${tmp.dir}/x.db`;
      await expect(startVenueSim({ dbPath: db, tickMs: -1 })).rejects.toThrow(ValidationError);
      await expect(startVenueSim({ dbPath: db, tickMs: -1 })).rejects.toMatchObject({ field: 'tickMs' });
      await expect(startVenueSim({ dbPath: db, symbols: ['BTC/USDT', 'BTC/USDT'] })).rejects.toThrow(
        ConfigError,
      );
      await expect(startVenueSim({ dbPath: db, startPrices: { 'BTC/USDT': '1.001' } })).rejects.toMatchObject(
        {
          field: 'startPrices.BTC/USDT',
        },
      );
      await expect(startVenueSim({ dbPath: db, faults: { http5xx: 3 } })).rejects.toMatchObject({
        field: 'http5xx',
      });
      const fs = await import('node:fs');
      expect(fs.existsSync(db)).toBe(false);
    } finally {
      tmp.cleanup();
    }
  });
});
