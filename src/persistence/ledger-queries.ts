import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import { listAlerts } from './alerts.js';
import type { AlertRow } from './alerts.js';
import type { Database, FillsTable, OrdersTable } from './schema.js';

/** An order whose fills are to be settled with the venue (see LedgerQueries.ordersToSettle). */
export type OrderToSettle = Pick<
  OrdersTable,
  'client_order_id' | 'venue_order_id' | 'symbol' | 'state' | 'fill_gap'
>;

/** Written literally (not as a parameter), so that SQLite uses the partial index `fills_contested`. */
const CONTESTED = sql<boolean>`fills.status = 'contested'`;

/**
 * Reads of the ledger and its projections that reconciliation and the operator checks need (the fills of
 * one order, orders missing fills, positions, open alerts). Kysely queries on the reading connection.
 */
export class LedgerQueries {
  constructor(private readonly db: Kysely<Database>) {}

  /** The contested fills of one order at `venue` (second versions of reused trade ids), oldest first. */
  contestedFillsOf(venue: string, clientOrderId: string): Promise<Selectable<FillsTable>[]> {
    return this.db
      .selectFrom('fills')
      .selectAll()
      .where(CONTESTED)
      .where('venue', '=', venue)
      .where('client_order_id', '=', clientOrderId)
      .orderBy('recorded_at')
      .execute();
  }

  /**
   * Orders at `venue` that need their trades fetched: those whose venue-reported filled quantity runs
   * ahead of the ledger (`fill_gap`), and those with a contested fill (a reused trade id) to decide.
   */
  async ordersToSettle(venue: string): Promise<OrderToSettle[]> {
    const gaps = await this.db
      .selectFrom('orders')
      .select(['client_order_id', 'venue_order_id', 'symbol', 'state', 'fill_gap'])
      .where('fill_gap', 'is not', null)
      .where('venue', '=', venue)
      .execute();
    const contested = await this.db
      .selectFrom('fills')
      .innerJoin('orders', 'orders.client_order_id', 'fills.client_order_id')
      .select([
        'orders.client_order_id',
        'orders.venue_order_id',
        'orders.symbol',
        'orders.state',
        'orders.fill_gap',
      ])
      .where(CONTESTED)
      .where('fills.venue', '=', venue)
      .distinct()
      .execute();
    const byId = new Map([...gaps, ...contested].map((o) => [o.client_order_id, o]));
    return [...byId.values()];
  }

  /** The positions projection of `venue`: signed quantity and fees per currency, by symbol. */
  async positionsOf(venue: string): Promise<Map<string, { quantity: string; fees: Record<string, string> }>> {
    const rows = await this.db
      .selectFrom('positions')
      .select(['symbol', 'quantity', 'fees'])
      .where('venue', '=', venue)
      .execute();
    return new Map(
      rows.map((r) => [
        r.symbol,
        { quantity: r.quantity, fees: JSON.parse(r.fees) as Record<string, string> },
      ]),
    );
  }

  /** An order's fill gap as the orders projection holds it (null: none, undefined: no such order). */
  async fillGapOf(clientOrderId: string): Promise<string | null | undefined> {
    const row = await this.db
      .selectFrom('orders')
      .select('fill_gap')
      .where('client_order_id', '=', clientOrderId)
      .executeTakeFirst();
    return row?.fill_gap;
  }

  /** The alerts (anomalies of `kinds`) no operator has acknowledged, oldest first. */
  openAlerts(kinds: readonly string[]): Promise<AlertRow[]> {
    return listAlerts(this.db, kinds, false);
  }
}
