import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-process.js';
import { tempDir } from '../support/tmp.js';
import { audit, paperView } from './chaos-audit.js';
import type { VenueView } from './chaos-audit.js';
import { fifoRealizedPnl } from './fifo-pnl.js';

describe('fifoRealizedPnl: the audit’s own recomputation', () => {
  it('closes the oldest lots first at their own prices, exactly', () => {
    const fills = [
      { side: 'buy', price: '100', quantity: '1' },
      { side: 'buy', price: '110', quantity: '1' },
      { side: 'sell', price: '120', quantity: '1.5' },
    ];
    expect(fifoRealizedPnl(fills)).toBe('25'); // 1 × 20 + 0.5 × 10
  });

  it('crosses through flat: the excess opens a lot on the other side', () => {
    const fills = [
      { side: 'sell', price: '100', quantity: '1' },
      { side: 'buy', price: '90.5', quantity: '2' }, // +9.5, then long 1 at 90.5
      { side: 'sell', price: '91', quantity: '0.25' }, // +0.125
    ];
    expect(fifoRealizedPnl(fills)).toBe('9.625');
  });

  it('goes on from an archived journal base', () => {
    const start = { lots: [{ quantity: '0.3', price: '0.1' }], quantity: '0.3', realizedPnl: '-0.2' };
    expect(fifoRealizedPnl([{ side: 'sell', price: '0.3', quantity: '0.1' }], start)).toBe('-0.18');
  });
});

describe('the chaos audit on a real engine database', () => {
  const tmp = tempDir('chaos-audit');
  const db = path.join(tmp.dir, 'engine.db');
  const venueDb = path.join(tmp.dir, 'venue.db');
  let view: VenueView;
  beforeAll(async () => {
    const run = runCli(['start', '--db', db, '--venue-db', venueDb, '--duration', '5', '--seed', '7']);
    const { code } = await run.exited;
    expect(code, run.output().stderr.slice(-2000)).toBe(0);
    view = paperView(venueDb);
    expect(view.trades.length, 'the run traded').toBeGreaterThan(3);
  }, 60_000);
  afterAll(() => tmp.cleanup());

  it('finds nothing wrong after a clean run', async () => {
    const report = await audit(db, view);
    expect(report).toMatchObject({
      duplicateClientOrderIds: 0,
      unknownVenueOrders: 0,
      lostFills: 0,
      doubleCountedFills: 0,
      positionMismatches: 0,
      realizedPnlMismatches: 0,
      openOrderMismatches: 0,
      integrityOk: true,
      replayOk: true,
    });
  });

  it('counts a realized PnL, or a fill the book applied, that the venue’s trades do not give', async () => {
    const reducing = view.trades.findIndex((t, i) => i > 0 && t.side !== view.trades[0]!.side);
    expect(reducing, 'a fill against the position').toBeGreaterThan(0);
    // The venue's record of one trade differs from what the book applied: its price.
    const repriced = view.trades.map((t, i) => (i === reducing ? { ...t, price: `${t.price}1` } : t));
    const report = await audit(db, { ...view, trades: repriced });
    expect(report.realizedPnlMismatches).toBeGreaterThanOrEqual(1);
    expect(report.problems.join('\n')).toMatch(/applied trade .* unlike the venue's/);

    // The projection's realized PnL altered by a hundredth.
    const file = new Database(db);
    file
      .prepare(
        `update positions set realized_pnl = case when realized_pnl like '%.%' then realized_pnl || '1'
           else realized_pnl || '.01' end where rowid = (select min(rowid) from positions)`,
      )
      .run();
    file.close();
    const altered = await audit(db, view);
    expect(altered.realizedPnlMismatches).toBe(1);
    expect(altered.positionMismatches).toBe(1);
    expect(altered.problems.join('\n')).toMatch(/realized PnL .*, the venue's trades give/);
  });
});
