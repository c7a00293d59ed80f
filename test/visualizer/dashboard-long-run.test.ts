import fs from 'node:fs';
import path from 'node:path';
import BigJs from 'big.js';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteForOperator } from '../../src/persistence/sqlite.js';
import { VisualizerQuery } from '../../src/persistence/visualizer-query.js';
import { tempDir } from '../support/tmp.js';
import { dashboardAnswer, dashboardParams } from '../../visualizer/dashboard-api.js';
import { DashboardModel } from '../../visualizer/dashboard-model.js';

/**
 * The dashboard over a long journal: five hours, 120 000+ rows in a real engine database (migrated by the
 * persistence layer; rows shaped as the engine commits them). Every answer stays within the points asked
 * for, a window reaches back only as far as asked with the values carried into it, and a first look
 * reads the history over several polls.
 */

const HOURS = 5;
const ORDERS = 40_000;
const T0 = 1_800_000_000_000;
const SPAN = HOURS * 3_600_000;
const SYMBOL = 'AAA/USDT';

let tmp: { dir: string; cleanup: () => void };
let query: VisualizerQuery;
let rows = 0;

/**
 * Order i: created, filled 50 ms later (0.001 at 100 + i mod 7; even orders buy, odd ones sell), its fill
 * applied to the book.
 */
function writeJournal(file: string): void {
  const raw = new SqliteDatabase(file);
  const insert = raw.prepare(
    'INSERT INTO journal (batch, actor_id, rev, event_type, event, state, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const book = `book/paper/${SYMBOL}`;
  const adjust = `adjust/paper/${SYMBOL}`;
  const init = JSON.stringify({ type: 'xstate.init', input: { venue: 'paper', symbol: SYMBOL, at: T0 } });
  raw.transaction(() => {
    let batch = 0;
    const add = (actor: string, rev: number, type: string, event: string, state: string, at: number) => {
      insert.run((batch += 1), actor, rev, type, event, state, at);
      rows += 1;
    };
    add(book, 0, 'xstate.init', init, 'flat', T0);
    add(adjust, 0, 'xstate.init', init, 'idle', T0);
    for (let i = 0; i < ORDERS; i += 1) {
      const at = T0 + Math.floor((i * SPAN) / ORDERS);
      const price = String(100 + (i % 7));
      const side = i % 2 === 0 ? 'buy' : 'sell';
      const order = `order/o-${i}`;
      if (i % 100 === 0) {
        const desired = [
          { side: 'buy', price: String(99 + (i % 7)), quantity: '0.001', level: 'bid-0' },
          { side: 'sell', price: String(101 + (i % 7)), quantity: '0.001', level: 'ask-0' },
        ];
        add(
          adjust,
          i + 1,
          'ADJUST_ORDERS',
          JSON.stringify({ type: 'ADJUST_ORDERS', desired, at }),
          'idle',
          at,
        );
      }
      const input = { clientOrderId: `o-${i}`, symbol: SYMBOL, side, price, quantity: '0.001' };
      add(order, 0, 'xstate.init', JSON.stringify({ type: 'xstate.init', input }), 'pendingNew', at);
      add(order, 1, 'ORDER_FILLED', JSON.stringify({ type: 'ORDER_FILLED', at }), 'filled', at + 50);
      const fill = { type: 'APPLY_FILL', tradeId: `t-${i}`, side, price, quantity: '0.001', at };
      add(book, i + 1, 'APPLY_FILL', JSON.stringify(fill), 'long', at + 50);
    }
  })();
  raw.close();
}

beforeAll(async () => {
  tmp = tempDir('viz-long-run');
  const file = path.join(tmp.dir, 'engine.db');
  fs.writeFileSync(file, '');
  await (await openSqliteForOperator(file)).destroy();
  writeJournal(file);
  query = await VisualizerQuery.open(file);
}, 60_000);

afterAll(async () => {
  await query?.close();
  tmp.cleanup();
});

const ask = (model: DashboardModel, params: Record<string, string> = {}) =>
  dashboardAnswer(dashboardParams.parse(params), query.dashboard, model);

describe('dashboard over a long journal', () => {
  const model = new DashboardModel();

  it('reads a long history over several polls, each answer bounded', async () => {
    expect(rows).toBeGreaterThan(120_000);
    const first = await ask(model, { window: String(24 * 3_600_000), points: '500' });
    expect(first.complete).toBe(false);
    const second = await ask(model, { window: String(24 * 3_600_000), points: '500' });
    expect(second.complete).toBe(true);
    for (const a of [first, second]) {
      expect(a.t.length).toBeLessThanOrEqual(502);
      expect(JSON.stringify(a).length).toBeLessThan(100_000);
    }
    expect(second.window.from).toBe(T0);
    expect(second.t.length).toBeGreaterThan(250);
    const [s] = second.symbols;
    expect(s?.position.at(-1)).toBe('0');
    // Each buy is closed by the next order's sell, one price step (or six down) away.
    let pnl = BigJs(0);
    for (let i = 0; i < ORDERS; i += 2)
      pnl = pnl.plus(
        BigJs((i + 1) % 7)
          .minus(i % 7)
          .times('0.001'),
      );
    expect(s?.realizedPnl.at(-1)).toBe(pnl.toString());
    expect(s?.liveOrders.at(-1)).toBe(0);
    expect(s?.mid.at(-1)).toBe(String(100 + ((ORDERS - 100) % 7)));
  });

  it('reaches back only as far as the window asks, carrying the values in from before it', async () => {
    const a = await ask(model, { window: '600000', points: '100' });
    expect(a.window.to - a.window.from).toBe(600_000);
    expect(a.t[0]).toBeGreaterThan(T0 + SPAN - 700_000);
    expect(a.t.length).toBeLessThanOrEqual(102);
    const [s] = a.symbols;
    expect(['0', '0.001']).toContain(s!.position[0]);
    expect(s!.realizedPnl[0]).not.toBe('0');
    expect(s!.mid[0]).not.toBeNull();
    expect(s!.liveOrders.every((n) => n !== null && n <= 1)).toBe(true);
  });
});
