import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dec, fmt } from '../../src/domain/decimal.js';
import { runCliToEnd } from '../support/engine-process.js';
import { orderState, simDesk } from '../support/engine-on-sim.js';
import { waitFor } from '../support/wait.js';
import type { EngineOnSim, SimDesk } from '../support/engine-on-sim.js';
import { tempDir } from '../support/tmp.js';

/**
 * The engine trading through the real ccxt client against the Binance-compatible simulator while the
 * simulator misbehaves the way real venues do (its admin API): order views that lag, trade ids reused with
 * other content, trades not listed, overfills, refusals, failing lookups, balances that move by themselves.
 */

let desk: SimDesk;
let tmp: { dir: string; cleanup: () => void };

beforeEach(async () => {
  tmp = tempDir('misbehaving-venue');
  desk = await simDesk(tmp.dir);
});
afterEach(async () => {
  await desk.close();
  tmp.cleanup();
});

/** Waits for the engine's one bid and one ask to rest at the venue and returns them. */
async function restingQuotes() {
  let open: Awaited<ReturnType<SimDesk['openAtVenue']>> = [];
  await waitFor('a bid and an ask at the venue', async () => {
    open = await desk.openAtVenue();
    return open.some((o) => o.side === 'BUY') && open.some((o) => o.side === 'SELL');
  });
  return { bid: open.find((o) => o.side === 'BUY')!, ask: open.find((o) => o.side === 'SELL')!, open };
}

