import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SimulatedClock } from 'xstate';
import type { PaperVenue } from '../../src/adapters/paper/paper-venue.js';
import { SteadfastError } from '../../src/domain/errors.js';
import { onOrderUpdate } from '../../src/engine/on-order-update.js';
import { parseVenueEvent } from '../../src/adapters/venue-event-schema.js';
import { bookActorId, orderActorId } from '../../src/machines/messages.js';
import type { PositionBookInput } from '../../src/machines/position-book.machine.js';
import { claimLease, processOwner, renewLease } from '../../src/persistence/lease.js';
import { openSqlite } from '../../src/persistence/sqlite.js';
import { acquireWriterLock } from '../../src/persistence/writer-lock.js';
import type { EngineDatabase } from '../../src/persistence/sqlite.js';
import {
  SYMBOL,
  ScriptedEffects,
  T0,
  VENUE,
  dumpTables,
  engineFile,
  idle,
  newClock,
  openEngine,
  openPaper,
  orderInput,
  paperEffects,
  rawConnection,
  rawFill,
  requestKinds,
  venueFile,
} from '../support/engine-harness.js';
import type { EngineHandle } from '../support/engine-harness.js';
import { tempDirPerTest } from '../support/test-dir.js';
import { repoRoot } from '../support/tmp.js';

const tmp = tempDirPerTest('store');
const { cleanups } = tmp;
let clock: SimulatedClock;

beforeEach(() => {
  clock = newClock();
});

async function database(durability?: 'full'): Promise<EngineDatabase> {
  const db = await openSqlite(engineFile(tmp.dir), durability);
  cleanups.push(() => db.close());
  return db;
}

async function paperEngine(): Promise<{ engine: EngineHandle; venue: PaperVenue }> {
  const venue = openPaper(venueFile(tmp.dir), clock);
  cleanups.push(() => venue.close());
  const engine = await openEngine({ file: engineFile(tmp.dir), clock, effects: paperEffects(venue, clock) });
  cleanups.push(() => engine.close());
  await engine.runtime.start();
  return { engine, venue };
}

/** Rejection of a promise that must reject. */
async function rejection(promise: Promise<unknown>): Promise<SteadfastError> {
  const outcome = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(SteadfastError);
  return outcome as SteadfastError;
}

const installTrigger = (table: string) => {
  const raw = rawConnection(engineFile(tmp.dir));
  raw.exec(`CREATE TRIGGER boom BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'boom'); END;`);
  raw.close();
};

