import path from 'node:path';
import type { Kysely } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import type { PaperVenue } from '../../src/adapters/paper/paper-venue.js';
import { StatusLine } from '../../src/cli/status-line.js';
import { systemClock } from '../../src/domain/clock.js';
import { Dec, fmt } from '../../src/domain/decimal.js';
import { Engine } from '../../src/engine/engine.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import { ReadModel, ordersOf } from '../../src/engine/read-model.js';
import type { ReadModelContext } from '../../src/engine/read-model.js';
import type { Database } from '../../src/persistence/schema.js';
import { openSqliteReadOnly } from '../../src/persistence/sqlite.js';
import { paperEngineOptions, paperVenueIn } from '../support/paper-engine.js';
import { tempDirPerTest } from '../support/test-dir.js';

/**
 * The read model on real parts: the engine on a real SQLite file, trading against the paper venue (its
 * own SQLite file), then stopped and restarted. Whatever the store shows must be what the database says.
 */

const tmp = tempDirPerTest('read-model');
const SYMBOL = 'BTC/USDT';
const LIVE_STATES = ['pendingNew', 'submitting', 'open', 'partiallyFilled', 'pendingCancel', 'unconfirmed'];

const paperVenue = (): PaperVenue => paperVenueIn(tmp.dir, 3, tmp.cleanups);
const engineOptions = (venue: PaperVenue): EngineOptions =>
  paperEngineOptions(tmp.dir, venue, SYMBOL, 'rm0001');

/** The database's figures, in the read model's terms (live orders by state; filled from the fill ledger). */
async function databaseFigures(db: Kysely<Database>) {
  const positions = await db.selectFrom('positions').selectAll().where('venue', '=', 'paper').execute();
  const orders = await db
    .selectFrom('orders')
    .selectAll()
    .where('venue', '=', 'paper')
    .where('state', 'in', LIVE_STATES)
    .execute();
  const fills = await db
    .selectFrom('fills')
    .select(['client_order_id', 'quantity'])
    .where('status', '=', 'applied')
    .execute();
  const revs = await db.selectFrom('actors').select(['id', 'rev']).where('live', '=', 1).execute();
  const rev = new Map(revs.map((r) => [r.id, Number(r.rev)]));
  const filled = (clientOrderId: string) =>
    fmt(
      fills
        .filter((f) => f.client_order_id === clientOrderId)
        .reduce((sum, f) => sum.plus(f.quantity), new Dec('0')),
    );
  const bySymbol: Record<string, unknown> = {};
  for (const p of positions) {
    const groups: Record<string, Record<string, unknown>> = {};
    for (const o of orders.filter((o) => o.symbol === p.symbol)) {
      (groups[o.state] ??= {})[o.client_order_id] = {
        clientOrderId: o.client_order_id,
        side: o.side,
        price: o.price,
        quantity: o.quantity,
        filled: filled(o.client_order_id),
        state: o.state,
        level: o.level,
        rev: rev.get(`order/${o.client_order_id}`),
      };
    }
    bySymbol[p.symbol] = {
      position: {
        quantity: p.quantity,
        averagePrice: p.average_price,
        realizedPnl: p.realized_pnl,
        fees: JSON.parse(p.fees) as unknown,
        fillCount: p.fill_count,
        rev: rev.get(`book/paper/${p.symbol}`),
      },
      orders: groups,
    };
  }
  return bySymbol;
}

/** The read model's figures, in the same form (the mid is the strategy's, not the database's). */
function modelFigures(context: ReadModelContext) {
  const bySymbol: Record<string, unknown> = {};
  for (const [symbol, view] of Object.entries(context.symbols)) {
    const orders = Object.entries(view.orders).map(([state, group]) => [state, Object.fromEntries(group)]);
    bySymbol[symbol] = { position: view.position, orders: Object.fromEntries(orders) };
  }
  return bySymbol;
}

describe('the read model (@xstate/store) fed by committed transitions', () => {
  it('shows what the database says after real trading, and after a restart', async () => {
    const venue = paperVenue();
    venue.start();
    const first = await Engine.open(engineOptions(venue));
    expect(first.readModel.context.trading).toBe('ready');
    first.startTrading();
    expect(first.readModel.context.trading).toBe('trading');
    // Trade until fills have moved the position and orders are resting again.
    await vi.waitFor(
      () => {
        const view = first.readModel.symbol(SYMBOL);
        expect(view?.position.fillCount ?? 0).toBeGreaterThanOrEqual(3);
        expect(view === undefined ? 0 : ordersOf(view).length).toBeGreaterThan(0);
      },
      { timeout: 25_000, interval: 50 },
    );
    expect(first.readModel.eventsPerSecond()).toBeGreaterThan(0);
    expect(first.readModel.symbol(SYMBOL)?.mid).toMatch(/^\d+(\.\d+)?$/);

    // The status line shows the store's figures.
    const line = new StatusLine(first, 0).line();
    const view = first.readModel.symbol(SYMBOL)!;
    const open = (view.orders.open?.size ?? 0) + (view.orders.partiallyFilled?.size ?? 0);
    expect(line).toMatch(
      new RegExp(
        String.raw`^BTC/USDT mid ${view.mid} pos ${view.position.quantity} @ \S+ rPnL \S+ \| open ${open} \| \d+ ev/s \| calls \d+$`,
      ),
    );

    venue.stop(); // the market pauses: the last reconciliation sees every fill there will be
    await first.stop({ timeoutMs: 5000 });
    expect(first.readModel.context.trading).toBe('stopped');
    const db = openSqliteReadOnly(path.join(tmp.dir, 'engine.db'));
    const stored = await databaseFigures(db).finally(() => db.destroy());
    expect(modelFigures(first.readModel.context)).toEqual(stored);
    const position = (stored[SYMBOL] as { position: { fillCount: number } }).position;
    expect(position.fillCount).toBeGreaterThanOrEqual(3);
    const live = ordersOf(first.readModel.symbol(SYMBOL)!);
    expect(live.length).toBeGreaterThan(0);

    // A restart: a new engine, a new read model, seeded from the recovered actors.
    const second = await Engine.open(engineOptions(venue));
    await second.runtime.settle(5000);
    expect(second.runtime.openCalls).toBe(0);
    expect(modelFigures(second.readModel.context)).toEqual(await databaseFigures(second.database.db));
    expect(modelFigures(second.readModel.context)).toEqual(stored);
    // Seeding alone (no committed transition) gives the same figures.
    const seeded = new ReadModel(systemClock, 'paper');
    seeded.recovered(second.runtime.liveActors());
    expect(modelFigures(seeded.context)).toEqual(modelFigures(second.readModel.context));
    await second.stop({ timeoutMs: 5000 });
    expect(second.readModel.context.trading).toBe('stopped');
  });
});
