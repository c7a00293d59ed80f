import { describe, expect, it } from 'vitest';
import { SteadfastError } from '../../src/domain/errors.js';
import { orderActorId } from '../../src/machines/messages.js';
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
  rawConnection,
} from '../support/engine-harness.js';
import type { EngineHandle } from '../support/engine-harness.js';
import { tempDirPerTest } from '../support/test-dir.js';

const tmp = tempDirPerTest('versioning');
const { cleanups } = tmp;

const O1 = orderActorId('o1');

async function engine(
  effects: ScriptedEffects,
  registry?: Record<string, MachineEntry>,
): Promise<EngineHandle> {
  const e = await openEngine({
    file: engineFile(tmp.dir),
    clock: newClock(),
    effects,
    ...(registry ? { registry } : {}),
  });
  cleanups.push(() => e.close());
  return e;
}

/** A database with one live order (submitting, its place call open) written by order machine v1. */
async function seedV1(): Promise<void> {
  const first = await engine(new ScriptedEffects(() => 'hang'));
  await first.runtime.start();
  await first.runtime.spawn(O1, 'order', orderInput('o1'));
  await first.runtime.send(O1, { type: 'SUBMIT' });
  await idle(first.runtime);
  await first.close();
}

/** machineRegistry with the order machine declared as version 2. */
function orderV2(migrations: Record<number, SnapshotMigration>): Record<string, MachineEntry> {
  return { ...machineRegistry, order: { ...machineRegistry.order!, version: 2, migrations } };
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

describe('snapshot versions', () => {
  it('refuses to start on a row written by a newer machine version, naming actor and versions, changing nothing', async () => {
    await seedV1();
    const raw = rawConnection(engineFile(tmp.dir));
    raw.prepare('UPDATE actors SET version = 2 WHERE id = ?').run(O1);
    raw.close();
    const { message, e } = await refusedStart();
    expect(message).toBe(
      "cannot restore 1 actor(s): actor order/o1 was written by order machine v2, newer than this build's v1: run the newer build",
    );
    expect(e.runtime.actor(O1)).toBeUndefined();
  });

  it('refuses an older version when the registry has no migration for it', async () => {
    await seedV1();
    const { message } = await refusedStart(orderV2({}));
    expect(message).toBe(
      'cannot restore 1 actor(s): actor order/o1 was written by order machine v1; this build has v2 and ' +
        'no migration from v1: refusing to guess (add a migration or run the older build)',
    );
  });

  it('migrates at start with a registered migration: writes v2 and an engine.migrated journal row', async () => {
    await seedV1();
    const seen: unknown[] = [];
    const migration: SnapshotMigration = (snapshot) => {
      seen.push(snapshot.value);
      return { ...snapshot, context: { ...snapshot.context, reason: 'migrated to v2' } };
    };
    const registry = orderV2({ 1: migration });
    const e = await engine(new ScriptedEffects(() => 'hang'), registry);
    const report = await e.runtime.start();
    await idle(e.runtime);

    expect(report).toEqual({ actors: 1, resumedCalls: 1, timers: 1, migrated: 1 });
    expect(seen).toEqual(['submitting']);
    const row = await e.db.db.selectFrom('actors').selectAll().where('id', '=', O1).executeTakeFirstOrThrow();
    expect([row.version, row.rev, row.state]).toEqual([2, 3, 'submitting']);
    const persisted = JSON.parse(row.snapshot) as { value: unknown; context: OrderContext; children: object };
    expect([persisted.value, persisted.context.reason, Object.keys(persisted.children)]).toEqual([
      'submitting',
      'migrated to v2',
      ['placeOrder'],
    ]);
    const journal = await e.store.journalOf(O1);
    expect(journal.map((j) => [j.rev, j.event_type])).toEqual([
      [1, 'xstate.init'],
      [2, 'SUBMIT'],
      [3, 'engine.migrated'],
    ]);
    expect([journal[2]!.event, journal[2]!.state]).toEqual([
      JSON.stringify({ type: 'engine.migrated', toVersion: 2 }),
      'submitting',
    ]);
    expect(e.runtime.actor(O1)!.rev).toBe(3);
    expect((e.runtime.actor(O1)!.snapshot.context as OrderContext).reason).toBe('migrated to v2');
    const orders = await e.db.db.selectFrom('orders').select(['reason', 'state']).execute();
    expect(orders).toEqual([{ reason: 'migrated to v2', state: 'submitting' }]);

    // the migrated actor keeps working, and a second start does not migrate again
    expect(await e.runtime.send(O1, { type: 'CANCEL_ORDER' })).toBe(true);
    expect(e.runtime.actor(O1)!.rev).toBe(4);
    await e.close();
    const again = await engine(new ScriptedEffects(() => 'hang'), registry);
    expect((await again.runtime.start()).migrated).toBe(0);
    const after = await again.store.journalOf(O1);
    expect(after.map((j) => j.event_type)).toEqual([
      'xstate.init',
      'SUBMIT',
      'engine.migrated',
      'CANCEL_ORDER',
    ]);
    expect(again.runtime.actor(O1)!.snapshot.context).toMatchObject({
      reason: 'migrated to v2',
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
    const raw = rawConnection(engineFile(tmp.dir));
    const row = raw.prepare('SELECT snapshot FROM actors WHERE id = ?').get(orderActorId('o2')) as {
      snapshot: string;
    };
    const broken = { ...(JSON.parse(row.snapshot) as object), value: 'nowhere' };
    raw
      .prepare('UPDATE actors SET snapshot = ? WHERE id = ?')
      .run(JSON.stringify(broken), orderActorId('o2'));
    raw.close();
    const { message } = await refusedStart();
    expect(message).toMatch(
      /^cannot restore 1 actor\(s\): actor order\/o2: snapshot does not fit order machine v1: /,
    );
  });
});
