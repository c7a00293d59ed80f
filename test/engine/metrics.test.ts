import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { PaperVenue } from '../../src/adapters/paper/paper-venue.js';
import { StatusLine } from '../../src/cli/status-line.js';
import { Engine } from '../../src/engine/engine.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import { ENGINE_STATES, EngineMetrics, LIVE_ORDER_STATES } from '../../src/engine/metrics.js';
import { MetricsServer } from '../../src/engine/metrics-server.js';
import { ordersOf } from '../../src/engine/read-model.js';
import { openSqliteReadOnly } from '../../src/persistence/sqlite.js';
import { writeTradingState } from '../../src/persistence/trading-state.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import type { Family } from '../support/prometheus-text.js';
import { paperEngineOptions, paperVenueIn } from '../support/paper-engine.js';
import { tempDirPerTest } from '../support/test-dir.js';

/**
 * The metrics endpoint on real parts: the engine on a real SQLite file trading against the paper venue,
 * scraped over HTTP on 127.0.0.1. The figures must be the read model's and the database's.
 */

const tmp = tempDirPerTest('metrics');
const SYMBOL = 'BTC/USDT';

const paperVenue = (): PaperVenue => paperVenueIn(tmp.dir, 5, tmp.cleanups);
const engineOptions = (venue: PaperVenue): EngineOptions =>
  paperEngineOptions(tmp.dir, venue, SYMBOL, 'mt0001');

async function get(url: string): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

async function scrape(server: MetricsServer): Promise<Map<string, Family>> {
  const res = await get(server.url);
  expect(res.status).toBe(200);
  expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(res.body);
}

const committed = (m: Map<string, Family>) => sampleValue(m, 'steadfast_events_committed_total') ?? NaN;

