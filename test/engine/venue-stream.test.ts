import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dumpTables } from '../support/engine-harness.js';
import { orderState, simDesk } from '../support/engine-on-sim.js';
import { executionReport as report } from '../support/venue-sim.js';
import { waitFor } from '../support/wait.js';
import type { SimDesk } from '../support/engine-on-sim.js';
import { tempDir } from '../support/tmp.js';

/**
 * The venue pipeline end to end, with the real ccxt client against the simulator: what the venue pushes is
 * validated once, by the adapter (a malformed payload never reaches the engine), and the gap-fill after a
 * (re)subscription of the stream is the engine's (by its durable trade cursor), which finds what the
 * stream lost while it was down.
 */

let desk: SimDesk;
let tmp: { dir: string; cleanup: () => void };

beforeEach(async () => {
  tmp = tempDir('venue-stream');
  desk = await simDesk(tmp.dir);
});
afterEach(async () => {
  await desk.close();
  tmp.cleanup();
});

describe('the venue pipeline (engine + CcxtVenue + simulator)', () => {
  it('a malformed pushed payload is refused by the adapter, naming the field, recorded once as an anomaly, and changes nothing else', async () => {
    const e = await desk.open('edge.db', { gapFillIntervalMs: 600_000 }, false);
    await waitFor('the gap-fill after the first subscription', () =>
      e.logger.lines.some((l) => l.msg === 'gap-fill after subscription done'),
    );
    const db = e.engine.database.db;
    const before = await dumpTables(db);
    // A trade at price 0 of an order in a status nobody knows, then an order filled -1: ccxt reads them,
    // the port's schema does not.
    await desk.h.admin.post('ws/push', { event: report({ L: '0.00000000', X: 'SOMETHING' }) });
    await desk.h.admin.post('ws/push', {
      event: report({ x: 'NEW', X: 'NEW', l: '0', z: '-1.00000000', t: -1 }),
    });
    const refused = (field: string) =>
      e.venueLogger.lines.filter((l) => l.level === 'warn' && l.obj.field === field && /ignored/.test(l.msg));
    await waitFor('all three refused at the edge', () =>
      ['fill.price', 'order.status', 'order.filledQuantity'].every((f) => refused(f).length === 1),
    );
    expect(String(refused('fill.price')[0]!.obj.err)).toMatch(/fill\.price: must be > 0/);
    await new Promise((r) => setTimeout(r, 200));
    const after = await dumpTables(db);
    // The refused fill named no order: the engine fetched what it may have carried instead (a gap-fill,
    // which found nothing and moved only its trade cursor).
    await waitFor('a gap-fill after the unreadable update', () =>
      e.logger.lines.some((l) => l.msg === 'gap-fill after an unreadable venue update done'),
    );
    const cursorless = (t: Record<string, unknown>) => ({
      ...t,
      anomalies: [],
      meta: (t.meta as { key: string }[]).filter((m) => !m.key.startsWith('tradeCursor/')),
    });
    expect(cursorless(after)).toEqual(cursorless(before));
    const recorded = (after.anomalies as { kind: string; count: number; detail: string }[]).filter(
      (a) => a.kind === 'refused-venue-report',
    );
    expect(recorded.reduce((n, a) => n + Number(a.count), 0)).toBe(3);
    for (const a of recorded)
      expect(a.detail).toMatch(/^(fill\.price|order\.status|order\.filledQuantity): /);
    expect(e.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
    // The pipeline goes on: the same report, well formed, reaches the ledger (an unknown order's fill).
    await desk.h.admin.post('ws/push', { event: report({ t: 7002 }) });
    await waitFor('the well-formed fill recorded', async () =>
      (await db.selectFrom('fills').select('trade_id').execute()).some((f) => f.trade_id === '7002'),
    );
    const fills = await db
      .selectFrom('fills')
      .select(['trade_id', 'client_order_id', 'status', 'price'])
      .execute();
    expect(fills).toEqual([
      { trade_id: '7002', client_order_id: 'elsewhere-1', status: 'orphan', price: '59990.5' },
    ]);
  });

  it("after a reconnect, the engine's gap-fill finds the fill the stream lost, counts it once, and learns its order's fate", async () => {
    // No periodic gap-fill in this run: only the one after the resubscription can find the lost fill.
    const e = await desk.open('gap.db', { gapFillIntervalMs: 600_000 }, true, {
      backoffMs: { min: 800, max: 1200 },
    });
    let bid: { clientOrderId: string } | undefined;
    await waitFor('a bid at the venue', async () => {
      bid = (await desk.openAtVenue()).find((o) => o.side === 'BUY');
      return bid !== undefined && orderState(e, bid.clientOrderId) === 'open';
    });
    expect((await desk.h.admin.post<{ disconnected: number }>('ws/disconnect')).disconnected).toBe(1);
    // Filled while the socket is down (the adapter waits >= 400 ms before dialing again): pushed to nobody.
    await desk.h.admin.post('fill', { symbol: 'BTC/USDT', clientOrderId: bid!.clientOrderId, qty: '0.01' });
    const trades = (await desk.h.admin.state()).trades;
    expect(trades).toHaveLength(1);
    const done = () =>
      e.logger.lines.filter((l) => l.msg === 'gap-fill after subscription done' && l.obj.reconnect === true);
    await waitFor('the gap-fill after the resubscription', () => done().length > 0);
    expect(done()[0]!.obj.missedFills).toBe(1);
    // The adapter fetched nothing by itself: the only gap-fill is the engine's.
    expect(e.venueLogger.lines.filter((l) => /gap-fill/.test(l.msg))).toEqual([]);
    const db = e.engine.database.db;
    const ledger = await db.selectFrom('fills').select(['trade_id', 'client_order_id', 'status']).execute();
    expect(ledger).toEqual([
      { trade_id: String(trades[0]!.id), client_order_id: bid!.clientOrderId, status: 'applied' },
    ]);
    await waitFor('the bid filled', async () => {
      const row = await db
        .selectFrom('orders')
        .select('state')
        .where('client_order_id', '=', bid!.clientOrderId)
        .executeTakeFirst();
      return row?.state === 'filled';
    });
  });
});
