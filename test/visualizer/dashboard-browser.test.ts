import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { withReadOnly } from '../support/cli-helpers.js';
import { runCli, runCliToEnd } from '../support/engine-process.js';
import type { EngineProcess } from '../support/engine-process.js';
import { denyingConfig } from '../support/engine-runs.js';
import { repoRoot, tempDir } from '../support/tmp.js';
import { startVisualizer } from '../support/visualizer-process.js';
import type { VisualizerProcess } from '../support/visualizer-process.js';
import type { DashboardAnswer } from '../../visualizer/dashboard-api.js';

/**
 * The dashboard in a real browser while a real engine trades two symbols on the paper venue, with a risk
 * limit that denies some orders: uPlot charts per symbol fill from the database and keep moving, they end
 * on the positions the database holds, the risk denials are listed by rule, and the trading-state banner
 * follows `halt` / `reduce` written by the CLI. A screenshot is saved under test-artifacts/.
 */

const SYMBOLS = ['BTC/USDT', 'ETH/USDT'];
const SERIES = ['mid', 'position', 'realizedPnl', 'liveOrders'];
let tmp: { dir: string; cleanup: () => void };
let db: string;
let viz: VisualizerProcess;
let engine: EngineProcess;
let browser: Browser;
let page: Page;

const chart = (p: Page, symbol: string, series: string) =>
  p.locator(`section.symbol-row[data-symbol="${symbol}"] figure.chart[data-series="${series}"]`);
const pointsOf = async (p: Page, symbol: string, series: string) =>
  Number((await chart(p, symbol, series).getAttribute('data-points')) ?? 0);

async function openPage(): Promise<Page> {
  // uPlot formats numbers for navigator.language: give the page a locale Intl knows.
  const p = await browser.newPage({ viewport: { width: 1600, height: 1000 }, locale: 'en-US' });
  p.on('pageerror', (err) => console.error('page error:', err.message));
  await p.goto(viz.url);
  await p.waitForSelector('body[data-dashboard="ready"]');
  return p;
}

beforeAll(async () => {
  tmp = tempDir('viz-dashboard-browser');
  db = path.join(tmp.dir, 'engine.db');
  viz = await startVisualizer(['--db', db, '--port', '0']);
  engine = runCli(['start', '--config', denyingConfig(db), '--db', db, '--duration', '12', '--seed', '13']);
  browser = await launchBrowser();
  await engine.ready;
  page = await openPage();
}, 40_000);

afterAll(async () => {
  await browser?.close();
  if (engine && engine.child.exitCode === null) engine.child.kill('SIGKILL');
  await engine?.exited;
  await viz?.stop();
  tmp.cleanup();
});

