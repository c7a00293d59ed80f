import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FillRecord, JournalRecord, OrderRecord } from '../../src/persistence/operator-queries.js';
import { withReadOnly } from '../support/cli-helpers.js';
import { runCliToEnd } from '../support/engine-process.js';
import { gracefulRun, killedRuns, lastJson } from '../support/engine-runs.js';
import { tempDir } from '../support/tmp.js';

/**
 * The operator's read commands (`orders`, `order`, `fills`) as child processes against databases written
 * by real engine runs: one stopped by itself, one left by SIGKILLs. Their JSON must say what the database
 * says; bad usage exits 2 naming the flag.
 */

let tmp: { dir: string; cleanup: () => void };
const dbs: Record<'graceful' | 'killed', string> = { graceful: '', killed: '' };

beforeAll(async () => {
  tmp = tempDir('operator-commands');
  dbs.graceful = path.join(tmp.dir, 'graceful.db');
  dbs.killed = path.join(tmp.dir, 'killed.db');
  await Promise.all([gracefulRun(dbs.graceful, 4, 7), killedRuns(dbs.killed, 2, 11)]);
}, 60_000);

afterAll(() => tmp.cleanup());

/** The orders, fills and journals as the database holds them. */
function dbFacts(file: string) {
  return withReadOnly(file, async (db) => ({
    orders: await db
      .selectFrom('orders')
      .selectAll()
      .orderBy('created_at')
      .orderBy('client_order_id')
      .execute(),
    fills: await db
      .selectFrom('fills')
      .selectAll()
      .orderBy('at')
      .orderBy('venue')
      .orderBy('trade_id')
      .execute(),
    journal: await db.selectFrom('journal').selectAll().orderBy('actor_id').orderBy('rev').execute(),
  }));
}

async function ok(args: string[]) {
  const run = await runCliToEnd(args);
  expect(run.code, run.stderr).toBe(0);
  return run;
}