describe('order views that lag behind the matching engine', () => {
  it('after a restart, orders the venue says do not exist (-2013) stay live and are not replaced; found again, they rest on', async () => {
    const first = await desk.open('lag.db');
    const { open } = await restingQuotes();
    await first.stop();
    // The venue's views now deny both orders (lookups answer -2013, openOrders and allOrders omit them).
    await desk.h.admin.post('faults', { staleOrderViews: { durationMs: 2500 } });
    const second = await desk.open('lag.db');
    let most = 0;
    for (let i = 0; i < 40; i += 1) {
      most = Math.max(most, (await desk.openAtVenue()).length);
      await new Promise((r) => setTimeout(r, 100));
    }
    const ids = open.map((o) => o.clientOrderId).sort();
    expect(most, 'orders live at the venue at any moment').toBe(2);
    expect((await desk.h.admin.state()).orders.map((o) => o.clientOrderId).sort(), 'nothing placed').toEqual(
      ids,
    );
    await waitFor('both orders found open again', () =>
      ids.every((id) => second.engine.runtime.actor(`order/${id}`)?.state === 'open'),
    );
    const notListed = second.coded('ORDER_NOT_LISTED');
    expect(notListed.map((l) => l.obj['clientOrderId']).sort()).toEqual(ids);
    expect(notListed[0]!.level).toBe('warn');
    expect(second.coded('ORDER_VANISHED')).toEqual([]);
  }, 30_000);

  it('a known order found nowhere is called gone only after absenceProofMs of searched lookups, then replaced', async () => {
    const timeouts = { ackMs: 2000, cancelMs: 2000, lookupRetryMs: 200, absenceProofMs: 1500 };
    const first = await desk.open('gone.db', { timeouts });
    const { bid } = await restingQuotes();
    await first.stop();
    await desk.h.admin.post('faults', { staleOrderViews: { clientOrderIds: [bid.clientOrderId] } });
    const t0 = Date.now();
    const second = await desk.open('gone.db', { timeouts });
    await waitFor('the bid proven gone', () => second.coded('ORDER_VANISHED').length > 0, 15_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    const vanished = second.coded('ORDER_VANISHED')[0]!;
    expect(vanished.obj['clientOrderId']).toBe(bid.clientOrderId);
    expect(String(vanished.obj['reason'])).toMatch(/lookups over \d+ ms found it nowhere/);
    // its replacement is placed only then
    await waitFor('a new bid at the venue', async () =>
      (await desk.openAtVenue()).some((o) => o.side === 'BUY' && o.clientOrderId !== bid.clientOrderId),
    );
  }, 30_000);
});

/** Fills the order outright at the simulator (its admin API: see docs/venue-sim.md). */
function fillAtVenue(clientOrderId: string, fill: Record<string, unknown>): Promise<unknown> {
  return desk.h.admin.post('fill', Object.assign({ symbol: 'BTC/USDT', clientOrderId }, fill));
}

/** The engine's position in BTC/USDT (its positions projection). */
async function position(e: EngineOnSim): Promise<string> {
  const row = await e.engine.store.db
    .selectFrom('positions')
    .select('quantity')
    .where('symbol', '=', 'BTC/USDT')
    .executeTakeFirst();
  return row?.quantity ?? '0';
}

describe('trades the venue reports oddly', () => {
  it('a reused trade id with other content is kept as contested, warned about, and applied once the filled quantity needs it', async () => {
    const e = await desk.open('reused.db');
    const { bid } = await restingQuotes();
    await fillAtVenue(bid.clientOrderId, { qty: '0.004' });
    await waitFor('the first fill in the position', async () => (await position(e)) === '0.004');
    const first = (await desk.h.admin.state()).trades[0]!;
    // Another trade of the same order under the same trade id: it completes the order at the venue.
    await fillAtVenue(bid.clientOrderId, { qty: '0.006', reuseTradeId: first.id });
    await waitFor('the position to match the venue', async () => (await position(e)) === '0.01');
    await waitFor('TRADE_ID_REUSED', () => e.coded('TRADE_ID_REUSED').length > 0);
    const reused = e.coded('TRADE_ID_REUSED');
    expect(reused.length).toBeGreaterThan(0);
    expect(reused[0]!.obj['subject']).toBe(`binance:${first.id}`);
    const detail = reused[0]!.obj['detail'] as {
      recorded: { quantity: string };
      reported: { quantity: string };
    };
    expect([detail.recorded.quantity, detail.reported.quantity]).toEqual(['0.004', '0.006']);
    const fills = await e.engine.store.db
      .selectFrom('fills')
      .select(['trade_id', 'status', 'quantity'])
      .orderBy('recorded_at')
      .execute();
    expect(fills.map((f) => [f.trade_id.split('~')[0], f.status, f.quantity])).toEqual([
      [String(first.id), 'applied', '0.004'],
      [String(first.id), 'applied', '0.006'],
    ]);
    expect(await e.engine.store.ledger.fillGapOf(bid.clientOrderId)).toBeNull();
  }, 30_000);

  it('filled quantity without trades: warned (FILL_GAP) across restarts and fetched again until the trades appear', async () => {
    const a = await desk.open('gap.db');
    const { bid } = await restingQuotes();
    await a.stop();
    // Filled at the venue while the engine is down; the trade is neither pushed nor listed.
    await fillAtVenue(bid.clientOrderId, { qty: '0.004', hidden: true });
    const b = await desk.open('gap.db');
    await waitFor('a FILL_GAP warning', () => b.coded('FILL_GAP').length > 0);
    expect(b.coded('FILL_GAP')[0]!.obj).toMatchObject({
      clientOrderId: bid.clientOrderId,
      missingQuantity: '0.004',
    });
    expect(await b.engine.store.ledger.fillGapOf(bid.clientOrderId)).toBe('0.004');
    await b.stop();
    const c = await desk.open('gap.db');
    await waitFor('the warning again after a restart', () => c.coded('FILL_GAP').length > 0);
    await desk.h.admin.post('reveal-trades');
    await waitFor('the trade fetched and counted', async () => (await position(c)) === '0.004');
    await waitFor('the gap closed', () => c.logger.lines.some((l) => l.msg === 'fill gap closed'));
    expect(await c.engine.store.ledger.fillGapOf(bid.clientOrderId)).toBeNull();
  }, 40_000);

  it('an overfill is applied to the position, marks the order, and stays an alert until acknowledged', async () => {
    const e = await desk.open('over.db');
    const { bid } = await restingQuotes();
    await fillAtVenue(bid.clientOrderId, { qty: '0.014', overfill: true });
    await waitFor('the overfill in the position', async () => (await position(e)) === '0.014');
    await waitFor('ORDER_OVERFILLED', () => e.coded('ORDER_OVERFILLED').length > 0);
    expect(e.coded('ORDER_OVERFILLED').map((l) => l.obj['subject'])).toEqual([
      `binance:${bid.clientOrderId}`,
    ]);
    const row = await e.engine.store.db
      .selectFrom('orders')
      .select(['state', 'anomalies'])
      .where('client_order_id', '=', bid.clientOrderId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'filled', anomalies: 1 });
    await e.stop();

    const db = path.join(tmp.dir, 'over.db');
    const id = `order-overfilled/binance:${bid.clientOrderId}`;
    const listed = await runCliToEnd(['alerts', '--db', db, '--json']);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { alerts: { id: string; code: string }[] }).alerts).toMatchObject([
      { id, code: 'ORDER_OVERFILLED' },
    ]);
    // Restarted, the engine reminds the operator of it (in the reconciliation Engine.open awaits; the next
    // reminder would come a minute later)...
    const again = await desk.open('over.db');
    expect(again.logger.lines.filter((l) => l.msg.startsWith('unacknowledged alert'))).toHaveLength(1);
    await again.stop();
    // ... until acknowledged (while no engine or an engine runs: the command is the same)
    expect((await runCliToEnd(['ack', 'order-overfilled/binance:nope', '--db', db])).code).toBe(1);
    const ack = await runCliToEnd(['ack', id, '--db', db, '--note', 'hedged by hand', '--json']);
    expect([ack.code, JSON.parse(ack.stdout)]).toEqual([0, { acknowledged: id }]);
    expect((await runCliToEnd(['ack', id, '--db', db])).code).toBe(1);
    const quiet = await desk.open('over.db');
    expect(quiet.logger.lines.filter((l) => l.msg.startsWith('unacknowledged alert'))).toEqual([]);
  }, 60_000);
});

