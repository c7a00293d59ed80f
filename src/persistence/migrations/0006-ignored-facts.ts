import type { Kysely, Migration } from 'kysely';
import { isPostgres } from '../dialect.js';

/**
 * Venue facts an actor did not take (its snapshot unchanged): a report or a call's answer that came after
 * the order had moved on, a fact its state refuses. Each is kept with the state it met and why, beside the
 * journal (which holds only the events that changed an actor, one per revision).
 */
export const ignoredFacts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const postgres = isPostgres(db);
    await db.schema
      .createTable('ignored_facts')
      .addColumn('seq', postgres ? 'bigint' : 'integer', (c) =>
        postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
      )
      .addColumn('batch', 'bigint', (c) => c.notNull())
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('rev', 'integer', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('ignored_facts_actor')
      .on('ignored_facts')
      .columns(['actor_id', 'seq'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('ignored_facts').execute();
  },
};
