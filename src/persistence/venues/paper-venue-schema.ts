import type { Generated } from 'kysely';
import type { OrderType, Side, VenueOrderStatus } from '../../domain/types.js';

/** The paper venue file's schema (see paper-venue-store.ts), applied with `CREATE … IF NOT EXISTS`. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS markets_state (
  symbol TEXT PRIMARY KEY,
  price TEXT NOT NULL,
  rng_state INTEGER NOT NULL,
  tick INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
  venue_order_id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_order_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  type TEXT NOT NULL CHECK (type IN ('limit', 'market')),
  price TEXT,
  quantity TEXT NOT NULL,
  filled_quantity TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_client_order_id ON orders (client_order_id);
CREATE INDEX IF NOT EXISTS orders_status ON orders (status);
CREATE TABLE IF NOT EXISTS trades (
  trade_id INTEGER PRIMARY KEY AUTOINCREMENT,
  venue_order_id INTEGER NOT NULL REFERENCES orders (venue_order_id),
  client_order_id TEXT,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  price TEXT NOT NULL,
  quantity TEXT NOT NULL,
  fee TEXT NOT NULL,
  fee_currency TEXT NOT NULL,
  liquidity TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS trades_symbol_at ON trades (symbol, at);
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  client_order_id TEXT,
  outcome TEXT NOT NULL,
  detail TEXT,
  reply_lost INTEGER NOT NULL DEFAULT 0,
  at INTEGER NOT NULL
);
`;

/** The paper venue file's tables, as its statements (paper-venue-statements.ts) are typed against. */
export interface PaperVenueDatabase {
  markets_state: MarketsStateTable;
  orders: OrdersTable;
  trades: TradesTable;
  requests: RequestsTable;
}

/** One row per symbol: the state of its price walk. */
export interface MarketsStateTable {
  symbol: string;
  price: string;
  rng_state: number;
  tick: number;
  updated_at: number;
}

/** Every order placed at the paper venue; `venue_order_id` is its autoincrement id. */
export interface OrdersTable {
  venue_order_id: Generated<number>;
  client_order_id: string;
  symbol: string;
  side: Side;
  type: OrderType;
  /** Null for market orders. */
  price: string | null;
  quantity: string;
  filled_quantity: string;
  status: VenueOrderStatus;
  created_at: number;
  updated_at: number;
}

/** Every fill; `trade_id` is its autoincrement id. */
export interface TradesTable {
  trade_id: Generated<number>;
  venue_order_id: number;
  client_order_id: string | null;
  symbol: string;
  side: Side;
  price: string;
  quantity: string;
  fee: string;
  fee_currency: string;
  liquidity: 'maker' | 'taker' | null;
  at: number;
}

/** The request log (see StoredRequest). */
export interface RequestsTable {
  id: Generated<number>;
  kind: string;
  client_order_id: string | null;
  outcome: string;
  detail: string | null;
  /** 1 when the reply was lost, else 0. */
  reply_lost: Generated<number>;
  at: number;
}
