import type { Insertable } from 'kysely';
import { describe, expect, it } from 'vitest';
import { SteadfastError } from '../../src/domain/errors.js';
import { ALERT_KINDS } from '../../src/domain/notices.js';
import { acknowledgeAlert, listAlerts } from '../../src/persistence/alerts.js';
import { LedgerQueries } from '../../src/persistence/ledger-queries.js';
import { claimLease, releaseLease, renewLease } from '../../src/persistence/lease.js';
import {
  listActorIds,
  listFills,
  listOrders,
  readActor,
  readConsistently,
  readJournal,
  readLedgerCheck,
  readOrder,
} from '../../src/persistence/operator-queries.js';
import type { FillsTable, OrdersTable } from '../../src/persistence/schema.js';
import { readStatus } from '../../src/persistence/status-query.js';
import { countOrdersIn, readTradingState, writeTradingState } from '../../src/persistence/trading-state.js';
import { databasePerTest, dialects } from '../support/dialects.js';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const VENUE = 'paper';
const NAME = `engine/${VENUE}`;
const ALERT = ALERT_KINDS[0] ?? 'order-overfilled';

function order(id: string, over: Partial<Insertable<OrdersTable>> = {}): Insertable<OrdersTable> {
  return Object.assign(
    {
      client_order_id: id,
      venue: VENUE,
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      price: '100.5',
      quantity: '0.25',
      state: 'open',
      venue_order_id: `v-${id}`,
      level: null,
      owner: null,
      reason: null,
      anomalies: 0,
      fill_gap: null,
      created_at: T0,
      updated_at: T0,
    },
    over,
  );
}

function fill(tradeId: string, clientOrderId: string | null, over: Partial<Insertable<FillsTable>> = {}) {
  return Object.assign(
    {
      venue: VENUE,
      trade_id: tradeId,
      client_order_id: clientOrderId,
      venue_order_id: `v-${clientOrderId ?? 'x'}`,
      symbol: 'BTC/USDT',
      side: 'buy',
      price: '100.5',
      quantity: '0.1',
      fee: '0.01',
      fee_currency: 'USDT',
      liquidity: 'maker',
      at: T0 + 10,
      status: 'applied',
      recorded_at: T0 + 11,
    },
    over,
  ) as Insertable<FillsTable>;
}

/** Rejection of a promise that must reject with a SteadfastError. */
async function rejection(promise: Promise<unknown>): Promise<SteadfastError> {
  const outcome = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(SteadfastError);
  return outcome as SteadfastError;
}

