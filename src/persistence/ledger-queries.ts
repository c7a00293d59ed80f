import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { listAlerts } from './alerts.js';
import type { AlertRow } from './alerts.js';
import type { FillRecord, OrderRecord } from './commit-set.js';
import type { Database } from './schema.js';

/** An order whose fills are to be settled with the venue (see LedgerQueries.ordersToSettle). */
export type OrderToSettle = Pick<
  OrderRecord,
  'clientOrderId' | 'venueOrderId' | 'symbol' | 'state' | 'fillGap'
>;

/** The fills columns as FillRecord fields. */
const FILL_RECORD = [
  'venue',
  'trade_id as tradeId',
  'client_order_id as clientOrderId',
  'venue_order_id as venueOrderId',
  'symbol',
  'side',
  'price',
  'quantity',
  'fee',
  'fee_currency as feeCurrency',
  'liquidity',
  'at',
  'status',
  'recorded_at as recordedAt',
] as const;

/** The orders columns an OrderToSettle has. */
const ORDER_TO_SETTLE = [
  'orders.client_order_id as clientOrderId',
  'orders.venue_order_id as venueOrderId',
  'orders.symbol',
  'orders.state',
  'orders.fill_gap as fillGap',
] as const;

/** Written literally (not as a parameter), so that SQLite uses the partial index `fills_contested`. */
const CONTESTED = sql<boolean>`fills.status = 'contested'`;

/**
 * Reads of the ledger and its projections that reconciliation and the operator checks need (the fills of
 * one order, orders missing fills, positions, open alerts). Kysely queries on the reading connection.
 */
export class LedgerQueries {
  constructor(private readonly db: Kysely<Database>) {}

  /** The contested fills of one order at `venue` (second versions of reused trade ids), oldest first. */
  contestedFillsOf(venue: string, clientOrderId: string): Promise<FillRecord[]> {
    return this.db
      .selectFrom('fills')
      .select(FILL_RECORD)
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
      .select(ORDER_TO_SETTLE)
      .where('fill_gap', 'is not', null)
      .where('venue', '=', venue)
      .execute();
    const contested = await this.db
      .selectFrom('fills')
      .innerJoin('orders', 'orders.client_order_id', 'fills.client_order_id')
      .select(ORDER_TO_SETTLE)
      .where(CONTESTED)
      .where('fills.venue', '=', venue)
      .distinct()
      .execute();
    const byId = new Map([...gaps, ...contested].map((o) => [o.clientOrderId, o]));
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