describe('what the operator is told', () => {
  it('a venue refusing orders: ORDER_REJECTED with the reason, one line per reason and minute', async () => {
    await desk.h.admin.post('balances', { balances: { USDT: '10' } });
    const e = await desk.open('refused.db');
    await waitFor('a refusal', () => e.coded('ORDER_REJECTED').length > 0);
    await waitFor('ten refused bids in the engine database', async () => {
      const row = await e.engine.store.db
        .selectFrom('orders')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', '=', 'rejected')
        .executeTakeFirstOrThrow();
      return Number(row.n) >= 10;
    });
    const lines = e.coded('ORDER_REJECTED');
    expect(lines).toHaveLength(1);
    expect(String(lines[0]!.obj['reason'])).toMatch(/insufficient/i);
  }, 30_000);

  it('a fill after the order was cancelled: FILL_AFTER_CLOSE, and it counts', async () => {
    const a = await desk.open('late.db');
    const { bid } = await restingQuotes();
    await fillAtVenue(bid.clientOrderId, { qty: '0.004', hidden: true });
    await a.engine.stop({ cancelOrders: true, timeoutMs: 5000 });
    await a.stop();
    expect(
      (await desk.h.admin.state()).orders.find((o) => o.clientOrderId === bid.clientOrderId)?.status,
    ).toBe('CANCELED');
    await desk.h.admin.post('reveal-trades');
    const b = await desk.open('late.db', {}, false);
    await waitFor('FILL_AFTER_CLOSE', () => b.coded('FILL_AFTER_CLOSE').length > 0);
    expect(b.coded('FILL_AFTER_CLOSE')[0]!.obj['detail']).toMatchObject({
      clientOrderId: bid.clientOrderId,
      state: 'cancelled',
    });
    expect(await position(b)).toBe('0.004');
  }, 30_000);

  it('lookups that keep failing and a cancel without an outcome: LOOKUP_FAILING, CANCEL_UNCONFIRMED, then their ends', async () => {
    const e = await desk.open('unconfirmed.db', {
      timeouts: { ackMs: 2000, cancelMs: 300, lookupRetryMs: 100, absenceProofMs: 30_000 },
    });
    const { bid } = await restingQuotes();
    await desk.h.admin.post('faults', { http5xx: 1 });
    await e.engine.runtime.send(`order/${bid.clientOrderId}`, { type: 'CANCEL_ORDER' });
    await waitFor('LOOKUP_FAILING', () => e.coded('LOOKUP_FAILING').length > 0);
    expect(e.coded('LOOKUP_FAILING')[0]!.obj).toMatchObject({ clientOrderId: bid.clientOrderId });
    await waitFor('CANCEL_UNCONFIRMED', () => e.coded('CANCEL_UNCONFIRMED').length > 0);
    expect(e.coded('LOOKUP_FAILING')).toHaveLength(1); // one line per streak and minute, not per lookup
    await desk.h.admin.post('reset-faults');
    await waitFor('the cancel confirmed', () =>
      e.logger.lines.some((l) => l.msg === 'the unconfirmed cancel has an outcome'),
    );
    expect(e.logger.lines.some((l) => l.msg === 'looking the order up works again')).toBe(true);
    await waitFor('the cancel carried out', () => orderState(e, bid.clientOrderId) === 'gone'); // terminal
  }, 30_000);

  it('a balance that does not match the position: BALANCE_MISMATCH, and a line when it matches again', async () => {
    const e = await desk.open('balance.db', { balanceCheckIntervalMs: 200 });
    await restingQuotes();
    await waitFor(
      'the baseline',
      async () => (await e.engine.store.getMeta('balanceBaseline/binance/BTC')) !== undefined,
    );
    const btc = (await desk.h.admin.state()).balances.find((b) => b.asset === 'BTC')!;
    await desk.h.admin.post('balances', { balances: { BTC: fmt(new Dec(btc.free).plus('0.5')) } });
    await waitFor('BALANCE_MISMATCH', () => e.coded('BALANCE_MISMATCH').length > 0);
    expect(e.coded('BALANCE_MISMATCH')[0]!.obj).toMatchObject({ asset: 'BTC', difference: '0.5' });
    await desk.h.admin.post('balances', { balances: { BTC: btc.free } });
    await waitFor('matching again', () =>
      e.logger.lines.some((l) => l.msg === 'balance matches the positions again'),
    );
  }, 30_000);
});
