import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultVenueDb } from '../../src/cli/start.js';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import { withReadOnly } from '../support/cli-helpers.js';
import { runCli, runCliToEnd } from '../support/engine-process.js';
import type { EngineProcess } from '../support/engine-process.js';
import { tempDir } from '../support/tmp.js';

/**
 * `halt`, `reduce`, `resume` against a running engine on the paper venue (real processes): the trading
 * state is a row of the engine's database, checked by the commit of every order intent, followed by the
 * engine within a second and kept across SIGKILL and restart.
 */

let tmp: { dir: string; cleanup: () => void };
let db: string;
let venueDb: string;
const engines: EngineProcess[] = [];

beforeAll(() => {
  tmp = tempDir('cli-trading-state');
  db = path.join(tmp.dir, 'e.db');
  venueDb = defaultVenueDb(db);
});

afterAll(async () => {
  for (const e of engines) {
    if (e.child.exitCode === null && e.child.signalCode === null) {
      e.child.kill('SIGKILL');
      await e.exited;
    }
  }
  tmp.cleanup();
});

function startEngine(seed: string): EngineProcess {
  const e = runCli(['start', '--seed', seed, '--db', db, '--status-interval', '0']);
  engines.push(e);
  return e;
}

/** Outbox rows of order placements (committed intents). */
const placements = () =>
  withReadOnly(db, async (d) => {
    const row = await d
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('src', '=', 'placeOrder')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  });

const status = async () => {
  const out = await runCliToEnd(['status', '--db', db, '--json']);
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as { tradingState: string; tradingStateReason: string | null };
};

