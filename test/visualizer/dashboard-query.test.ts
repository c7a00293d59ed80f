import fs from 'node:fs';
import path from 'node:path';
import BigJs from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { riskRuleOf } from '../../src/domain/risk.js';
import { VisualizerQuery } from '../../src/persistence/visualizer-query.js';
import { withReadOnly } from '../support/cli-helpers.js';
import { runCliToEnd } from '../support/engine-process.js';
import { denyingConfig } from '../support/engine-runs.js';
import { tempDir } from '../support/tmp.js';
import { dashboardAnswer, dashboardParams } from '../../visualizer/dashboard-api.js';
import type { DashboardAnswer } from '../../visualizer/dashboard-api.js';
import { DashboardModel } from '../../visualizer/dashboard-model.js';

/**
 * The dashboard's queries and bucketing on a database a real engine run wrote (paper venue, two symbols,
 * a risk limit that denies some orders): what the charts end on equals the database's own projections, the
 * denials equal the orders the risk checks denied, and an incremental answer is the tail of the full one.
 */

let tmp: { dir: string; cleanup: () => void };
let db: string;
let query: VisualizerQuery;

const ask = (model: DashboardModel, params: Record<string, string> = {}) =>
  dashboardAnswer(dashboardParams.parse(params), query.dashboard, model);

const lastValue = <T>(values: (T | null)[]): T | null => values.filter((v) => v !== null).at(-1) ?? null;

beforeAll(async () => {
  tmp = tempDir('viz-dashboard');
  db = path.join(tmp.dir, 'engine.db');
  const args = ['start', '--config', denyingConfig(db), '--db', db, '--duration', '5', '--seed', '9'];
  const run = await runCliToEnd(args);
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
  query = await VisualizerQuery.open(db);
}, 40_000);

afterAll(async () => {
  await query?.close();
  tmp.cleanup();
});