describe('dashboard page', () => {
  it('draws a uPlot chart of each series for each symbol, and keeps adding to them while the engine runs', async () => {
    for (const symbol of SYMBOLS) {
      for (const series of SERIES) {
        await expect.poll(() => pointsOf(page, symbol, series), { timeout: 10_000 }).toBeGreaterThan(1);
        expect(await chart(page, symbol, series).locator('.uplot canvas').count()).toBe(1);
      }
    }
    const before = await pointsOf(page, 'ETH/USDT', 'position');
    await expect
      .poll(() => pointsOf(page, 'ETH/USDT', 'position'), { timeout: 10_000 })
      .toBeGreaterThan(before);
  });

  it('ends on the positions the database holds, and lists the risk denials by rule', async () => {
    expect((await engine.exited).code, engine.output().stderr.slice(-2000)).toBe(0);
    const positions = await withReadOnly(db, (k) => k.selectFrom('positions').selectAll().execute());
    expect(positions.map((p) => p.symbol).sort()).toEqual(SYMBOLS);
    for (const p of positions) {
      await expect
        .poll(() => chart(page, p.symbol, 'position').locator('.latest').textContent())
        .toBe(` ${p.quantity}`);
      await expect
        .poll(() => chart(page, p.symbol, 'realizedPnl').locator('.latest').textContent())
        .toBe(` ${p.realized_pnl}`);
    }
    const res = await fetch(new URL('/api/dashboard', viz.url));
    const { denials } = (await res.json()) as DashboardAnswer;
    expect(denials.length).toBeGreaterThan(0);
    const rows = page.locator('#denials tbody tr');
    await expect.poll(() => rows.count()).toBe(denials.length);
    for (const d of denials) {
      const row = page.locator(`#denials tbody tr[data-rule="${d.rule}"][data-symbol="${d.symbol}"]`);
      // Polled: the page may still show its previous answer (it asks once a second).
      await expect
        .poll(() => row.locator('td').allTextContents())
        .toEqual([
          'maxPosition',
          d.symbol,
          String(d.count),
          new Date(d.lastAt).toISOString().replace('T', ' ').slice(0, 19),
        ]);
      const marked = chart(page, d.symbol, 'liveOrders');
      await expect.poll(async () => Number(await marked.getAttribute('data-denials'))).toBe(d.count);
    }
    expect(await page.locator('#denials-none').isHidden()).toBe(true);
  });

  it('shows the history from before the page was opened', async () => {
    const fresh = await openPage();
    const res = await fetch(new URL('/api/dashboard?window=3600000&points=300', viz.url));
    const answer = (await res.json()) as DashboardAnswer;
    for (const s of answer.symbols) {
      const points = s.position.filter((v) => v !== null).length;
      expect(points).toBeGreaterThan(10);
      await expect.poll(() => pointsOf(fresh, s.symbol, 'position')).toBe(points);
    }
    await fresh.close();
  });

  it('shows the trading state in a banner of its own colour, with the reason, as the CLI changes it', async () => {
    const banner = page.locator('#trading-banner');
    const colour = () =>
      page.evaluate<string>("getComputedStyle(document.getElementById('trading-banner')).backgroundColor");
    await expect.poll(() => banner.getAttribute('data-state')).toBe('active');
    expect(await page.locator('#trading-state').textContent()).toBe('ACTIVE');
    const active = await colour();

    const halt = await runCliToEnd(['halt', '--reason', 'desk review after a breach', '--db', db]);
    expect(halt.code, halt.stderr).toBe(0);
    await expect.poll(() => banner.getAttribute('data-state')).toBe('halted');
    expect(await page.locator('#trading-state').textContent()).toBe('HALTED');
    expect(await page.locator('#trading-reason').textContent()).toBe('desk review after a breach');
    const halted = await colour();

    const reduce = await runCliToEnd(['reduce', '--reason', 'unwinding', '--db', db]);
    expect(reduce.code, reduce.stderr).toBe(0);
    await expect.poll(() => banner.getAttribute('data-state')).toBe('reducing');
    expect(await page.locator('#trading-reason').textContent()).toBe('unwinding');
    expect(new Set([active, halted, await colour()]).size).toBe(3);

    const artifacts = path.join(repoRoot, 'test-artifacts');
    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'dashboard.png') });
  });

  it('serves uPlot from its own address, stays read-only, and refuses bad parameters by name', async () => {
    const js = await fetch(new URL('/vendor/uPlot.iife.min.js', viz.url));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(await js.text()).toContain('uPlot');
    const css = await fetch(new URL('/vendor/uPlot.min.css', viz.url));
    expect(css.headers.get('content-type')).toContain('text/css');
    const post = await fetch(new URL('/api/dashboard', viz.url), { method: 'POST' });
    expect(post.status).toBe(405);
    for (const [query, field] of [
      ['since=5', 'since'],
      ['points=5000', 'points'],
      ['window=10', 'window'],
      ['bucket=x&since=1', 'bucket'],
      ['symbol=BTC', 'symbol'],
    ]) {
      const res = await fetch(new URL(`/api/dashboard?${query}`, viz.url));
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { field: string }).field).toBe(field);
    }
  });
});
