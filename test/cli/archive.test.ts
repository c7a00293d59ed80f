import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveReport } from '../../src/engine/retention.js';
import type { OrderRecord } from '../../src/persistence/operator-queries.js';
import { jsonLines, withReadOnly } from '../support/cli-helpers.js';
import { runCli, runCliToEnd } from '../support/engine-process.js';
import { gracefulRun, killedRuns, lastJson } from '../support/engine-runs.js';
import { tempDir } from '../support/tmp.js';

/**
 * Retention as the operator runs it: `archive --now` on databases written by real engine runs (SIGKILLed,
 * then stopped by itself), by hand with no engine and through a running engine. Ended orders leave the live
 * file for the day's archive file; positions, the ledger and `replay --verify` stay what they were.
 */

let tmp: { dir: string; cleanup: () => void };
let db = '';
let keepNone = '';

beforeAll(async () => {
  tmp = tempDir('archive');
  db = path.join(tmp.dir, 'engine.db');
  keepNone = path.join(tmp.dir, 'keep-none.json');
  fs.writeFileSync(keepNone, JSON.stringify({ retention: { keepEndedForMs: 0 } }));
  await killedRuns(db, 2, 31);
  // A run that ends by itself: its last gap-fill moves the trade cursors past the orders it ended.
  await gracefulRun(db, 4, 37);
}, 90_000);

afterAll(() => tmp.cleanup());

async function ok(args: string[]) {
  const run = await runCliToEnd(args);
  expect(run.code, run.stderr).toBe(0);
  return run;
}

/** What retention must not change, and the rows it moves. */
function facts(file: string) {
  return withReadOnly(file, async (d) => ({
    positions: await d
      .selectFrom('positions')
      .select(['venue', 'symbol', 'quantity', 'realized_pnl'])
      .orderBy('symbol')
      .execute(),
    fills: await d.selectFrom('fills').selectAll().orderBy('venue').orderBy('trade_id').execute(),
    orders: (await d.selectFrom('orders').select(['client_order_id', 'state']).execute()).length,
    ended: (
      await d.selectFrom('actors').select('id').where('machine', '=', 'order').where('live', '=', 0).execute()
    ).map((r) => r.id),
    journal: (await d.selectFrom('journal').select('seq').execute()).length,
    ignored: (await d.selectFrom('ignored_facts').select(['actor_id', 'seq']).execute()).map(
      (r) => `${r.actor_id}#${r.seq}`,
    ),
  }));
}

/** The live file's bytes: the database and its WAL. */
const liveBytes = (file: string) =>
  fs.statSync(file).size + (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);

const verify = async (file: string) =>
  lastJson<{ actors: number; divergences: number; ledgerProblems: string[] }>(
    (await ok(['replay', '--verify', '--db', file, '--json'])).stdout,
  );

