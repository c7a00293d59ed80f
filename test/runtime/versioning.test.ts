import { describe, expect, it } from 'vitest';
import { SteadfastError } from '../../src/domain/errors.js';
import { orderActorId } from '../../src/machines/messages.js';
import { ORDER_MACHINE_VERSION } from '../../src/machines/order.machine.js';
import type { OrderContext } from '../../src/machines/order.machine.js';
import { machineRegistry } from '../../src/machines/registry.js';
import type { MachineEntry, SnapshotMigration } from '../../src/machines/registry.js';
import {
  ScriptedEffects,
  dumpTables,
  engineFile,
  idle,
  newClock,
  openEngine,
  orderInput,
} from '../support/engine-harness.js';
import type { EngineHandle } from '../support/engine-harness.js';
import type { Kysely } from 'kysely';
import { openEngineDatabaseForOperator } from '../../src/persistence/open-database.js';
import type { Database } from '../../src/persistence/schema.js';
import { tempDirPerTest } from '../support/test-dir.js';
import { dialectMatrix } from '../support/dialects.js';

const tmp = tempDirPerTest('versioning');
const { cleanups } = tmp;

const O1 = orderActorId('o1');
/** The order machine's version in this build, and a next one the tests declare. */
const V = ORDER_MACHINE_VERSION;
const NEXT = V + 1;

async function engine(
  effects: ScriptedEffects,
  registry?: Record<string, MachineEntry>,
): Promise<EngineHandle> {
  const e = await openEngine({
    file: target(),
    clock: newClock(),
    effects,
    ...(registry ? { registry } : {}),
  });
  cleanups.push(() => e.close());
  return e;
}

/** A database with one live order (submitting, its place call open) written by this build's order machine. */
async function seedCurrent(): Promise<void> {
  const first = await engine(new ScriptedEffects(() => 'hang'));
  await first.runtime.start();
  await first.runtime.spawn(O1, 'order', orderInput('o1'));
  await first.runtime.send(O1, { type: 'SUBMIT' });
  await idle(first.runtime);
  await first.close();
}

/** machineRegistry with the order machine declared as the next version. */
function orderNext(migrations: Record<number, SnapshotMigration>): Record<string, MachineEntry> {
  return { ...machineRegistry, order: { ...machineRegistry.order!, version: NEXT, migrations } };
}

