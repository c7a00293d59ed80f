import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

/**
 * Retention (docs/cli.md, "Retention"): `journal_base` holds, for an actor whose oldest journal rows moved
 * to an archive file, the snapshot those rows led to (replay starts there); `outbox_actor` finds an
 * actor's calls when its rows move; `actors_ended` lists ended actors oldest first.
 */
export const retention: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('journal_base')
      .addColumn('actor_id', 'text', (c) => c.primaryKey())
      .addColumn('machine', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('rev', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('snapshot', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('outbox_actor').on('outbox').columns(['actor_id']).execute();
    // Ended actors oldest first: a pass reads the next few eligible ones without sorting them all. Partial,
    // so a live actor's writes cost nothing more; queries must state `live = 0` literally to use it.
    await sql`create index actors_ended on actors (machine, updated_at) where live = 0`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('actors_ended').execute();
    await db.schema.dropIndex('outbox_actor').execute();
    await db.schema.dropTable('journal_base').execute();
  },
};