describe('archive --now with no engine running', () => {
  it('moves every eligible ended order to the archive file; positions, ledger and replay are unchanged', async () => {
    const before = await facts(db);
    expect(before.ended.length).toBeGreaterThan(10);
    expect((await verify(db)).divergences).toBe(0);
    // The same database again, for a pass that finds its rows already copied (as after a crash between
    // a move's copy and its delete).
    const twin = path.join(tmp.dir, 'twin.db');
    fs.copyFileSync(db, twin);
    const bytesBefore = liveBytes(db);

    const report = lastJson<ArchiveReport>(
      (await ok(['archive', '--now', '--db', db, '--config', keepNone, '--json'])).stdout,
    );
    expect(report.orders).toBeGreaterThan(0);
    expect(report.journalRows).toBeGreaterThan(0);
    expect(report.refused).toEqual([]);
    expect(report.files).toHaveLength(1);
    const archive = report.files[0]!;
    expect(path.dirname(archive)).toBe(`${db}.archive`);

    const after = await facts(db);
    expect(after.positions).toEqual(before.positions);
    expect(after.fills).toEqual(before.fills);
    expect(after.ended.length).toBe(before.ended.length - report.orders);
    expect(after.orders).toBe(before.orders - report.orders);
    expect(after.journal).toBeLessThan(before.journal);
    // The freed pages went back to the file system (the engine created the file with incremental vacuum).
    expect(report.freedPages).toBeGreaterThan(0);
    expect(liveBytes(db)).toBeLessThan(bytesBefore);
    const live = await verify(db);
    expect(live).toMatchObject({ divergences: 0, ledgerProblems: [] });

    // The archive file is an engine database: the moved orders replay there, and `order` reads them.
    const archived = await facts(archive);
    expect(archived.ended).toHaveLength(report.orders);
    // The venue facts the moved orders did not take moved with them; none was lost or left behind.
    expect(new Set([...archived.ignored, ...after.ignored])).toEqual(new Set(before.ignored));
    for (const fact of after.ignored) expect(archived.ended).not.toContain(fact.split('#')[0]);
    expect(new Set([...archived.ended, ...after.ended])).toEqual(new Set(before.ended));
    // Their fills are copied with them; the live ledger keeps every trade.
    expect(archived.fills.length).toBeGreaterThan(0);
    for (const fill of archived.fills) expect(after.fills).toContainEqual(fill);
    expect(await verify(archive)).toMatchObject({ actors: report.orders, divergences: 0 });
    const one = archived.ended[0]!.slice('order/'.length);
    const shown = lastJson<{ order: OrderRecord; journal: unknown[] }>(
      (await ok(['order', one, '--db', archive, '--json'])).stdout,
    );
    expect(shown.order.clientOrderId).toBe(one);
    expect(shown.journal.length).toBeGreaterThan(1);
    // Asked on the live database, `order` finds it in the archive and says where.
    const found = lastJson<{ archivedIn: string; journal: unknown[] }>(
      (await ok(['order', one, '--db', db, '--json'])).stdout,
    );
    expect(found).toMatchObject({ archivedIn: archive, journal: shown.journal });

    // Nothing is eligible twice.
    const again = lastJson<ArchiveReport>(
      (await ok(['archive', '--now', '--db', db, '--config', keepNone, '--json'])).stdout,
    );
    expect(again.orders).toBe(0);

    const twinConfig = path.join(tmp.dir, 'twin.json');
    fs.writeFileSync(twinConfig, JSON.stringify({ retention: { keepEndedForMs: 0, dir: `${db}.archive` } }));
    const twinReport = lastJson<ArchiveReport>(
      (await ok(['archive', '--now', '--db', twin, '--config', twinConfig, '--json'])).stdout,
    );
    expect(twinReport.orders).toBe(report.orders);
    expect(await facts(twin)).toEqual(after);
    expect(await facts(archive)).toEqual(archived);
    expect(await verify(archive)).toMatchObject({ actors: report.orders, divergences: 0 });
  }, 60_000);

  it('with the default retention (one hour) moves nothing of a run minutes old', async () => {
    const copy = path.join(tmp.dir, 'fresh.db');
    await gracefulRun(copy, 3, 41);
    const report = lastJson<ArchiveReport>((await ok(['archive', '--now', '--db', copy, '--json'])).stdout);
    expect(report).toMatchObject({ orders: 0, journalRows: 0, refused: [] });
  }, 60_000);

  it('replay --verify names an actor whose journal base was altered', async () => {
    const copy = path.join(tmp.dir, 'altered-base.db');
    fs.copyFileSync(db, copy);
    const raw = new SqliteDatabase(copy);
    const base = raw
      .prepare('select actor_id, snapshot from journal_base order by actor_id limit 1')
      .get() as {
      actor_id: string;
      snapshot: string;
    };
    const snapshot = JSON.parse(base.snapshot) as { context: Record<string, unknown> };
    snapshot.context.symbol = 'XXX/USDT';
    raw
      .prepare('update journal_base set snapshot = ? where actor_id = ?')
      .run(JSON.stringify(snapshot), base.actor_id);
    raw.close();
    const run = await runCliToEnd(['replay', '--verify', '--db', copy, '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`actor ${base.actor_id}`);
  }, 30_000);

  it('keeps the rows of an actor whose journal does not replay, says so and exits 1', async () => {
    const copy = path.join(tmp.dir, 'altered-journal.db');
    await gracefulRun(copy, 3, 43);
    const raw = new SqliteDatabase(copy);
    const actor = (
      raw.prepare("select id from actors where machine = 'adjustOrders' order by id limit 1").get() as {
        id: string;
      }
    ).id;
    raw.prepare("update journal set state = 'nowhere' where actor_id = ? and rev = 2").run(actor);
    const rows = () =>
      (raw.prepare('select count(*) n from journal where actor_id = ?').get(actor) as { n: number }).n;
    const before = rows();
    raw.close();
    const run = await runCliToEnd(['archive', '--now', '--db', copy, '--config', keepNone, '--json']);
    expect(run.code).toBe(1);
    expect(lastJson<ArchiveReport>(run.stdout).refused).toContain(actor);
    const reopened = new SqliteDatabase(copy, { readonly: true });
    expect(
      (reopened.prepare('select count(*) n from journal where actor_id = ?').get(actor) as { n: number }).n,
    ).toBe(before);
    reopened.close();
  }, 60_000);
});

describe('archive --now while an engine runs', () => {
  it('is carried out by the engine, which also archives by itself every retention.intervalMs', async () => {
    const live = path.join(tmp.dir, 'running.db');
    const config = path.join(tmp.dir, 'running.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        symbols: ['BTC/USDT', 'ETH/USDT'],
        paper: { tickMs: 20 },
        strategy: { intervalMs: 50, requoteBps: '0.5' },
        reconcile: { gapFillIntervalMs: 300 },
        retention: { keepEndedForMs: 500, intervalMs: 1000 },
        statusIntervalMs: 0,
      }),
    );
    const engine = runCli(['start', '--config', config, '--db', live, '--seed', '5']);
    try {
      await engine.ready;
      const archived = () =>
        jsonLines(engine.output().stderr).filter((l) => l.msg === 'archived' && Number(l.orders) > 0);
      // Ten seconds of trading: orders become eligible once their symbol's trade cursor (5 s behind the
      // last gap-fill) has passed their end.
      await engine.until('four passes of its own that moved orders', () => archived().length >= 4, 45_000);
      const report = lastJson<ArchiveReport>(
        (await ok(['archive', '--now', '--db', live, '--config', keepNone, '--json'])).stdout,
      );
      expect(report.refused).toEqual([]);
      expect(archived().some((l) => Number(l.freedPages) > 0)).toBe(true);
    } finally {
      engine.child.kill('SIGTERM');
      await engine.exited;
    }
    expect((await verify(live)).divergences).toBe(0);
    const files = fs.readdirSync(`${live}.archive`).map((f) => path.join(`${live}.archive`, f));
    for (const file of files) expect((await verify(file)).divergences).toBe(0);
    const moved = (await Promise.all(files.map(facts))).reduce((n, f) => n + f.ended.length, 0);
    expect(moved).toBeGreaterThan(0);
    // Everything older than the last moments of the run left the live file.
    const kept = await withReadOnly(live, (d) =>
      d
        .selectFrom('actors')
        .select('updated_at')
        .where('machine', '=', 'order')
        .where('live', '=', 0)
        .execute(),
    );
    const last = Math.max(...kept.map((r) => Number(r.updated_at)));
    expect(kept.filter((r) => Number(r.updated_at) < last - 10_000)).toEqual([]);
  }, 90_000);
});