async function startFailure(e: EngineHandle): Promise<SteadfastError> {
  const outcome = await e.runtime.start().then(
    () => null,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(SteadfastError);
  return outcome as SteadfastError;
}

/** Starts on the database expecting a refusal; checks that nothing changed and nothing was sent. */
async function refusedStart(
  registry?: Record<string, MachineEntry>,
): Promise<{ message: string; e: EngineHandle }> {
  const effects = new ScriptedEffects(() => 'hang');
  const e = await engine(effects, registry);
  const before = await dumpTables(e.db.db);
  const err = await startFailure(e);
  expect(err.code).toBe('SNAPSHOT_VERSION_MISMATCH');
  expect(await dumpTables(e.db.db)).toEqual(before);
  expect([effects.recovered, effects.calls]).toEqual([[], []]);
  return { message: err.message, e };
}

/** Runs `change` on the stored rows through a connection of its own (an older build, a broken write). */
async function edit(change: (db: Kysely<Database>) => Promise<unknown>): Promise<void> {
  const db = await openEngineDatabaseForOperator(target());
  try {
    await change(db);
  } finally {
    await db.destroy();
  }
}

/** The dialect matrix: `target()` is the current case's engine database (a SQLite file or a PostgreSQL URL). */
const matrix = dialectMatrix(() => engineFile(tmp.dir));
const target = matrix.target;

matrix.each(() => {
  describe('snapshot versions', () => {
    it('refuses to start on a row written by a newer machine version, naming actor and versions, changing nothing', async () => {
      await seedCurrent();
      await edit((db) => db.updateTable('actors').set({ version: NEXT }).where('id', '=', O1).execute());
      const { message, e } = await refusedStart();
      expect(message).toBe(
        `cannot restore 1 actor(s): actor order/o1 was written by order machine v${NEXT}, newer than this build's v${V}: run the newer build`,
      );
      expect(e.runtime.actor(O1)).toBeUndefined();
    });

    it('refuses an older version when the registry has no migration for it', async () => {
      await seedCurrent();
      const { message } = await refusedStart(orderNext({}));
      expect(message).toBe(
        `cannot restore 1 actor(s): actor order/o1 was written by order machine v${V}; this build has v${NEXT} and ` +
          `no migration from v${V}: refusing to guess (add a migration or run the older build)`,
      );
    });

    it('migrates at start with a registered migration: writes the next version and an engine.migrated journal row', async () => {
      await seedCurrent();
      const seen: unknown[] = [];
      const migration: SnapshotMigration = (snapshot) => {
        seen.push(snapshot.value);
        return { ...snapshot, context: { ...snapshot.context, reason: 'migrated' } };
      };
      const registry = orderNext({ [V]: migration });
      const e = await engine(new ScriptedEffects(() => 'hang'), registry);
      const report = await e.runtime.start();
      await idle(e.runtime);

      expect(report).toEqual({ actors: 1, resumedCalls: 1, timers: 1, migrated: 1 });
      expect(seen).toEqual(['submitting']);
      const row = await e.db.db
        .selectFrom('actors')
        .selectAll()
        .where('id', '=', O1)
        .executeTakeFirstOrThrow();
      expect([row.version, row.rev, row.state]).toEqual([NEXT, 3, 'submitting']);
      const persisted = JSON.parse(row.snapshot) as {
        value: unknown;
        context: OrderContext;
        children: object;
      };
      expect([persisted.value, persisted.context.reason, Object.keys(persisted.children)]).toEqual([
        'submitting',
        'migrated',
        ['placeOrder'],
      ]);
      const journal = await e.store.journalOf(O1);
      expect(journal.map((j) => [j.rev, j.eventType])).toEqual([
        [1, 'xstate.init'],
        [2, 'SUBMIT'],
        [3, 'engine.migrated'],
      ]);
      expect([journal[2]!.event, journal[2]!.state]).toEqual([
        JSON.stringify({ type: 'engine.migrated', toVersion: NEXT }),
        'submitting',
      ]);
      expect(e.runtime.actor(O1)!.rev).toBe(3);
      expect((e.runtime.actor(O1)!.snapshot.context as OrderContext).reason).toBe('migrated');
      const orders = await e.db.db.selectFrom('orders').select(['reason', 'state']).execute();
      expect(orders).toEqual([{ reason: 'migrated', state: 'submitting' }]);

      // the migrated actor keeps working, and a second start does not migrate again
      expect(await e.runtime.send(O1, { type: 'CANCEL_ORDER' })).toBe(true);
      expect(e.runtime.actor(O1)!.rev).toBe(4);
      await e.close();
      const again = await engine(new ScriptedEffects(() => 'hang'), registry);
      expect((await again.runtime.start()).migrated).toBe(0);
      const after = await again.store.journalOf(O1);
      expect(after.map((j) => j.eventType)).toEqual([
        'xstate.init',
        'SUBMIT',
        'engine.migrated',
        'CANCEL_ORDER',
      ]);
      expect(again.runtime.actor(O1)!.snapshot.context).toMatchObject({
        reason: 'migrated',
        cancelRequested: true,
      });
    });

    it('refuses a snapshot that does not fit the machine, even beside many valid ones of a known shape', async () => {
      const first = await engine(new ScriptedEffects(() => 'hang'));
      await first.runtime.start();
      for (const id of ['o1', 'o2', 'o3']) {
        await first.runtime.spawn(orderActorId(id), 'order', orderInput(id));
        await first.runtime.send(orderActorId(id), { type: 'SUBMIT' });
      }
      await idle(first.runtime);
      await first.close();
      // o1 and o3 keep the shape a valid order has; o2 names a state the order machine does not have
      await edit(async (db) => {
        const o2 = orderActorId('o2');
        const row = await db
          .selectFrom('actors')
          .select('snapshot')
          .where('id', '=', o2)
          .executeTakeFirstOrThrow();
        const broken = { ...(JSON.parse(row.snapshot) as object), value: 'nowhere' };
        await db
          .updateTable('actors')
          .set({ snapshot: JSON.stringify(broken) })
          .where('id', '=', o2)
          .execute();
      });
      const { message } = await refusedStart();
      expect(message).toMatch(
        new RegExp(
          `^cannot restore 1 actor\\(s\\): actor order/o2: snapshot does not fit order machine v${V}: `,
        ),
      );
    });

    it('migrates an order written by order machine v1 (before absence proofs) to the current version', async () => {
      await seedCurrent();
      // Rewrite the row as version 1 wrote it: no absence fields, no absenceProofMs in its timeouts.
      await edit(async (db) => {
        const row = await db
          .selectFrom('actors')
          .select('snapshot')
          .where('id', '=', O1)
          .executeTakeFirstOrThrow();
        const v1 = JSON.parse(row.snapshot) as { context: Record<string, unknown> & { timeouts: object } };
        delete v1.context.absentSince;
        delete v1.context.absentAnswers;
        delete (v1.context.timeouts as { absenceProofMs?: number }).absenceProofMs;
        await db
          .updateTable('actors')
          .set({ version: 1, snapshot: JSON.stringify(v1) })
          .where('id', '=', O1)
          .execute();
      });

      const e = await engine(new ScriptedEffects(() => 'hang'));
      expect((await e.runtime.start()).migrated).toBe(1);
      const context = e.runtime.actor(O1)!.snapshot.context as OrderContext;
      expect([context.absentSince, context.absentAnswers, context.timeouts.absenceProofMs]).toEqual([
        null,
        0,
        30_000,
      ]);
      const stored = await e.db.db
        .selectFrom('actors')
        .select('version')
        .where('id', '=', O1)
        .executeTakeFirstOrThrow();
      expect(stored.version).toBe(V);
      expect(await e.runtime.send(O1, { type: 'CANCEL_ORDER' })).toBe(true);
    });
  });
});
