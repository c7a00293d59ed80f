import { expect } from 'vitest';
import { sql } from 'kysely';
import { openEngineDatabaseReadOnly } from '../../../src/persistence/open-database.js';
import type { ModelEngine } from './model-engine.js';
import type { OracleRun } from './oracle.js';

/**
 * Reads of the engine's SQLite file, compared with the model: the stored snapshot, the calls still
 * awaited (outbox rows `pending`) and the durable timers of an actor.
 */

/** What the model says one actor looks like after a step. */
export type ActorView = Pick<OracleRun['initial'], 'snapshot' | 'persisted' | 'rev' | 'timers' | 'openCalls'>;

/** Keys of the outbox rows still awaiting a reply (any actor), sorted. */
export async function openCallKeys(engine: ModelEngine): Promise<string[]> {
  const rows = await engine.db.db
    .selectFrom('outbox')
    .select('key')
    .where('status', '=', 'pending')
    .execute();
  return rows.map((r) => r.key).sort();
}

/** Asserts that the stored actor, its awaited calls and its timers are exactly what the model says. */
export async function expectActorMatches(
  engine: ModelEngine,
  actorId: string,
  view: ActorView,
  where: string,
): Promise<void> {
  const db = engine.db.db;
  const row = await db.selectFrom('actors').selectAll().where('id', '=', actorId).executeTakeFirst();
  expect(row, `${where}: actor ${actorId} is stored`).toBeDefined();
  expect(JSON.parse(row!.snapshot), `${where}: stored snapshot of ${actorId}`).toEqual(view.persisted);
  expect(row!.rev, `${where}: revision of ${actorId}`).toBe(view.rev);
  const calls = await db
    .selectFrom('outbox')
    .select(['key', 'child_id', 'src', 'input'])
    .where('actor_id', '=', actorId)
    .where('status', '=', 'pending')
    .orderBy('key')
    .execute();
  expect(
    calls.map((c) => ({
      key: c.key,
      childId: c.child_id,
      src: c.src,
      input: JSON.parse(c.input) as unknown,
    })),
    `${where}: calls awaited by ${actorId}`,
  ).toEqual(
    view.openCalls
      .map((c) => ({ key: c.key, childId: c.childId, src: c.src, input: c.input }))
      .sort((a, b) => a.key.localeCompare(b.key)),
  );
  const timers = await db
    .selectFrom('timers')
    .selectAll()
    .where('actor_id', '=', actorId)
    .orderBy('timer_id')
    .execute();
  expect(
    timers.map((t) => ({
      timerId: t.timer_id,
      event: JSON.parse(t.event) as unknown,
      dueAt: Number(t.due_at),
    })),
    `${where}: durable timers of ${actorId}`,
  ).toEqual([...view.timers].sort((a, b) => a.timerId.localeCompare(b.timerId)));
}

const TABLES: Record<string, string> = {
  actors: 'select * from actors order by id',
  journal: 'select actor_id, rev, event_type, event, state, at from journal order by actor_id, rev',
  outbox: 'select * from outbox order by key',
  timers: 'select * from timers order by actor_id, timer_id',
  orders: 'select * from orders order by client_order_id',
  fills: 'select * from fills order by venue, trade_id',
  positions: 'select * from positions order by venue, symbol',
  anomalies: 'select * from anomalies order by kind, subject',
};

/**
 * Every engine and domain table of a closed engine database, in a stable order, without the columns that
 * number commits (`journal.seq`, `journal.batch`): a run with a restart between every pair of steps
 * commits in different batches, and nothing else may differ.
 */
export async function dumpEngine(target: string): Promise<Record<string, unknown[]>> {
  const db = await openEngineDatabaseReadOnly(target);
  try {
    const out: Record<string, unknown[]> = {};
    for (const [table, query] of Object.entries(TABLES)) out[table] = (await sql.raw(query).execute(db)).rows;
    return out;
  } finally {
    await db.destroy();
  }
}
