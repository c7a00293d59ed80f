import type { Kysely, Migration } from 'kysely';

/** Domain tables: orders, fills, positions, anomalies. */
export const domainTables: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('orders')
      .addColumn('client_order_id', 'text', (c) => c.primaryKey())
      .addColumn('venue', 'text', (c) => c.notNull())
      .addColumn('symbol', 'text', (c) => c.notNull())
      .addColumn('side', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('price', 'text')
      .addColumn('quantity', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('venue_order_id', 'text')
      .addColumn('level', 'text')
      .addColumn('owner', 'text')
      .addColumn('reason', 'text')
      .addColumn('anomalies', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('orders_state').on('orders').columns(['state', 'symbol']).execute();
    await db.schema
      .createIndex('orders_venue_id')
      .on('orders')
      .columns(['venue', 'venue_order_id'])
      .execute();
    await db.schema
      .createTable('fills')
      .addColumn('venue', 'text', (c) => c.notNull())
      .addColumn('trade_id', 'text', (c) => c.notNull())
      .addColumn('client_order_id', 'text')
      .addColumn('venue_order_id', 'text', (c) => c.notNull())
      .addColumn('symbol', 'text', (c) => c.notNull())
      .addColumn('side', 'text', (c) => c.notNull())
      .addColumn('price', 'text', (c) => c.notNull())
      .addColumn('quantity', 'text', (c) => c.notNull())
      .addColumn('fee', 'text', (c) => c.notNull())
      .addColumn('fee_currency', 'text', (c) => c.notNull())
      .addColumn('liquidity', 'text')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('fills_pk', ['venue', 'trade_id'])
      .execute();
    await db.schema
      .createTable('positions')
      .addColumn('venue', 'text', (c) => c.notNull())
      .addColumn('symbol', 'text', (c) => c.notNull())
      .addColumn('quantity', 'text', (c) => c.notNull())
      .addColumn('average_price', 'text', (c) => c.notNull())
      .addColumn('realized_pnl', 'text', (c) => c.notNull())
      .addColumn('fees', 'text', (c) => c.notNull())
      .addColumn('fill_count', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('positions_pk', ['venue', 'symbol'])
      .execute();
    await db.schema
      .createTable('anomalies')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('first_at', 'bigint', (c) => c.notNull())
      .addColumn('last_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('anomalies_pk', ['kind', 'subject'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const t of ['anomalies', 'positions', 'fills', 'orders']) await db.schema.dropTable(t).execute();
  },
};
