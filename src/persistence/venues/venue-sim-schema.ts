import type Database from 'better-sqlite3';
import type { Generated } from 'kysely';
import type { SimOrder, SimOrderStatus } from './venue-sim-records.js';

/** The venue simulator file's schema (see venue-sim-store.ts), applied with `CREATE … IF NOT EXISTS`. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS markets_state (
  symbol TEXT PRIMARY KEY,
  price TEXT NOT NULL,
  rng_state INTEGER NOT NULL,
  tick INTEGER NOT NULL,
  open_price TEXT NOT NULL,
  high_price TEXT NOT NULL,
  low_price TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS balances (
  asset TEXT PRIMARY KEY,
  free TEXT NOT NULL,
  locked TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
  order_id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_order_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  type TEXT NOT NULL CHECK (type IN ('LIMIT', 'MARKET', 'LIMIT_MAKER')),
  time_in_force TEXT NOT NULL,
  price TEXT NOT NULL,
  orig_qty TEXT NOT NULL,
  orig_quote_qty TEXT NOT NULL,
  executed_qty TEXT NOT NULL,
  cumm_quote_qty TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_client ON orders (symbol, client_order_id);
CREATE INDEX IF NOT EXISTS orders_status ON orders (status);
CREATE TABLE IF NOT EXISTS trades (
  trade_id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id INTEGER NOT NULL REFERENCES orders (order_id),
  client_order_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  price TEXT NOT NULL,
  qty TEXT NOT NULL,
  quote_qty TEXT NOT NULL,
  commission TEXT NOT NULL,
  commission_asset TEXT NOT NULL,
  is_maker INTEGER NOT NULL,
  at INTEGER NOT NULL,
  reported_id INTEGER,
  hidden INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS trades_symbol ON trades (symbol, trade_id);
INSERT INTO sqlite_sequence (name, seq) SELECT 'orders', 100000
  WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'orders');
INSERT INTO sqlite_sequence (name, seq) SELECT 'trades', 500000
  WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'trades');
`;

/** Columns added to the trades table after its first version (files written before get them at open). */
const TRADE_COLUMNS_ADDED = ['reported_id INTEGER', 'hidden INTEGER NOT NULL DEFAULT 0'];

/** Adds the columns an older simulator file's trades table lacks; must run before preparing statements. */
export function upgradeTrades(db: Database.Database): void {
  const have = new Set(
    (db.prepare('PRAGMA table_info(trades)').all() as { name: string }[]).map((c) => c.name),
  );
  for (const column of TRADE_COLUMNS_ADDED) {
    if (!have.has(column.split(' ')[0]!)) db.exec(`ALTER TABLE trades ADD COLUMN ${column}`);
  }
}

/** The venue simulator file's tables, as its statements (venue-sim-statements.ts) are typed against. */
export interface VenueSimDatabase {
  meta: MetaTable;
  markets_state: MarketsStateTable;
  balances: BalancesTable;
  orders: OrdersTable;
  trades: TradesTable;
}

/** Small facts of the simulator (key/value). */
export interface MetaTable {
  key: string;
  value: string;
}

/** One row per symbol (Binance id): its price state. */
export interface MarketsStateTable {
  symbol: string;
  price: string;
  rng_state: number;
  tick: number;
  open_price: string;
  high_price: string;
  low_price: string;
  updated_at: number;
}

/** One row per asset of the account. */
export interface BalancesTable {
  asset: string;
  free: string;
  locked: string;
  updated_at: number;
}

/** Every order placed at the simulator; `order_id` is its autoincrement id (from 100001). */
export interface OrdersTable {
  order_id: Generated<number>;
  client_order_id: string;
  symbol: string;
  side: SimOrder['side'];
  type: SimOrder['type'];
  time_in_force: string;
  price: string;
  orig_qty: string;
  orig_quote_qty: string;
  executed_qty: string;
  cumm_quote_qty: string;
  status: SimOrderStatus;
  created_at: number;
  updated_at: number;
}

/** Every fill; `trade_id` is its autoincrement id (from 500001). */
export interface TradesTable {
  trade_id: Generated<number>;
  order_id: number;
  client_order_id: string;
  symbol: string;
  side: SimOrder['side'];
  price: string;
  qty: string;
  quote_qty: string;
  commission: string;
  commission_asset: string;
  /** 1 or 0. */
  is_maker: number;
  at: number;
  /** The trade id reported instead of `trade_id` (a venue reusing an id), or null. */
  reported_id: number | null;
  /** 1 while left out of myTrades and the user-data stream, else 0. */
  hidden: Generated<number>;
}