describe.each(dialects)('operator reads and writes on $name', (dialect) => {
  const t = databasePerTest(dialect);

  describe('trading state', () => {
    it('reads the migrated row, and every change bumps the version', async () => {
      expect(await readTradingState(t.db)).toEqual({
        state: 'active',
        reason: null,
        version: 0,
        cancelRequested: false,
        changedAt: 0,
      });
      const halted = await writeTradingState(
        t.db,
        { state: 'halted', reason: 'maintenance', cancelRequested: true },
        T0,
      );
      expect(halted).toEqual({
        state: 'halted',
        reason: 'maintenance',
        version: 1,
        cancelRequested: true,
        changedAt: T0,
      });
      await writeTradingState(t.db, { state: 'active', reason: null, cancelRequested: false }, T0 + 5);
      expect(await readTradingState(t.db)).toEqual({
        state: 'active',
        reason: null,
        version: 2,
        cancelRequested: false,
        changedAt: T0 + 5,
      });
    });

    it('counts the orders in the given states', async () => {
      await t.db
        .insertInto('orders')
        .values([order('a'), order('b', { state: 'filled' }), order('c', { state: 'pendingNew' })])
        .execute();
      expect(await countOrdersIn(t.db, ['open', 'pendingNew'])).toBe(2);
      expect(await countOrdersIn(t.db, ['canceled'])).toBe(0);
    });
  });

  describe('lease', () => {
    it('claims with token 1, renews, refuses another owner until expiry, then hands over with token + 1', async () => {
      const first = await claimLease(t.db, NAME, 'host-a:1', 15_000, T0, false);
      expect(first).toEqual({ name: NAME, owner: 'host-a:1', token: 1 });
      await renewLease(t.db, first, 15_000, T0 + 5_000);
      const refused = await rejection(claimLease(t.db, NAME, 'host-b:2', 15_000, T0 + 19_999, false));
      expect(refused.code).toBe('DATABASE_LOCKED');
      expect(refused.message).toContain('host-a:1');
      const second = await claimLease(t.db, NAME, 'host-b:2', 15_000, T0 + 20_000, false);
      expect(second).toEqual({ name: NAME, owner: 'host-b:2', token: 2 });
      expect((await rejection(renewLease(t.db, first, 15_000, T0 + 20_001))).code).toBe('DATABASE_LOCKED');
      expect(await t.db.selectFrom('leases').selectAll().execute()).toEqual([
        { name: NAME, owner: 'host-b:2', token: 2, expires_at: T0 + 35_000 },
      ]);
    });

    it('the holder claims again with a new token; the old token is fenced out', async () => {
      const first = await claimLease(t.db, NAME, 'host-a:1', 15_000, T0, false);
      const again = await claimLease(t.db, NAME, 'host-a:1', 15_000, T0 + 1, false);
      expect(again.token).toBe(2);
      expect((await rejection(renewLease(t.db, first, 15_000, T0 + 2))).code).toBe('DATABASE_LOCKED');
    });

    it('with the writer lock held, takes an unexpired lease over at once', async () => {
      await claimLease(t.db, NAME, 'host-a:1', 15_000, T0, true);
      expect(await claimLease(t.db, NAME, 'host-b:2', 15_000, T0 + 1, true)).toEqual({
        name: NAME,
        owner: 'host-b:2',
        token: 2,
      });
    });

    it('of claims racing for a free lease, exactly one wins', async () => {
      for (let round = 0; round < 10; round += 1) {
        const name = `${NAME}/${round}`;
        const owners = ['host-a:1', 'host-b:2', 'host-c:3'];
        const outcomes = await Promise.allSettled(
          owners.map((owner) => claimLease(t.db, name, owner, 15_000, T0, false)),
        );
        const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
        expect(won).toHaveLength(1);
        for (const o of outcomes) {
          if (o.status === 'rejected') expect((o.reason as SteadfastError).code).toBe('DATABASE_LOCKED');
        }
        const rows = await t.db.selectFrom('leases').selectAll().where('name', '=', name).execute();
        expect(rows).toEqual([{ name, owner: won[0]?.owner, token: 1, expires_at: T0 + 15_000 }]);
      }
    });

    it('release gives the lease up only for its holder, and the next holder still gets a newer token', async () => {
      const first = await claimLease(t.db, NAME, 'host-a:1', 15_000, T0, false);
      await releaseLease(t.db, { name: NAME, owner: 'host-a:1', token: 7 });
      expect(await t.db.selectFrom('leases').select(['owner', 'expires_at']).execute()).toEqual([
        { owner: 'host-a:1', expires_at: T0 + 15_000 },
      ]);
      await releaseLease(t.db, first);
      expect(await t.db.selectFrom('leases').select(['token', 'expires_at']).execute()).toEqual([
        { token: 1, expires_at: 0 },
      ]);
      const next = await claimLease(t.db, NAME, 'host-b:2', 15_000, T0 + 1, false);
      expect([next.owner, next.token]).toEqual(['host-b:2', 2]);
    });
  });

  describe('alerts', () => {
    it('lists open alerts oldest first, acknowledges one once, and lists it again with --all', async () => {
      const base = { detail: '{}', count: 1, acknowledged_at: null, acknowledged_note: null };
      await t.db
        .insertInto('anomalies')
        .values([
          Object.assign({ kind: ALERT, subject: 'o-2', first_at: T0 + 2, last_at: T0 + 3 }, base),
          Object.assign({ kind: ALERT, subject: 'o-1', first_at: T0 + 1, last_at: T0 + 4 }, base),
          Object.assign({ kind: 'not-an-alert', subject: 'x', first_at: T0, last_at: T0 }, base),
        ])
        .execute();
      expect((await listAlerts(t.db, ALERT_KINDS, false)).map((a) => a.id)).toEqual([
        `${ALERT}/o-1`,
        `${ALERT}/o-2`,
      ]);
      expect(await acknowledgeAlert(t.db, ALERT_KINDS, `${ALERT}/o-1`, 'seen', T0 + 9)).toBe(true);
      expect(await acknowledgeAlert(t.db, ALERT_KINDS, `${ALERT}/o-1`, 'again', T0 + 10)).toBe(false);
      expect(await acknowledgeAlert(t.db, ALERT_KINDS, 'not-an-alert/x', null, T0 + 10)).toBe(false);
      expect((await listAlerts(t.db, ALERT_KINDS, false)).map((a) => a.id)).toEqual([`${ALERT}/o-2`]);
      const all = await listAlerts(t.db, ALERT_KINDS, true);
      expect(all[0]).toEqual({
        id: `${ALERT}/o-1`,
        kind: ALERT,
        subject: 'o-1',
        detail: '{}',
        count: 1,
        firstAt: T0 + 1,
        lastAt: T0 + 4,
        acknowledgedAt: T0 + 9,
        acknowledgedNote: 'seen',
      });
    });
  });

  describe('orders, fills and journal', () => {
    async function seed() {
      await t.db
        .insertInto('orders')
        .values([
          order('b', { created_at: T0 + 1, symbol: 'ETH/USDT' }),
          order('a', { created_at: T0 + 1, state: 'filled', fill_gap: '0.05' }),
          order('c', { created_at: T0, state: 'rejected', reason: 'rejected: denied by risk: maxOrder 2' }),
        ])
        .execute();
      await t.db
        .insertInto('fills')
        .values([
          fill('t2', 'a', { at: T0 + 20 }),
          fill('t1', 'a', { at: T0 + 10, side: 'buy', quantity: '0.15' }),
          fill('t3', null, { at: T0 + 30, status: 'orphan', side: 'sell', quantity: '0.05' }),
          fill('t1~x', 'a', { at: T0 + 40, status: 'contested' }),
        ])
        .execute();
      await t.db
        .insertInto('journal')
        .values([
          {
            batch: 2,
            actor_id: 'order/a',
            rev: 2,
            event_type: 'ack',
            event: '{"n":2}',
            state: 'open',
            at: T0 + 2,
          },
          {
            batch: 1,
            actor_id: 'order/a',
            rev: 1,
            event_type: 'new',
            event: '{"n":1}',
            state: 'pending',
            at: T0 + 1,
          },
          {
            batch: 1,
            actor_id: 'order/b',
            rev: 1,
            event_type: 'new',
            event: '{}',
            state: 'pending',
            at: T0 + 1,
          },
        ])
        .execute();
      await t.db
        .insertInto('actors')
        .values({
          id: 'order/a',
          machine: 'order',
          version: 3,
          rev: 2,
          state: 'open',
          live: 1,
          snapshot: '{"status":"active"}',
          created_at: T0,
          updated_at: T0 + 2,
        })
        .execute();
      await t.db
        .insertInto('positions')
        .values({
          venue: VENUE,
          symbol: 'BTC/USDT',
          quantity: '0.2',
          average_price: '100.5',
          realized_pnl: '0',
          fees: '{"USDT":"0.03"}',
          fill_count: 3,
          updated_at: T0 + 30,
        })
        .execute();
    }

    it('lists orders oldest first, by state and by symbol', async () => {
      await seed();
      expect((await listOrders(t.db, {})).map((o) => o.clientOrderId)).toEqual(['c', 'a', 'b']);
      expect((await listOrders(t.db, { state: 'open' })).map((o) => o.clientOrderId)).toEqual(['b']);
      expect((await listOrders(t.db, { symbol: 'ETH/USDT' })).map((o) => o.clientOrderId)).toEqual(['b']);
      const [a] = await listOrders(t.db, { state: 'filled' });
      expect(a).toEqual({
        clientOrderId: 'a',
        venue: VENUE,
        symbol: 'BTC/USDT',
        side: 'buy',
        type: 'limit',
        price: '100.5',
        quantity: '0.25',
        state: 'filled',
        venueOrderId: 'v-a',
        level: null,
        owner: null,
        reason: null,
        anomalies: 0,
        fillGap: '0.05',
        createdAt: T0 + 1,
        updatedAt: T0,
      });
    });

    it('reads one order with its journal in revision order and its fills in time order', async () => {
      await seed();
      const read = await readOrder(t.db, 'a', 'order/a');
      expect(read?.order.clientOrderId).toBe('a');
      expect(read?.journal.map((j) => [j.rev, j.batch, j.eventType, j.event, j.at])).toEqual([
        [1, 1, 'new', '{"n":1}', T0 + 1],
        [2, 2, 'ack', '{"n":2}', T0 + 2],
      ]);
      expect(read?.journal.map((j) => typeof j.seq)).toEqual(['number', 'number']);
      expect(read?.fills.map((f) => f.tradeId)).toEqual(['t1', 't2', 't1~x']);
      expect(await readOrder(t.db, 'nope', 'order/nope')).toBeNull();
      expect(await readJournal(t.db, 'order/none')).toEqual([]);
    });

    it('lists fills since a time, and reads actors', async () => {
      await seed();
      expect((await listFills(t.db, {})).map((f) => f.tradeId)).toEqual(['t1', 't2', 't3', 't1~x']);
      expect((await listFills(t.db, { since: T0 + 20 })).map((f) => [f.tradeId, f.at])).toEqual([
        ['t2', T0 + 20],
        ['t3', T0 + 30],
        ['t1~x', T0 + 40],
      ]);
      expect(await listActorIds(t.db)).toEqual(['order/a']);
      expect(await readActor(t.db, 'order/a')).toEqual({
        id: 'order/a',
        machine: 'order',
        version: 3,
        rev: 2,
        state: 'open',
        live: true,
        snapshot: '{"status":"active"}',
      });
      expect(await readActor(t.db, 'order/b')).toBeNull();
    });

    it('checks positions against the ledger in one consistent read', async () => {
      await seed();
      const check = await readConsistently(t.db, (tx) => readLedgerCheck(tx));
      expect(check).toEqual({
        positions: [{ venue: VENUE, symbol: 'BTC/USDT', position: '0.2', ledger: '0.2', fills: 3 }],
        duplicateTrades: [],
      });
    });

    it('reconciliation reads: contested fills, orders to settle, positions, fill gaps', async () => {
      await seed();
      const ledger = new LedgerQueries(t.db);
      expect((await ledger.contestedFillsOf(VENUE, 'a')).map((f) => [f.tradeId, f.status, f.at])).toEqual([
        ['t1~x', 'contested', T0 + 40],
      ]);
      expect(await ledger.ordersToSettle(VENUE)).toEqual([
        { clientOrderId: 'a', venueOrderId: 'v-a', symbol: 'BTC/USDT', state: 'filled', fillGap: '0.05' },
      ]);
      expect(await ledger.ordersToSettle('elsewhere')).toEqual([]);
      expect(await ledger.positionsOf(VENUE)).toEqual(
        new Map([['BTC/USDT', { quantity: '0.2', fees: { USDT: '0.03' } }]]),
      );
      expect(await ledger.fillGapOf('a')).toBe('0.05');
      expect(await ledger.fillGapOf('b')).toBeNull();
      expect(await ledger.fillGapOf('nope')).toBeUndefined();
    });

    it('a consistent read does not see a commit made while it runs', async () => {
      await seed();
      const count = async (db: typeof t.db) =>
        (await db.selectFrom('fills').select('trade_id').execute()).length;
      let insert: Promise<unknown> | undefined;
      const seen = await readConsistently(t.db, async (tx) => {
        const before = await count(tx);
        insert = t.db.insertInto('fills').values(fill('t9', 'a')).execute();
        // On PostgreSQL the insert commits on another pooled connection now; SQLite's one connection runs
        // it after this transaction.
        if (dialect.name === 'postgres') await insert;
        return [before, await count(tx)];
      });
      await insert;
      expect(seen).toEqual([4, 4]);
      expect(await count(t.db)).toBe(5);
    });

    it('the ledger check sums every fill of a ledger larger than one read', async () => {
      const total = 20_001;
      const rows = Array.from({ length: total }, (_, i) =>
        fill(`t${String(i).padStart(6, '0')}`, null, {
          symbol: i % 2 === 0 ? 'BTC/USDT' : 'ETH/USDT',
          side: i % 3 === 0 ? 'sell' : 'buy',
          quantity: '0.001',
          status: 'orphan',
        }),
      );
      for (let i = 0; i < rows.length; i += 1_000) {
        await t.db
          .insertInto('fills')
          .values(rows.slice(i, i + 1_000))
          .execute();
      }
      // Of 10,001 even i (BTC), 3,334 are multiples of 3 (sells); of 10,000 odd i (ETH), 3,333.
      expect((await readLedgerCheck(t.db)).positions).toEqual([
        { venue: VENUE, symbol: 'BTC/USDT', position: null, ledger: '3.333', fills: 10_001 },
        { venue: VENUE, symbol: 'ETH/USDT', position: null, ledger: '3.334', fills: 10_000 },
      ]);
    });

    it('reports the status: positions, orders by state, fills, gaps, alerts, lease, trading state', async () => {
      await seed();
      await t.db
        .insertInto('anomalies')
        .values({
          kind: ALERT,
          subject: 'a',
          detail: '{}',
          count: 2,
          first_at: T0,
          last_at: T0 + 7,
          acknowledged_at: null,
          acknowledged_note: null,
        })
        .execute();
      await t.db
        .insertInto('outbox')
        .values([
          {
            key: 'k1',
            actor_id: 'order/a',
            child_id: 'c',
            src: 'place',
            input: '{}',
            status: 'pending',
            created_at: T0,
            closed_at: null,
            result: null,
          },
          {
            key: 'k2',
            actor_id: 'order/a',
            child_id: 'c',
            src: 'place',
            input: '{}',
            status: 'done',
            created_at: T0,
            closed_at: T0 + 1,
            result: '{}',
          },
        ])
        .execute();
      await t.db
        .insertInto('timers')
        .values({ actor_id: 'order/a', timer_id: 't', event: '{}', due_at: T0 + 60 })
        .execute();
      await claimLease(t.db, NAME, 'host-a:1', 15_000, T0, false);
      await writeTradingState(t.db, { state: 'reducing', reason: 'risk', cancelRequested: false }, T0);
      expect(await readStatus(t.db)).toEqual({
        positions: [
          {
            venue: VENUE,
            symbol: 'BTC/USDT',
            quantity: '0.2',
            averagePrice: '100.5',
            realizedPnl: '0',
            fees: { USDT: '0.03' },
            fillCount: 3,
          },
        ],
        orders: { open: 1, filled: 1, denied: 1 },
        fills: 3,
        quarantinedFills: 0,
        contestedFills: 1,
        fillGaps: 1,
        alerts: [`${ALERT}/a`],
        anomalies: [{ kind: ALERT, subject: 'a', count: 2, lastAt: T0 + 7 }],
        openCalls: 1,
        timers: 1,
        journalEvents: 3,
        ignoredFacts: 0,
        tradingState: 'reducing',
        tradingStateReason: 'risk',
        lease: { name: NAME, owner: 'host-a:1', token: 1, expiresAt: T0 + 15_000 },
      });
    });
  });
});
