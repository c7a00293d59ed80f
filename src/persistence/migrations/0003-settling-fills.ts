import type { Kysely, Migration } from 'kysely';

/**
 * Settling fills with the venue: `orders.fill_gap` (the venue reports more filled than the ledger holds),
 * and acknowledgements of anomalies that are alerts.
 */
export const settlingFills: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('orders').addColumn('fill_gap', 'text').execute();
    await db.schema.createIndex('orders_fill_gap').on('orders').columns(['fill_gap']).execute();
    await db.schema.alterTable('anomalies').addColumn('acknowledged_at', 'bigint').execute();
    await db.schema.alterTable('anomalies').addColumn('acknowledged_note', 'text').execute();
    await db.schema
      .createIndex('fills_order_status')
      .on('fills')
      .columns(['client_order_id', 'status'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('fills_order_status').execute();
    await db.schema.dropIndex('orders_fill_gap').execute();
    await db.schema.alterTable('anomalies').dropColumn('acknowledged_note').execute();
    await db.schema.alterTable('anomalies').dropColumn('acknowledged_at').execute();
    await db.schema.alterTable('orders').dropColumn('fill_gap').execute();
  },
};