describe.each(['graceful', 'killed'] as const)('on a database of a %s run', (which) => {
  it('orders --json lists every order as the database holds it; --state and --symbol filter', async () => {
    const db = dbs[which];
    const facts = await dbFacts(db);
    expect(facts.orders.length).toBeGreaterThan(0);
    const all = lastJson<{ orders: OrderRecord[] }>((await ok(['orders', '--db', db, '--json'])).stdout);
    expect(all.orders.map((o) => [o.clientOrderId, o.state, o.symbol, o.side, o.price, o.quantity])).toEqual(
      facts.orders.map((o) => [o.client_order_id, o.state, o.symbol, o.side, o.price, o.quantity]),
    );
    expect(all.orders[0]!.venueOrderId).toBe(facts.orders[0]!.venue_order_id);
    expect(all.orders[0]!.createdAt).toBe(Number(facts.orders[0]!.created_at));

    const state = facts.orders.at(-1)!.state;
    const symbol = facts.orders.at(-1)!.symbol;
    const filtered = lastJson<{ orders: OrderRecord[] }>(
      (await ok(['orders', '--db', db, '--state', state, '--symbol', symbol, '--json'])).stdout,
    );
    const expected = facts.orders.filter((o) => o.state === state && o.symbol === symbol);
    expect(filtered.orders.map((o) => o.clientOrderId)).toEqual(expected.map((o) => o.client_order_id));
    expect(expected.length).toBeLessThanOrEqual(facts.orders.length);

    const none = lastJson<{ orders: OrderRecord[] }>(
      (await ok(['orders', '--db', db, '--state', 'no-such-state', '--json'])).stdout,
    );
    expect(none.orders).toEqual([]);

    const human = await ok(['orders', '--db', db]);
    expect(human.stdout).toContain(facts.orders[0]!.client_order_id);
    expect(human.stdout.trimEnd().split('\n').at(-1)).toBe(`${facts.orders.length} orders`);
  });

  it('order <clientOrderId> --json gives its state, its whole journal and its fills', async () => {
    const db = dbs[which];
    const facts = await dbFacts(db);
    // The order with the most fills (else the last one).
    const byFills = new Map<string, number>();
    for (const f of facts.fills)
      if (f.client_order_id) byFills.set(f.client_order_id, (byFills.get(f.client_order_id) ?? 0) + 1);
    const cid =
      [...byFills.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? facts.orders.at(-1)!.client_order_id;
    const row = facts.orders.find((o) => o.client_order_id === cid)!;
    const shown = lastJson<{
      order: OrderRecord;
      journal: (Omit<JournalRecord, 'event'> & { event: { type: string } })[];
      fills: FillRecord[];
    }>((await ok(['order', cid, '--db', db, '--json'])).stdout);
    expect(shown.order.clientOrderId).toBe(cid);
    expect(shown.order.state).toBe(row.state);
    const journal = facts.journal.filter((j) => j.actor_id === `order/${cid}`);
    expect(journal.length).toBeGreaterThan(1);
    expect(shown.journal.map((j) => [j.rev, j.eventType, j.state, j.event.type])).toEqual(
      journal.map((j) => [j.rev, j.event_type, j.state, j.event_type]),
    );
    expect(shown.journal.map((j) => j.rev)).toEqual(journal.map((_, i) => i + 1));
    expect(shown.fills.map((f) => f.tradeId).sort()).toEqual(
      facts.fills
        .filter((f) => f.client_order_id === cid)
        .map((f) => f.trade_id)
        .sort(),
    );

    const human = await ok(['order', cid, '--db', db]);
    expect(human.stdout).toContain(`journal (${journal.length} events):`);
    expect(human.stdout).toContain(`rev 1  `);
  });

  it('fills --json lists the ledger; --since keeps the fills at or after that time', async () => {
    const db = dbs[which];
    const facts = await dbFacts(db);
    const all = lastJson<{ fills: FillRecord[] }>((await ok(['fills', '--db', db, '--json'])).stdout);
    expect(all.fills.map((f) => [f.venue, f.tradeId, f.side, f.price, f.quantity, f.fee, f.status])).toEqual(
      facts.fills.map((f) => [f.venue, f.trade_id, f.side, f.price, f.quantity, f.fee, f.status]),
    );
    if (facts.fills.length > 0) {
      const middle = Number(facts.fills[Math.floor(facts.fills.length / 2)]!.at);
      const since = new Date(middle).toISOString();
      const later = lastJson<{ fills: FillRecord[] }>(
        (await ok(['fills', '--db', db, '--since', since, '--json'])).stdout,
      );
      const expected = facts.fills.filter((f) => Number(f.at) >= middle);
      expect(later.fills.map((f) => f.tradeId)).toEqual(expected.map((f) => f.trade_id));
      expect(later.fills.length).toBeGreaterThan(0);
    }
    const future = lastJson<{ fills: FillRecord[] }>(
      (await ok(['fills', '--db', db, '--since', '2999-01-01T00:00:00Z', '--json'])).stdout,
    );
    expect(future.fills).toEqual([]);
    expect((await ok(['fills', '--db', db, '--since', '2999-01-01'])).stdout).toBe('no fills\n');
  });
});

describe('errors and usage', () => {
  it('an unknown clientOrderId exits 1 with a clear message', async () => {
    const run = await runCliToEnd(['order', 'no-such-order', '--db', dbs.graceful, '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('steadfast: no order no-such-order in');
    expect(run.stdout).toBe('');
  });

  it.each([
    { name: 'orders without --db', args: ['orders', '--json'], flag: '--db' },
    { name: 'order without --db', args: ['order', 'x'], flag: '--db' },
    { name: 'fills without --db', args: ['fills'], flag: '--db' },
    { name: 'replay without --db', args: ['replay', '--verify'], flag: '--db' },
    { name: 'replay without --verify', args: ['replay', '--db', 'x.db'], flag: '--verify' },
    {
      name: 'fills --since yesterday',
      args: ['fills', '--db', 'x.db', '--since', 'yesterday'],
      flag: '--since',
    },
    {
      name: 'fills --since 2026-13-45',
      args: ['fills', '--db', 'x.db', '--since', '2026-13-45'],
      flag: '--since',
    },
    { name: 'a --db that does not exist', args: ['orders', '--db', '/nonexistent/e.db'], flag: '--db' },
  ])('$name exits 2 naming $flag', async ({ args, flag }) => {
    const run = await runCliToEnd(args);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.split('\n')[0]).toContain(flag);
  });

  it.each(['orders', 'order', 'fills', 'replay'])(
    '%s --help describes the command and exits 0',
    async (cmd) => {
      const run = await runCliToEnd([cmd, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: steadfast ${cmd}`);
      expect(run.stdout).toContain('--db <path>');
    },
  );
});