describe('database file and schema', () => {
  const tablesOf = async (db: EngineDatabase) =>
    (
      await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'
        AND name NOT LIKE 'sqlite_%' ORDER BY name`.execute(db.db)
    ).rows.map((r) => r.name);
  const columnsOf = async (db: EngineDatabase, table: string) =>
    (await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table})`.execute(db.db)).rows.map(
      (r) => r.name,
    );

  it('creates every table and index on a new file', async () => {
    const db = await database();
    expect(await tablesOf(db)).toEqual([
      'actors',
      'anomalies',
      'fills',
      'journal',
      'journal_base',
      'kysely_migration',
      'kysely_migration_lock',
      'leases',
      'meta',
      'orders',
      'outbox',
      'positions',
      'timers',
      'trading_state',
    ]);
    const indexes = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index'
      AND name NOT LIKE 'sqlite_%' ORDER BY name`.execute(db.db);
    expect(indexes.rows.map((r) => r.name)).toEqual([
      'actors_ended',
      'actors_live',
      'fills_contested',
      'journal_actor',
      'orders_fill_gap',
      'orders_state',
      'orders_venue_id',
      'outbox_actor',
      'outbox_status',
    ]);
    expect(await columnsOf(db, 'actors')).toEqual([
      'id',
      'machine',
      'version',
      'rev',
      'state',
      'live',
      'snapshot',
      'created_at',
      'updated_at',
    ]);
    expect(await columnsOf(db, 'outbox')).toEqual([
      'key',
      'actor_id',
      'child_id',
      'src',
      'input',
      'status',
      'created_at',
      'closed_at',
      'result',
    ]);
    expect(await columnsOf(db, 'timers')).toEqual(['actor_id', 'timer_id', 'event', 'due_at']);
  });

  it('is idempotent on reopen: no migration runs twice and the data stays', async () => {
    const first = await openSqlite(engineFile(tmp.dir));
    const applied = await first.db
      .selectFrom('kysely_migration' as never)
      .selectAll()
      .execute();
    expect(applied.map((r) => (r as { name: string }).name)).toEqual([
      '0001-engine-tables',
      '0002-domain-tables',
      '0003-settling-fills',
      '0004-trading-state',
      '0005-retention',
    ]);
    await first.db.insertInto('meta').values({ key: 'probe', value: 'kept' }).execute();
    await first.close();
    for (let i = 0; i < 2; i += 1) {
      const again = await openSqlite(engineFile(tmp.dir));
      expect(
        await again.db
          .selectFrom('kysely_migration' as never)
          .selectAll()
          .execute(),
      ).toEqual(applied);
      expect(await again.db.selectFrom('meta').selectAll().execute()).toEqual([
        { key: 'probe', value: 'kept' },
      ]);
      expect(await tablesOf(again)).toHaveLength(14);
      await again.close();
    }
  });

  it('runs the file in WAL mode with incremental vacuum, NORMAL sync by default and FULL when asked', async () => {
    const db = await database();
    const raw = rawConnection(engineFile(tmp.dir));
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      // Chosen before the first table: retention's freed pages go back to the file system.
      expect(raw.pragma('auto_vacuum', { simple: true })).toBe(2);
    } finally {
      raw.close();
    }
    const sync = async (d: EngineDatabase) =>
      (await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(d.db)).rows[0]?.synchronous;
    expect(await sync(db)).toBe(1);
    await db.close();
    cleanups.pop();
    const full = await database('full');
    expect(await sync(full)).toBe(2);
  });

  it('a second answer to a call already answered never rewrites the recorded result', async () => {
    const engine = await openEngine({
      file: engineFile(tmp.dir),
      clock,
      effects: new ScriptedEffects(() => 'hang'),
    });
    cleanups.push(() => engine.close());
    await engine.runtime.start();
    await engine.runtime.spawn(orderActorId('o1'), 'order', orderInput('o1'));
    await engine.runtime.send(orderActorId('o1'), { type: 'SUBMIT' });
    const { key, child_id } = await engine.db.db
      .selectFrom('outbox')
      .select(['key', 'child_id'])
      .executeTakeFirstOrThrow();
    const answer = (venueOrderId: string) => ({
      type: `xstate.done.actor.${child_id}`,
      output: { venueOrderId, status: 'open', filledQuantity: '0', sentAt: T0, at: T0 },
    });
    await engine.runtime.enqueue({ kind: 'result', key, event: answer('v-first') });
    await engine.runtime.enqueue({ kind: 'result', key, event: answer('v-second') });
    await idle(engine.runtime);
    const row = await engine.db.db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
    expect(row.status).toBe('done');
    expect(row.result).toContain('v-first');
    expect(row.result).not.toContain('v-second');
  });

  it('fsyncs (synchronous=FULL) exactly the commits that start a venue call, by default', async () => {
    const engine = await openEngine({
      file: engineFile(tmp.dir),
      clock,
      effects: new ScriptedEffects(() => 'hang'),
    });
    cleanups.push(() => engine.close());
    await engine.runtime.start();
    const writer = engine.db.writer!;
    const fsynced = () => ({ commits: writer.stats.commits, fsyncedCommits: writer.stats.fsyncedCommits });
    await engine.runtime.spawn(orderActorId('o1'), 'order', orderInput('o1'));
    const afterSpawn = fsynced();
    expect(afterSpawn.fsyncedCommits).toBe(0);
    await engine.runtime.send(orderActorId('o1'), { type: 'SUBMIT' }); // writes the place intent
    expect(fsynced()).toEqual({ commits: afterSpawn.commits + 1, fsyncedCommits: 1 });
    await engine.runtime.send(orderActorId('o1'), { type: 'CANCEL_ORDER' }); // no call: only remembered
    expect(fsynced()).toEqual({ commits: afterSpawn.commits + 2, fsyncedCommits: 1 });
  });
});

describe('one event = one transaction', () => {
  it('an event whose transaction aborts mid-way leaves nothing behind, sends nothing, and halts the runtime', async () => {
    const { engine } = await paperEngine();
    const { runtime, db } = engine;
    await runtime.spawn(orderActorId('o1'), 'order', orderInput('o1'));
    await runtime.send(orderActorId('o1'), { type: 'SUBMIT' });
    await runtime.settle(5000);
    expect(runtime.actor(orderActorId('o1'))!.snapshot.value).toBe('open');
    await runtime.spawn(orderActorId('o2'), 'order', orderInput('o2'));
    const before = await dumpTables(db.db);
    const journalRows = before.journal!.length;
    installTrigger('outbox'); // the SUBMIT's actor and journal rows are written before its outbox row

    const err = await rejection(runtime.send(orderActorId('o2'), { type: 'SUBMIT' }));
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toBe('runtime halted after a failed commit: boom');
    expect((runtime.failure as Error).message).toBe('boom');
    await idle(runtime);

    expect(await dumpTables(db.db)).toEqual(before);
    expect(before.journal).toHaveLength(journalRows);
    const o2 = await db.db.selectFrom('actors').selectAll().where('id', '=', orderActorId('o2')).execute();
    expect(o2.map((r) => [r.rev, r.state])).toEqual([[1, 'pendingNew']]);
    // (a halted runtime's memory may hold the batch that failed: it is never released nor trusted again;
    // the truth is the database, which a restart reads)
    // the venue only ever saw o1's place
    expect(requestKinds(venueFile(tmp.dir))).toEqual([['place', 'accepted']]);

    // and it refuses further work, even work the trigger would allow
    const refused = await rejection(runtime.spawn(orderActorId('o3'), 'order', orderInput('o3')));
    expect(refused.message).toBe('runtime halted after a failed commit: boom');
    expect(await dumpTables(db.db)).toEqual(before);
  });

  it('a fill whose positions write aborts changes no fill, order, book or journal row', async () => {
    const { engine } = await paperEngine();
    const { runtime, db, store } = engine;
    await runtime.spawn(orderActorId('o1'), 'order', orderInput('o1'));
    await runtime.send(orderActorId('o1'), { type: 'SUBMIT' });
    await runtime.settle(5000);
    const before = await dumpTables(db.db);
    installTrigger('positions');

    const fill = parseVenueEvent(rawFill());
    await rejection(runtime.enqueue(onOrderUpdate(VENUE, store, fill)));
    expect((runtime.failure as Error).message).toBe('boom');
    expect(await dumpTables(db.db)).toEqual(before);
    expect(before.fills).toEqual([]);
    await rejection(runtime.enqueue(onOrderUpdate(VENUE, store, fill)));
    expect(await dumpTables(db.db)).toEqual(before);

    // nothing was half-written: once the fault is gone, a new runtime applies the same fill once
    await engine.close();
    const raw = rawConnection(engineFile(tmp.dir));
    raw.exec('DROP TRIGGER boom');
    raw.close();
    const next = await openEngine({
      file: engineFile(tmp.dir),
      clock,
      effects: new ScriptedEffects(() => 'hang'),
    });
    cleanups.push(() => next.close());
    await next.runtime.start();
    expect(await next.runtime.enqueue(onOrderUpdate(VENUE, next.store, fill))).toBe('applied');
    const positions = await next.db.db.selectFrom('positions').select(['quantity', 'fill_count']).execute();
    expect(positions).toEqual([{ quantity: '0.04', fill_count: 1 }]);
  });
});

describe('revision check', () => {
  async function hangingEngine(): Promise<{ engine: EngineHandle; effects: ScriptedEffects }> {
    const effects = new ScriptedEffects(() => 'hang');
    const engine = await openEngine({ file: engineFile(tmp.dir), clock, effects });
    cleanups.push(() => engine.close());
    await engine.runtime.start();
    return { engine, effects };
  }

  const bumpBehindTheBack = (id: string) => {
    const raw = rawConnection(engineFile(tmp.dir));
    expect(raw.prepare('UPDATE actors SET rev = rev + 1 WHERE id = ?').run(id).changes).toBe(1);
    raw.close();
  };

  it('fails the next commit with REVISION_CONFLICT and writes nothing', async () => {
    const { engine, effects } = await hangingEngine();
    const { runtime, db } = engine;
    await runtime.spawn(orderActorId('o1'), 'order', orderInput('o1'));
    bumpBehindTheBack(orderActorId('o1'));
    const before = await dumpTables(db.db);

    const err = await rejection(runtime.send(orderActorId('o1'), { type: 'SUBMIT' }));
    expect((err.cause as SteadfastError).code).toBe('REVISION_CONFLICT');
    expect((runtime.failure as SteadfastError).code).toBe('REVISION_CONFLICT');
    await idle(runtime);
    expect(await dumpTables(db.db)).toEqual(before);
    expect(effects.calls).toEqual([]);
  });

  it('fails with REVISION_CONFLICT also when the batch moves the actor by more than one revision', async () => {
    const { engine } = await hangingEngine();
    const { runtime, db } = engine;
    const id = bookActorId(VENUE, SYMBOL);
    const input: PositionBookInput = { venue: VENUE, symbol: SYMBOL, at: T0 };
    await runtime.spawn(id, 'positionBook', input);
    bumpBehindTheBack(id); // another writer now owns rev 2
    const before = await dumpTables(db.db);

    const fill = (tradeId: string) => ({
      type: 'APPLY_FILL',
      tradeId,
      side: 'buy',
      price: '99',
      quantity: '0.01',
      fee: '0',
      feeCurrency: 'USDT',
      at: T0,
    });
    // two events for one actor in one batch: the runtime writes rev 3 over the other writer's rev 2
    const results = await Promise.allSettled([runtime.send(id, fill('a')), runtime.send(id, fill('b'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((runtime.failure as SteadfastError | null)?.code).toBe('REVISION_CONFLICT');
    expect(await dumpTables(db.db)).toEqual(before);
  });
});

describe('single-writer lease', () => {
  const NAME = `engine/${VENUE}`;

  /** A child process holding the writer lock of `file` until it is killed. */
  async function lockHolder(file: string) {
    const script = `const { acquireWriterLock } = await import(${JSON.stringify(`${repoRoot}/src/persistence/writer-lock.ts`)});
      acquireWriterLock(process.argv[1]); console.log('held'); setInterval(() => {}, 60_000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => void child.kill('SIGKILL'));
    await once(child.stdout, 'data');
    return child;
  }

  it('the writer lock is refused while another process holds it and free the moment that process is killed', async () => {
    const db = await database();
    await claimLease(db.db, NAME, 'elsewhere:4242', 15_000, T0, true);
    const child = await lockHolder(db.path);
    const refused = (() => {
      try {
        acquireWriterLock(db.path);
      } catch (err) {
        return err as SteadfastError;
      }
      throw new Error('the lock was granted twice');
    })();
    expect(refused.code).toBe('DATABASE_LOCKED');
    expect(refused.message).toContain('another engine (elsewhere:4242) is running on this database');
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    const lock = acquireWriterLock(db.path);
    cleanups.push(() => lock.release());
    expect(lock.file).toBe(`${db.path}.lock`);
  });

  it('with the lock held, takes an unexpired lease over with token + 1 and fences the old holder out', async () => {
    const db = await database();
    const other = 'some-host:4242';
    const held = await claimLease(db.db, NAME, other, 15_000, T0, true);
    expect(held).toEqual({ name: NAME, owner: other, token: 1 });
    await renewLease(db.db, held, 15_000, T0 + 2000); // still the holder
    const mine = await claimLease(db.db, NAME, processOwner(), 15_000, T0 + 3000, true);
    expect(mine).toEqual({ name: NAME, owner: processOwner(), token: 2 });
    expect((await rejection(renewLease(db.db, held, 15_000, T0 + 4000))).code).toBe('DATABASE_LOCKED');
    await renewLease(db.db, mine, 15_000, T0 + 4000);
    expect(await db.db.selectFrom('leases').selectAll().execute()).toEqual([
      { name: NAME, owner: processOwner(), token: 2, expires_at: T0 + 19_000 },
    ]);
  });

  it('without the lock (an in-memory database) trusts only the expiry', async () => {
    const db = await database();
    const remote = 'some-other-host.invalid:1';
    await claimLease(db.db, NAME, remote, 15_000, T0, false);
    const refused = await rejection(claimLease(db.db, NAME, processOwner(), 15_000, T0 + 14_999, false));
    expect(refused.code).toBe('DATABASE_LOCKED');
    expect(refused.message).toContain(remote);
    const mine = await claimLease(db.db, NAME, processOwner(), 15_000, T0 + 15_000, false);
    expect(mine.token).toBe(2);
  });
});
