import type { Kysely, Migration } from 'kysely';

/**
 * Retention: `journal_base` holds, for an actor whose oldest journal rows moved to an archive file, the
 * snapshot those rows led to (replay starts there), and `outbox_actor` finds an actor's calls when its rows
 * move. See retention in docs/operations.md.
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
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('outbox_actor').execute();
    await db.schema.dropTable('journal_base').execute();
  },
};
