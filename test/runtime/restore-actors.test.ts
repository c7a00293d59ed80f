import { describe, expect, it } from 'vitest';
import { SteadfastError } from '../../src/domain/errors.js';
import { orderActorId } from '../../src/machines/messages.js';
import type { OrderContext } from '../../src/machines/order.machine.js';
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

const tmp = tempDirPerTest('restore-actors');
const { cleanups } = tmp;

const RESTING = ['o1', 'o2', 'o3', 'o4', 'o5'];
const id = (cid: string) => orderActorId(cid);

async function engine(snapshotReader: boolean): Promise<EngineHandle> {
  const e = await openEngine({
    file: engineFile(tmp.dir),
    clock: newClock(),
    effects: new ScriptedEffects(() => 'hang'),
    snapshotReader,
  });
  cleanups.push(() => e.close());
  return e;
}

/** Five resting orders (one shape) and one never submitted (another shape), then a clean stop. */
async function seed(): Promise<void> {
  const first = await engine(true);
  await first.runtime.start();
  for (const [i, cid] of RESTING.entries()) {
    await first.runtime.spawn(id(cid), 'order', orderInput(cid, { price: String(100 + i) }));
    await first.runtime.send(id(cid), {
      type: 'ORDER_ACCEPTED',
      venueOrderId: `v-${cid}`,
      filledQuantity: '0',
    });
  }
  await first.runtime.spawn(id('o6'), 'order', orderInput('o6'));
  await idle(first.runtime);
  await first.close();
}

function storedRows(): Map<string, { snapshot: string; state: string; rev: number }> {
  const raw = rawConnection(engineFile(tmp.dir));
  try {
    const rows = raw.prepare('SELECT id, snapshot, state, rev FROM actors').all() as {
      id: string;
      snapshot: string;
      state: string;
      rev: number;
    }[];
    return new Map(rows.map((r) => [r.id, r]));
  } finally {
    raw.close();
  }
}

describe.each([
  ['reading resting snapshots on first use', true],
  ['reading every snapshot at start', false],
])('recovery %s', (_name, reader) => {
  it('resumes every actor from its stored snapshot, and an untouched one changes like any other', async () => {
    await seed();
    const stored = storedRows();
    const e = await engine(reader);
    expect((await e.runtime.start()).actors).toBe(6);
    for (const cid of [...RESTING, 'o6']) {
      const actor = e.runtime.actor(id(cid))!;
      const row = stored.get(id(cid))!;
      expect([actor.state, actor.rev, actor.live]).toEqual([row.state, row.rev, true]);
      expect(actor.persist()).toBe(row.snapshot);
      expect((actor.context as unknown as OrderContext).price).toBe(
        (JSON.parse(row.snapshot) as { context: OrderContext }).context.price,
      );
    }
    await e.runtime.send(id('o4'), {
      type: 'ORDER_FILLED',
      tradeId: 't1',
      venueOrderId: 'v-o4',
      price: '103',
      quantity: '0.04',
      fee: '0',
      feeCurrency: 'USDT',
    });
    const after = storedRows().get(id('o4'))!;
    expect([after.state, after.rev]).toEqual(['partiallyFilled', stored.get(id('o4'))!.rev + 1]);
    expect(JSON.parse(after.snapshot)).toMatchObject({ context: { filledQuantity: '0.04', price: '103' } });
  });

  it('refuses a stored snapshot that is not valid JSON, naming the actor, and changes nothing', async () => {
    await seed();
    const raw = rawConnection(engineFile(tmp.dir));
    raw.prepare('UPDATE actors SET snapshot = ? WHERE id = ?').run('{"status":', id('o3'));
    raw.close();
    const e = await engine(reader);
    const before = await dumpTables(e.db.db);
    const err = await e.runtime.start().then(
      () => null,
      (x: unknown) => x,
    );
    expect(err).toBeInstanceOf(SteadfastError);
    expect((err as SteadfastError).message).toMatch(
      /^cannot restore 1 actor\(s\): actor order\/o3: its stored snapshot is not valid JSON \(/,
    );
    expect(await dumpTables(e.db.db)).toEqual(before);
  });
});

describe('lazy recovery', () => {
  it('reads a resting order only when first used, and refuses it (alone) if its row changed since the start', async () => {
    await seed();
    const e = await engine(true);
    await e.runtime.start();
    // Behind the engine's back: o2–o5 (all but o1, the one snapshot restored for their shape) move on.
    const raw = rawConnection(engineFile(tmp.dir));
    raw.prepare('UPDATE actors SET rev = rev + 1 WHERE id IN (?, ?, ?, ?)').run(...RESTING.slice(1).map(id));
    raw.close();
    const journal = (await dumpTables(e.db.db)).journal;
    for (const cid of RESTING.slice(1)) {
      const err = await e.runtime.send(id(cid), { type: 'CANCEL_ORDER' }).then(
        () => null,
        (x: unknown) => x,
      );
      expect(err).toMatchObject({ code: 'INTERNAL' });
      expect((err as Error).message).toMatch(/its stored snapshot is no longer revision 2/);
    }
    expect((await dumpTables(e.db.db)).journal).toEqual(journal);
    // o1 was restored at start and the rest of the runtime goes on.
    expect(await e.runtime.send(id('o1'), { type: 'CANCEL_ORDER' })).toBe(true);
    expect(e.runtime.actor(id('o1'))!.state).toBe('pendingCancel');
    expect(e.runtime.failure).toBeNull();
  });
});
