import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SimulatedClock } from 'xstate';
import { SteadfastError } from '../../src/domain/errors.js';
import { orderActorId } from '../../src/machines/messages.js';
import { claimLease, processOwner, renewLease } from '../../src/persistence/lease.js';
import { openSqlite } from '../../src/persistence/sqlite.js';
import { acquireWriterLock } from '../../src/persistence/writer-lock.js';
import type { SqliteEngineDatabase as EngineDatabase } from '../../src/persistence/sqlite.js';
import {
  ScriptedEffects,
  T0,
  VENUE,
  engineFile,
  idle,
  newClock,
  openEngine,
  orderInput,
  rawConnection,
} from '../support/engine-harness.js';
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

/** Rejection of a promise that must reject. */
async function rejection(promise: Promise<unknown>): Promise<SteadfastError> {
  const outcome = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(SteadfastError);
  return outcome as SteadfastError;
}

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
      'ignored_facts',
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
      'ignored_facts_actor',
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
      '0006-ignored-facts',
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
      expect(await tablesOf(again)).toHaveLength(15);
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
    const writer = (engine.db as EngineDatabase).writer!; // a SQLite file: its writer thread
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
