import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

/**
 * The desk's trading state (`active`, `reducing`, `halted`): one row, written by the operator commands
 * and read by every commit of a call intent that the engine guards (see trading-state.ts).
 */
export const tradingState: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('trading_state')
      .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('cancel_requested', 'integer', (c) => c.notNull())
      .addColumn('changed_at', 'bigint', (c) => c.notNull())
      .execute();
    await sql`insert into trading_state (id, state, reason, version, cancel_requested, changed_at)
      values (1, 'active', null, 0, 0, 0)`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('trading_state').execute();
  },
};
