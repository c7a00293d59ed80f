import type { Kysely, Migration } from 'kysely';
import { isPostgres } from '../dialect.js';

/** Engine tables: actors (snapshots), journal, outbox, timers, meta, leases. */
export const engineTables: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const postgres = isPostgres(db);
    await db.schema
      .createTable('actors')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('machine', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('rev', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('live', 'integer', (c) => c.notNull())
      .addColumn('snapshot', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('actors_live').on('actors').columns(['live', 'machine']).execute();
    await db.schema
      .createTable('journal')
      // SQLite's INTEGER PRIMARY KEY AUTOINCREMENT is a 64-bit rowid never reused; PostgreSQL's equivalent
      // is a bigint identity (its `integer` has 32 bits, and it has no AUTOINCREMENT).
      .addColumn('seq', postgres ? 'bigint' : 'integer', (c) =>
        postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
      )
      .addColumn('batch', 'bigint', (c) => c.notNull())
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('rev', 'integer', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('journal_actor')
      .on('journal')
      .columns(['actor_id', 'rev'])
      .unique()
      .execute();
    await db.schema
      .createTable('outbox')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('child_id', 'text', (c) => c.notNull())
      .addColumn('src', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('closed_at', 'bigint')
      .addColumn('result', 'text')
      .execute();
    await db.schema.createIndex('outbox_status').on('outbox').columns(['status']).execute();
    await db.schema
      .createTable('timers')
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('timer_id', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('timers_pk', ['actor_id', 'timer_id'])
      .execute();
    await db.schema
      .createTable('meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('token', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const t of ['leases', 'meta', 'timers', 'outbox', 'journal', 'actors']) {
      await db.schema.dropTable(t).execute();
    }
  },
};