/** The paper venue's open orders (its own file). */
function venueOpenOrders(): string[] {
  const venue = openPaperVenueStore(venueDb);
  try {
    return venue.openOrders().map((o) => o.clientOrderId);
  } finally {
    venue.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('halt, resume, halt --cancel with a running engine', () => {
  it('a halt stops new orders within a second, survives SIGKILL and restart, and resume trades again', async () => {
    const first = startEngine('3');
    await first.ready;
    await first.until('the engine to place orders', async () => (await placements()) > 0, 20_000);

    const halt = await runCliToEnd(['halt', '--reason', 'desk check', '--db', db, '--json']);
    expect(halt.code, halt.stderr).toBe(0);
    expect(JSON.parse(halt.stdout)).toEqual({
      tradingState: 'halted',
      tradingStateReason: 'desk check',
      cancel: false,
    });
    // The commit of every place checks the row: nothing is placed after the halt's commit.
    const atHalt = await placements();
    await first.until(
      'the engine to see the halt',
      () => first.output().stderr.includes('"code":"TRADING_HALTED"'),
      1000,
    );
    await sleep(2000);
    expect(await placements()).toBe(atHalt);
    expect(await status()).toMatchObject({ tradingState: 'halted', tradingStateReason: 'desk check' });

    first.child.kill('SIGKILL');
    await first.exited;
    const second = startEngine('4');
    await second.ready;
    expect(second.output().stderr).toContain('"code":"TRADING_HALTED"');
    await sleep(2500);
    expect(await placements()).toBe(atHalt);
    expect(await status()).toMatchObject({ tradingState: 'halted' });

    const resume = await runCliToEnd(['resume', '--db', db]);
    expect(resume.code, resume.stderr).toBe(0);
    expect(resume.stdout).toBe('trading active\n');
    await second.until('orders placed again', async () => (await placements()) > atHalt, 20_000);
    expect(await status()).toMatchObject({ tradingState: 'active', tradingStateReason: null });

    await second.until('orders resting at the venue', () => venueOpenOrders().length > 0, 20_000);
    const cancel = await runCliToEnd(['halt', '--reason', 'end of day', '--cancel', '--db', db, '--json']);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(JSON.parse(cancel.stdout)).toMatchObject({ tradingState: 'halted', cancel: true, liveOrders: 0 });
    expect(venueOpenOrders()).toEqual([]);
    await sleep(1000);
    expect(venueOpenOrders()).toEqual([]);

    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 120_000);

  it('halt --cancel without a running engine says it needs one (exit 1); the halt is kept', async () => {
    const out = await runCliToEnd(['halt', '--reason', 'offline', '--cancel', '--db', db]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/--cancel needs a running engine/);
    expect(await status()).toMatchObject({ tradingState: 'halted', tradingStateReason: 'offline' });
  });

  it('while reducing, a place that would not shrink the position ends `denied`: listed, journaled, counted', async () => {
    const reduce = await runCliToEnd(['reduce', '--reason', 'desk limit', '--db', db]);
    expect(reduce.code, reduce.stderr).toBe(0);
    const e = startEngine('5');
    await e.ready;
    const listDenied = async () => {
      const out = await runCliToEnd(['orders', '--state', 'denied', '--db', db, '--json']);
      expect(out.code, out.stderr).toBe(0);
      return (
        JSON.parse(out.stdout) as { orders: { clientOrderId: string; state: string; reason: string }[] }
      ).orders;
    };
    const REDUCING =
      'denied by the trading state: reducing, the order would not shrink the position (desk limit)';
    const whileReducing = async () => (await listDenied()).filter((o) => o.reason === REDUCING);
    await e.until('a denied order', async () => (await whileReducing()).length > 0, 20_000);
    e.child.kill('SIGTERM');
    expect((await e.exited).code).toBe(0);

    // Every order the engine refused to send ends `denied` (here also those the halt above denied at commit).
    const denied = await listDenied();
    for (const o of denied) {
      expect(o.state).toBe('denied');
      expect(o.reason).toMatch(
        /^denied by the trading state: (halted \(|changed before the commit|reducing, )/,
      );
    }
    const first = (await whileReducing())[0]!;
    const shown = await runCliToEnd(['order', first.clientOrderId, '--db', db, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const { journal } = JSON.parse(shown.stdout) as { journal: { eventType: string; state: string }[] };
    expect(journal.map((j) => [j.eventType, j.state]).slice(-2)).toEqual([
      ['SUBMIT', 'submitting'],
      ['PLACE_DENIED', 'denied'],
    ]);
    // Never sent: no intent in the outbox for it, and nothing left as `rejected` for a denial.
    const intents = await withReadOnly(db, (d) =>
      d
        .selectFrom('outbox')
        .select('key')
        .where(
          'actor_id',
          'in',
          denied.map((o) => `order/${o.clientOrderId}`),
        )
        .execute(),
    );
    expect(intents).toEqual([]);
    const rejected = await runCliToEnd(['orders', '--state', 'rejected', '--db', db, '--json']);
    const refused = (JSON.parse(rejected.stdout) as { orders: { reason: string | null }[] }).orders;
    expect(refused.filter((o) => (o.reason ?? '').includes('denied by'))).toEqual([]);
    const lines = e
      .output()
      .stderr.split('\n')
      .filter((l) => l.includes('"code":"ORDER_DENIED"'));
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({ code: 'ORDER_DENIED', reason: REDUCING });
    const report = JSON.parse((await runCliToEnd(['status', '--db', db, '--json'])).stdout) as {
      orders: Record<string, number>;
    };
    expect(report.orders.denied).toBe(denied.length);
    const replay = await runCliToEnd(['replay', '--verify', '--db', db]);
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
  }, 60_000);

  it('reduce and resume need no engine; a missing --reason is a usage error (exit 2)', async () => {
    const reduce = await runCliToEnd(['reduce', '--reason', 'risk limit', '--db', db]);
    expect(reduce.code, reduce.stderr).toBe(0);
    expect(await status()).toMatchObject({ tradingState: 'reducing', tradingStateReason: 'risk limit' });
    const bad = await runCliToEnd(['halt', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--reason/);
  });
});
