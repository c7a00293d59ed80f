import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AnyStateNode } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderMachine } from '../../src/machines/order.machine.js';
import type { JournalEntry, OrderListItem } from '../../src/persistence/visualizer-query.js';
import { launchBrowser } from '../support/browser.js';
import { runCli } from '../support/engine-process.js';
import type { EngineProcess } from '../support/engine-process.js';
import { repoRoot, tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { startVisualizer } from '../support/visualizer-process.js';
import type { VisualizerProcess } from '../support/visualizer-process.js';

/**
 * The visualizer page in a real browser (a Chromium from the npm registry, see support/browser.ts) while a real engine
 * runs as a child process with `--inspect` pointed at the visualizer: every state of the order machine is
 * drawn, the live counts move while the engine trades, and stepping through an order's journal moves the
 * highlight from state to state. A screenshot is saved under test-artifacts/.
 */

const ARTIFACTS = path.join(repoRoot, 'test-artifacts');
let tmp: { dir: string; cleanup: () => void };
let viz: VisualizerProcess;
let engine: EngineProcess;
let browser: Browser;
let page: Page;

function statePaths(node: AnyStateNode): string[] {
  return [node.path.join('.'), ...Object.values(node.states).flatMap((c) => statePaths(c))];
}

const order = (p: string) => `svg[data-machine="order"] g.state[data-path="${p}"]`;
const highlighted = () => page.locator('svg[data-machine="order"] g.state.current').getAttribute('data-path');

beforeAll(async () => {
  tmp = tempDir('viz-browser');
  const db = path.join(tmp.dir, 'engine.db');
  viz = await startVisualizer(['--db', db, '--port', '0']);
  engine = runCli([
    'start',
    '--duration',
    '20',
    '--seed',
    '21',
    '--db',
    db,
    '--status-interval',
    '0',
    '--inspect',
    viz.inspectUrl,
  ]);
  browser = await launchBrowser();
  // uPlot (the dashboard's charts) formats numbers for navigator.language: a locale Intl knows.
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, locale: 'en-US' });
  page.on('pageerror', (err) => console.error('page error:', err.message));
  await engine.ready;
  await page.goto(viz.url);
  await page.waitForSelector('body[data-ready="true"]');
}, 40_000);

afterAll(async () => {
  await browser?.close();
  // Nothing is asserted after this point: no need to wait for a graceful stop (the engine is crash-safe).
  if (engine && engine.child.exitCode === null) engine.child.kill('SIGKILL');
  await engine?.exited;
  await viz?.stop();
  tmp.cleanup();
});

describe('visualizer page', () => {
  it('draws every state of the order machine, and the other machines, with event names on transitions', async () => {
    for (const p of statePaths(orderMachine.root)) {
      const node = page.locator(order(p));
      await expect(node.count()).resolves.toBe(1);
      expect(await node.isVisible()).toBe(true);
      const key = p === '' ? 'order' : p.split('.').at(-1)!;
      expect(await node.locator('text.name').textContent()).toContain(key);
    }
    const labels = await page.locator('svg[data-machine="order"] g.edge text').allTextContents();
    for (const ev of ['SUBMIT', 'done: placeOrder', 'after ACK_TIMEOUT', 'ORDER_FILLED'])
      expect(labels).toContain(ev);
    expect(await page.locator('svg[data-machine="positionBook"] g.state').count()).toBe(4);
    expect(await page.locator('svg[data-machine="adjustOrders"] g.state').count()).toBe(3);
  });

  it('updates the live counts on the diagram while the engine runs', async () => {
    const count = async (p: string) => Number(await page.locator(order(p)).getAttribute('data-count'));
    await expect.poll(() => count(''), { timeout: 10_000 }).toBeGreaterThan(0);
    const first = await count('');
    await expect.poll(() => count(''), { timeout: 10_000, interval: 100 }).not.toBe(first);
    // Whatever the moment, the machine's total is the sum of its top-level states' counts.
    await expect
      .poll(async () => {
        const top = Object.keys(orderMachine.root.states);
        const [total, ...parts] = await Promise.all([count(''), ...top.map((k) => count(k))]);
        return parts.reduce((s, n) => s + n, 0) - total!;
      })
      .toBe(0);
    expect(await page.locator('#positions tbody tr[data-symbol="BTC/USDT"]').count()).toBe(1);
    expect(await page.locator('#events li').count()).toBeGreaterThan(0);
  });

  it('shows inspection events streamed by the engine (--inspect) live', async () => {
    const snapshots = page.locator('#inspect-events li[data-type="@xstate.snapshot"]');
    await expect.poll(() => snapshots.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await snapshots.first().textContent()).toMatch(/^snapshot (order|book|adjust)\//);
  });

  it('steps through an order journal and moves the highlight to the state of each event', async () => {
    const pickable = async () => {
      const res = await fetch(new URL('/api/orders?state=cancelled&limit=1', viz.url));
      return ((await res.json()) as { orders: OrderListItem[] }).orders[0];
    };
    let found: OrderListItem | undefined;
    await waitFor(
      'a cancelled order to travel through',
      async () => (found = await pickable()) !== undefined,
    );
    const pick = found!;
    const res = await fetch(new URL(`/api/journal?order=${pick.clientOrderId}`, viz.url));
    const { entries } = (await res.json()) as { entries: JournalEntry[] };
    expect(entries.length).toBeGreaterThanOrEqual(3);

    await page.fill('#order-search', pick.clientOrderId);
    await page.locator(`#orders li[data-order="${pick.clientOrderId}"]`).click();
    await expect.poll(() => page.locator('#timeline li').count()).toBe(entries.length);
    expect(await highlighted()).toBe('pendingNew');
    expect(await page.locator('#timeline li[aria-current="step"]').getAttribute('data-step')).toBe('0');

    await page.keyboard.press('ArrowRight');
    expect(await highlighted()).toBe(entries[1]!.state);
    expect(await page.locator('#timeline li[aria-current="step"]').getAttribute('data-step')).toBe('1');
    expect(await page.locator('svg[data-machine="order"] g.edge.taken').count()).toBeGreaterThan(0);

    await page.click('#step-next');
    expect(await highlighted()).toBe(entries[2]!.state);
    await page.keyboard.press('End');
    expect(await highlighted()).toBe(entries.at(-1)!.state);
    expect(await highlighted()).toBe('cancelled');
    await page.click('#step-prev');
    expect(await highlighted()).toBe(entries.at(-2)!.state);
    await page.locator('#timeline li[data-step="1"]').click();
    expect(await page.locator('#step-position').textContent()).toContain(`event 2 of ${entries.length}`);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'visualizer.png') });
  });
});