describe('dashboard queries on a real engine database', () => {
  let answer: DashboardAnswer;
  beforeAll(async () => {
    answer = await ask(new DashboardModel());
  });

  it('ends each symbol on the position and realized PnL of the positions projection', async () => {
    const positions = await query.positions();
    expect(positions.map((p) => p.symbol).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(answer.symbols.map((s) => s.symbol)).toEqual(['BTC/USDT', 'ETH/USDT']);
    for (const p of positions) {
      const s = answer.symbols.find((x) => x.symbol === p.symbol)!;
      expect(p.fillCount).toBeGreaterThan(0);
      expect(lastValue(s.position)).toBe(p.quantity);
      expect(lastValue(s.realizedPnl)).toBe(p.realizedPnl);
      expect(new Set(s.position.filter((v) => v !== null)).size).toBeGreaterThan(1);
    }
  });

  it('after retention archived the oldest journal rows, still ends on the positions projection', async () => {
    const copy = path.join(tmp.dir, 'archived.db');
    fs.copyFileSync(db, copy);
    const keepNone = path.join(tmp.dir, 'keep-none.json');
    fs.writeFileSync(keepNone, JSON.stringify({ retention: { keepEndedForMs: 0 } }));
    const archived = await runCliToEnd(['archive', '--now', '--db', copy, '--config', keepNone, '--json']);
    expect(archived.code, archived.stderr).toBe(0);
    const bases = await withReadOnly(copy, (k) => k.selectFrom('journal_base').select('actor_id').execute());
    expect(bases.map((b) => b.actor_id)).toEqual(
      expect.arrayContaining(['book/paper/BTC/USDT', 'book/paper/ETH/USDT']),
    );
    const archivedQuery = await VisualizerQuery.open(copy);
    try {
      const after = await dashboardAnswer(
        dashboardParams.parse({}),
        archivedQuery.dashboard,
        new DashboardModel(),
      );
      for (const p of await query.positions()) {
        const s = after.symbols.find((x) => x.symbol === p.symbol)!;
        expect(lastValue(s.position)).toBe(p.quantity);
        expect(lastValue(s.realizedPnl)).toBe(p.realizedPnl);
      }
    } finally {
      await archivedQuery.close();
    }
  }, 30_000);

  it('ends each symbol on its number of orders not in a terminal state', async () => {
    const live = await withReadOnly(db, (k) =>
      k
        .selectFrom('orders')
        .select(['symbol', (eb) => eb.fn.countAll<number>().as('n')])
        .where('state', 'not in', ['filled', 'cancelled', 'rejected', 'expired', 'denied'])
        .groupBy('symbol')
        .execute(),
    );
    for (const s of answer.symbols) {
      const n = Number(live.find((r) => r.symbol === s.symbol)?.n ?? 0);
      expect(lastValue(s.liveOrders)).toBe(n);
      expect(Math.max(...s.liveOrders.map((v) => v ?? 0))).toBeGreaterThan(0);
    }
  });

  it("ends each symbol's mid on the midpoint of its last desired best bid and ask", async () => {
    const last = await withReadOnly(db, (k) =>
      k
        .selectFrom('journal')
        .select(['actor_id', 'event'])
        .where('event_type', '=', 'ADJUST_ORDERS')
        .orderBy('seq')
        .execute(),
    );
    for (const s of answer.symbols) {
      const rows = last.filter((r) => r.actor_id.endsWith(`/${s.symbol}`));
      const desired = (JSON.parse(rows.at(-1)!.event) as { desired: { side: string; price: string }[] })
        .desired;
      const prices = (side: string) => desired.filter((d) => d.side === side).map((d) => BigJs(d.price));
      const bid = prices('buy').reduce((a, b) => (b.gt(a) ? b : a));
      const ask = prices('sell').reduce((a, b) => (b.lt(a) ? b : a));
      expect(BigJs(lastValue(s.mid)!).eq(bid.plus(ask).div(2))).toBe(true);
    }
  });

  it('counts the risk denials per symbol and rule as the orders say, and marks each on the timeline', async () => {
    const orders = await query.orders({ limit: 1000 });
    expect(orders.length).toBeLessThan(1000);
    const expected = new Map<string, number>();
    for (const o of orders) {
      const rule = riskRuleOf(o.reason);
      if ((o.state === 'rejected' && rule !== null) || o.state === 'denied')
        expected.set(`${o.symbol} ${rule ?? ''}`, (expected.get(`${o.symbol} ${rule ?? ''}`) ?? 0) + 1);
    }
    expect(expected.size).toBeGreaterThan(0);
    expect(new Map(answer.denials.map((d) => [`${d.symbol} ${d.rule}`, d.count]))).toEqual(expected);
    expect(answer.denials.every((d) => d.rule === 'maxPosition' && d.lastAt > 0)).toBe(true);
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    const marked = answer.symbols.flatMap((s) => s.denials).reduce<number>((a, b) => a + (b ?? 0), 0);
    expect(marked).toBe(total);
  });

  it('keeps the answer within the points asked for, on buckets aligned to their width', async () => {
    for (const points of ['10', '50', '300']) {
      const a = await ask(new DashboardModel(), { points });
      expect(a.t.length).toBeGreaterThan(1);
      expect(a.t.length).toBeLessThanOrEqual(Number(points) + 2);
      expect(a.t.every((t) => t % a.window.bucketMs === 0)).toBe(true);
      for (const s of a.symbols)
        for (const key of ['mid', 'position', 'realizedPnl', 'liveOrders', 'denials'] as const)
          expect(s[key]).toHaveLength(a.t.length);
    }
  });

  it('answers only the buckets from `since` on when the bucket width still holds, else the whole window', async () => {
    const model = new DashboardModel();
    const full = await ask(model);
    const k = Math.floor(full.t.length / 2);
    const bucket = String(full.window.bucketMs);
    const tail = await ask(model, { since: String(full.t[k]), bucket });
    expect(tail.window.full).toBe(false);
    expect(tail.t).toEqual(full.t.slice(k));
    for (const [i, s] of tail.symbols.entries()) {
      const whole = full.symbols[i]!;
      expect(s.position).toEqual(whole.position.slice(k));
      expect(s.liveOrders).toEqual(whole.liveOrders.slice(k));
      expect(s.denials).toEqual(whole.denials.slice(k));
    }
    const other = await ask(model, { since: String(full.t[k]), bucket: String(full.window.bucketMs * 2) });
    expect(other.window.full).toBe(true);
    expect(other.t).toEqual(full.t);
  });

  it('reads the trading state, active while no operator changed it', async () => {
    expect(answer.tradingState).toMatchObject({ state: 'active', reason: null });
  });
});
