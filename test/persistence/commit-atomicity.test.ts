import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SimulatedClock } from 'xstate';
import type { PaperVenue } from '../../src/adapters/paper/paper-venue.js';
import { parseVenueEvent } from '../../src/adapters/venue-event-schema.js';
import { SteadfastError } from '../../src/domain/errors.js';
import { onOrderUpdate } from '../../src/engine/on-order-update.js';
import { bookActorId, orderActorId } from '../../src/machines/messages.js';
import type { PositionBookInput } from '../../src/machines/position-book.machine.js';
import { claimLease } from '../../src/persistence/lease.js';
import { openEngineDatabaseForOperator } from '../../src/persistence/open-database.js';
import type { Database } from '../../src/persistence/schema.js';
import { dialects, engineTargetPerTest } from '../support/dialects.js';
import type { TestDialect } from '../support/dialects.js';
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
  rawFill,
  requestKinds,
  venueFile,
} from '../support/engine-harness.js';
import type { EngineHandle } from '../support/engine-harness.js';
import { tempDirPerTest } from '../support/test-dir.js';

/**
 * A batch's writes are one transaction on each dialect: a write that fails part-way (a trigger raising on
 * one table) leaves nothing of the batch, sends nothing and halts the runtime; a row changed behind the
 * runtime's back fails the next commit on its revision check.
 */

const tmp = tempDirPerTest('commit-atomicity');
const { cleanups } = tmp;
let clock: SimulatedClock;

beforeEach(() => {
  clock = newClock();
});

/** Rejection of a promise that must reject. */
async function rejection(promise: Promise<unknown>): Promise<SteadfastError> {
  const outcome = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(SteadfastError);
  return outcome as SteadfastError;
}

describe.each(dialects)('$name', (dialect: TestDialect) => {
  const engineDb = engineTargetPerTest(dialect, () => engineFile(tmp.dir));
  const target = () => engineDb.target;

  /** Runs `change` through a connection of its own, as another process would. */
  async function onTheSide(change: (db: Kysely<Database>) => Promise<unknown>): Promise<void> {
    const db = await openEngineDatabaseForOperator(target());
    try {
      await change(db);
    } finally {
      await db.destroy();
    }
  }

  /** Every insert into `table` fails with 'boom' from now on. */
  const installTrigger = (table: string) =>
    onTheSide(async (db) => {
      if (dialect.name === 'sqlite') {
        await sql
          .raw(`CREATE TRIGGER boom BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'boom'); END`)
          .execute(db);
        return;
      }
      await sql
        .raw(
          `CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$ LANGUAGE plpgsql`,
        )
        .execute(db);
      await sql
        .raw(`CREATE TRIGGER boom BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION boom()`)
        .execute(db);
    });

  const dropTrigger = (table: string) =>
    onTheSide((db) =>
      sql.raw(dialect.name === 'sqlite' ? 'DROP TRIGGER boom' : `DROP TRIGGER boom ON ${table}`).execute(db),
    );

  async function paperEngine(): Promise<{ engine: EngineHandle; venue: PaperVenue }> {
    const venue = openPaper(venueFile(tmp.dir), clock);
    cleanups.push(() => venue.close());
    const engine = await openEngine({ file: target(), clock, effects: paperEffects(venue, clock) });
    cleanups.push(() => engine.close());
    await engine.runtime.start();
    return { engine, venue };
  }

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
      await installTrigger('outbox'); // the SUBMIT's actor and journal rows are written before its outbox row

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
      await installTrigger('positions');

      const fill = parseVenueEvent(rawFill());
      await rejection(runtime.enqueue(onOrderUpdate(VENUE, store, fill)));
      expect((runtime.failure as Error).message).toBe('boom');
      expect(await dumpTables(db.db)).toEqual(before);
      expect(before.fills).toEqual([]);
      await rejection(runtime.enqueue(onOrderUpdate(VENUE, store, fill)));
      expect(await dumpTables(db.db)).toEqual(before);

      // nothing was half-written: once the fault is gone, a new runtime applies the same fill once
      await engine.close();
      await dropTrigger('positions');
      const next = await openEngine({
        file: target(),
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

  it('writes text exactly as given: quotes, backslashes, $1, semicolons, comments, newlines, non-ASCII', async () => {
    const { engine } = await paperEngine();
    const { runtime, db } = engine;
    const level = `it's \\ "a" $1 $$ ;-- drop table actors; /* x */\n\tЖ€😀 \\x00 E'\\''`;
    await runtime.spawn(orderActorId('o1'), 'order', orderInput('o1', { level }));
    await runtime.send(orderActorId('o1'), { type: 'SUBMIT' });
    await runtime.settle(5000);
    const order = await db.db.selectFrom('orders').select('level').executeTakeFirstOrThrow();
    expect(order.level).toBe(level);
    const actor = await db.db.selectFrom('actors').select('snapshot').executeTakeFirstOrThrow();
    expect(JSON.parse(String(actor.snapshot)).context.level).toBe(level);
    const init = await db.db
      .selectFrom('journal')
      .select('event')
      .where('event_type', '=', 'xstate.init')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(String(init.event)).input.level).toBe(level);
    expect(await db.db.selectFrom('actors').select('id').execute()).toHaveLength(1);
  });

  describe('revision check', () => {
    async function hangingEngine(): Promise<{ engine: EngineHandle; effects: ScriptedEffects }> {
      const effects = new ScriptedEffects(() => 'hang');
      const engine = await openEngine({ file: target(), clock, effects });
      cleanups.push(() => engine.close());
      await engine.runtime.start();
      return { engine, effects };
    }

    const bumpBehindTheBack = (id: string) =>
      onTheSide(async (db) => {
        const result = await db
          .updateTable('actors')
          .set((eb) => ({ rev: eb('rev', '+', 1) }))
          .where('id', '=', id)
          .executeTakeFirst();
        expect(Number(result.numUpdatedRows)).toBe(1);
      });

    it('fails the next commit with REVISION_CONFLICT and writes nothing', async () => {
      const { engine, effects } = await hangingEngine();
      const { runtime, db } = engine;
      await runtime.spawn(orderActorId('o1'), 'order', orderInput('o1'));
      await bumpBehindTheBack(orderActorId('o1'));
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
      await bumpBehindTheBack(id); // another writer now owns rev 2
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

  describe('fencing', () => {
    it('once another engine claimed the lease, the next commit fails with LEASE_LOST, writes nothing and sends nothing', async () => {
      const effects = new ScriptedEffects(() => 'hang');
      const engine = await openEngine({ file: target(), clock, effects });
      cleanups.push(() => engine.close());
      const lease = await claimLease(engine.db.db, 'engine/paper', 'host-a:1', 5_000, T0, false);
      engine.store.fenceWith({ name: lease.name, token: lease.token });
      await engine.runtime.start();
      await engine.runtime.spawn(orderActorId('o1'), 'order', orderInput('o1'));
      // The holder stopped renewing (paused); another engine claims the expired lease.
      await onTheSide((db) => claimLease(db, 'engine/paper', 'host-b:2', 5_000, T0 + 6_000, false));
      const before = await dumpTables(engine.db.db);

      const err = await rejection(engine.runtime.send(orderActorId('o1'), { type: 'SUBMIT' }));
      expect((err.cause as SteadfastError).code).toBe('LEASE_LOST');
      expect((engine.runtime.failure as SteadfastError).code).toBe('LEASE_LOST');
      await idle(engine.runtime);
      expect(await dumpTables(engine.db.db)).toEqual(before);
      expect(effects.calls).toEqual([]);
    });
  });
});
