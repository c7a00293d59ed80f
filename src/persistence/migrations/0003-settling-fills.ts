import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

/**
 * Settling fills with the venue: `orders.fill_gap` (the venue reports more filled than the ledger holds),
 * and acknowledgements of anomalies that are alerts.
 */
export const settlingFills: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('orders').addColumn('fill_gap', 'text').execute();
    await db.schema.alterTable('anomalies').addColumn('acknowledged_at', 'bigint').execute();
    await db.schema.alterTable('anomalies').addColumn('acknowledged_note', 'text').execute();
    // Partial indexes: they hold only the rare rows reconciliation looks for, so writing an ordinary order
    // or fill costs nothing more. Queries must state the same condition literally to use them.
    await sql`create index orders_fill_gap on orders (venue) where fill_gap is not null`.execute(db);
    await sql`create index fills_contested on fills (venue, client_order_id) where status = 'contested'`.execute(
      db,
    );
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('fills_contested').execute();
    await db.schema.dropIndex('orders_fill_gap').execute();
    await db.schema.alterTable('anomalies').dropColumn('acknowledged_note').execute();
    await db.schema.alterTable('anomalies').dropColumn('acknowledged_at').execute();
    await db.schema.alterTable('orders').dropColumn('fill_gap').execute();
  },
};
