import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { deskState } from '../domain/trading-state.js';
import type { TradingStateChange, TradingStateRecord } from '../domain/trading-state.js';
import type { Database } from './schema.js';

/** The database's trading state (the row the migration created; `active` if it is missing). */
export async function readTradingState(db: Kysely<Database>): Promise<TradingStateRecord> {
  const row = await db.selectFrom('trading_state').selectAll().where('id', '=', 1).executeTakeFirst();
  if (row === undefined)
    return { state: 'active', reason: null, version: 0, cancelRequested: false, changedAt: 0 };
  return {
    state: deskState(row.state),
    reason: row.reason,
    version: row.version,
    cancelRequested: row.cancel_requested === 1,
    changedAt: row.changed_at,
  };
}

/**
 * Writes a change of the trading state in one transaction and bumps its version: from this commit on, no
 * guarded call intent decided under an earlier version can commit (commit-statements.ts, insertOutbox).
 */
export async function writeTradingState(
  db: Kysely<Database>,
  change: TradingStateChange,
  at: number,
): Promise<TradingStateRecord> {
  await db
    .updateTable('trading_state')
    .set({
      state: change.state,
      reason: change.reason,
      version: sql<number>`version + 1`,
      cancel_requested: change.cancelRequested ? 1 : 0,
      changed_at: at,
    })
    .where('id', '=', 1)
    .execute();
  return readTradingState(db);
}

/** How many orders of the orders projection are in one of `states` (the live ones, for `halt --cancel`). */
export async function countOrdersIn(db: Kysely<Database>, states: readonly string[]): Promise<number> {
  const row = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', 'in', [...states])
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