describe('the metrics endpoint', () => {
  it('serves Prometheus text that follows the engine, /healthz and /readyz', async () => {
    const metrics = new EngineMetrics();
    const server = await MetricsServer.start(metrics, 0);
    tmp.cleanups.push(() => server.close());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    // Before the engine is attached: alive, not ready, trading state `recovering`.
    expect(await get(`${server.origin}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
    const recovering = await get(`${server.origin}/readyz`);
    expect(recovering.status).toBe(503);
    expect(JSON.parse(recovering.body)).toEqual({ ready: false, reason: 'engine recovering' });
    const before = await scrape(server);
    expect(sampleValue(before, 'steadfast_engine_state', { state: 'recovering' })).toBe(1);
    expect(sampleValue(before, 'steadfast_ready')).toBe(0);
    expect(before.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(before.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');

    const venue = paperVenue();
    venue.start();
    const engine = await Engine.open(engineOptions(venue));
    metrics.attach(engine);
    expect(await get(`${server.origin}/readyz`)).toMatchObject({ status: 200, body: 'ready\n' });
    engine.startTrading();
    await vi.waitFor(
      () => expect(engine.readModel.symbol(SYMBOL)?.position.fillCount ?? 0).toBeGreaterThanOrEqual(2),
      { timeout: 25_000, interval: 50 },
    );
    const first = await scrape(server);
    await vi.waitFor(async () => expect(committed(await scrape(server))).toBeGreaterThan(committed(first)), {
      timeout: 10_000,
      interval: 100,
    });
    expect(sampleValue(first, 'steadfast_engine_state', { state: 'trading' })).toBe(1);
    // The desk's trading state (halt, reduce, resume) is its own gauge.
    expect(sampleValue(first, 'steadfast_trading_state', { state: 'active' })).toBe(1);
    expect(sampleValue(first, 'steadfast_trading_state', { state: 'halted' })).toBe(0);
    expect(sampleValue(first, 'steadfast_trading_state', { state: 'reducing' })).toBe(0);
    expect(sampleValue(first, 'steadfast_ready')).toBe(1);
    expect(sampleValue(first, 'steadfast_database_bytes')).toBeGreaterThan(0);
    expect(sampleValue(first, 'steadfast_commit_duration_seconds_count')).toBeGreaterThan(0);
    expect(sampleValue(first, 'steadfast_commit_batch_events_count')).toBeGreaterThan(0);
    expect(sampleValue(first, 'steadfast_commit_batch_events_sum')).toBeLessThanOrEqual(committed(first));
    for (const call of ['placeOrder', 'cancelOrder', 'lookupOrder'])
      expect(sampleValue(first, 'steadfast_calls_in_flight', { call })).toBeGreaterThanOrEqual(0);
    expect(sampleValue(first, 'steadfast_reconciliation_corrections_total', { kind: 'missed_fill' })).toBe(0);
    // Declared, with no series: there is no risk engine.
    expect(first.get('steadfast_risk_denials_total')).toMatchObject({ type: 'counter', samples: [] });

    // The venue's stream going down makes the engine not ready.
    const port = venue as { streamLive?: () => boolean };
    port.streamLive = () => false;
    const down = await get(`${server.origin}/readyz`);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({ ready: false, reason: 'paper stream down' });
    delete port.streamLive;

    // A halt written to the database: still ready (recovered, reconciled, listening), and /readyz, the gauge
    // and the status line say that the desk is halted and why.
    await writeTradingState(
      engine.database.db,
      { state: 'halted', reason: 'desk check', cancelRequested: false },
      1,
    );
    await vi.waitFor(() => expect(engine.gate.current.state).toBe('halted'), { timeout: 5000, interval: 50 });
    expect(await get(`${server.origin}/readyz`)).toMatchObject({
      status: 200,
      body: 'ready; trading halted: desk check\n',
    });
    const halted = await scrape(server);
    expect(sampleValue(halted, 'steadfast_trading_state', { state: 'halted' })).toBe(1);
    expect(sampleValue(halted, 'steadfast_trading_state', { state: 'active' })).toBe(0);
    expect(new StatusLine(engine, 0).line()).toMatch(/^HALTED \(desk check\) \| BTC\/USDT mid /);
    // Resumed, the strategy quotes again (orders rest when the engine stops below).
    await writeTradingState(engine.database.db, { state: 'active', reason: null, cancelRequested: false }, 2);
    await vi.waitFor(() => expect(engine.gate.current.state).toBe('active'), { timeout: 5000, interval: 50 });
    await vi.waitFor(() => expect(ordersOf(engine.readModel.symbol(SYMBOL)!).length).toBeGreaterThan(0), {
      timeout: 10_000,
      interval: 50,
    });

    // Stopped (the market paused first): the figures are the database's.
    venue.stop();
    await engine.stop({ timeoutMs: 5000 });
    const last = await scrape(server);
    expect(committed(last)).toBe(engine.runtime.stats.events);
    expect(sampleValue(last, 'steadfast_engine_state', { state: 'stopped' })).toBe(1);
    for (const state of ENGINE_STATES.filter((s) => s !== 'stopped'))
      expect(sampleValue(last, 'steadfast_engine_state', { state })).toBe(0);
    expect(JSON.parse((await get(`${server.origin}/readyz`)).body)).toEqual({
      ready: false,
      reason: 'engine stopped',
    });

    const db = openSqliteReadOnly(path.join(tmp.dir, 'engine.db'));
    try {
      const orders = await db
        .selectFrom('orders')
        .select(['state'])
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('symbol', '=', SYMBOL)
        .where('state', 'in', [...LIVE_ORDER_STATES])
        .groupBy('state')
        .execute();
      const stored = Object.fromEntries(orders.map((o) => [o.state, Number(o.n)]));
      const view = engine.readModel.symbol(SYMBOL)!;
      expect(ordersOf(view).length).toBeGreaterThan(0);
      for (const state of LIVE_ORDER_STATES) {
        const scraped = sampleValue(last, 'steadfast_orders', { symbol: SYMBOL, state });
        expect(scraped, state).toBe(stored[state] ?? 0);
        expect(scraped, state).toBe(view.orders[state]?.size ?? 0);
      }
      expect(sampleValue(last, 'steadfast_orders_unknown_outcome', { symbol: SYMBOL })).toBe(
        stored.unconfirmed ?? 0,
      );
      const position = await db
        .selectFrom('positions')
        .selectAll()
        .where('venue', '=', 'paper')
        .where('symbol', '=', SYMBOL)
        .executeTakeFirstOrThrow();
      expect(position.fill_count).toBeGreaterThanOrEqual(2);
      expect(sampleValue(last, 'steadfast_position', { symbol: SYMBOL })).toBe(Number(position.quantity));
      expect(sampleValue(last, 'steadfast_realized_pnl', { symbol: SYMBOL })).toBe(
        Number(position.realized_pnl),
      );
      expect(position.quantity).toBe(view.position.quantity);
    } finally {
      await db.destroy();
    }
    const inFlight = last.get('steadfast_calls_in_flight')!.samples.reduce((n, s) => n + s.value, 0);
    expect(inFlight).toBe(engine.runtime.openCalls);

    expect((await get(`${server.origin}/nothing`)).status).toBe(404);
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
