import type Database from 'better-sqlite3';
import { openVenueFile } from './venue-file.js';
import type { ClientOrderId, VenueFill, VenueOrder, VenueOrderStatus } from '../../domain/types.js';
import { extend } from '../../domain/extend.js';

/**
 * The paper venue's own SQLite file: the "exchange side" of the simulation, separate from the engine's
 * database, so that it survives the engine being SIGKILLed exactly like a real exchange would. WAL with
 * synchronous=NORMAL is durable against process crashes. Decimals are stored as TEXT, ids are SQLite
 * autoincrement integers (never reused, so unique across restarts) exposed as strings.
 */

const SCHEMA = `
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

/** An order row: the venue's view plus its creation time. */
export interface StoredOrder extends VenueOrder {
  createdAt: number;
}

/** Persisted state of one symbol's price walk. */
export interface StoredMarketState {
  symbol: string;
  price: string;
  rngState: number;
  tick: number;
  updatedAt: number;
}

/** One logged venue request. */
export interface StoredRequest {
  id: number;
  /** `place`, `cancel`, `fetchOrder`, `fetchOpenOrders`, `fetchMyTrades`, `fetchTicker`, `loadMarkets`. */
  kind: string;
  clientOrderId: ClientOrderId | null;
  /** `accepted`, `duplicate`, `rejected`, `expired`, `failedBeforeVenue`, `notFound`, `cancelled`, ... */
  outcome: string;
  /** Reason of a refusal, or other detail. */
  detail: string | null;
  /** True when the venue processed the call but the fault plan lost the reply (timeoutAfterAccept). */
  replyLost: boolean;
  at: number;
}

/** A new order to insert. */
export type NewOrder = Omit<StoredOrder, 'venueOrderId'>;

const ORDER_COLS = `CAST(venue_order_id AS TEXT) AS venueOrderId, client_order_id AS clientOrderId, symbol, side,
  type, price, quantity, filled_quantity AS filledQuantity, status, created_at AS createdAt, updated_at AS updatedAt`;
const TRADE_COLS = `CAST(trade_id AS TEXT) AS tradeId, client_order_id AS clientOrderId,
  CAST(venue_order_id AS TEXT) AS venueOrderId, symbol, side, price, quantity, fee, fee_currency AS feeCurrency,
  liquidity, at`;
const MARKET_COLS = 'symbol, price, rng_state AS rngState, tick, updated_at AS updatedAt';
const REQUEST_COLS = `id, kind, client_order_id AS clientOrderId, outcome, detail, reply_lost AS replyLost, at`;

const OPEN = `status IN ('open', 'partiallyFilled')`;

function prepareStatements(db: Database.Database) {
  const p = (sql: string): Database.Statement<unknown[]> => db.prepare(sql);
  const orders = `SELECT ${ORDER_COLS} FROM orders`;
  const trades = `SELECT ${TRADE_COLS} FROM trades`;
  return {
    market: p(`SELECT ${MARKET_COLS} FROM markets_state WHERE symbol = ?`),
    markets: p(`SELECT ${MARKET_COLS} FROM markets_state ORDER BY symbol`),
    saveMarket:
      p(`INSERT INTO markets_state (symbol, price, rng_state, tick, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (symbol) DO UPDATE SET price = excluded.price, rng_state = excluded.rng_state,
      tick = excluded.tick, updated_at = excluded.updated_at`),
    insertOrder: p(`INSERT INTO orders (client_order_id, symbol, side, type, price, quantity, filled_quantity,
      status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${ORDER_COLS}`),
    updateOrder: p(`UPDATE orders SET filled_quantity = ?, status = ?, updated_at = ? WHERE venue_order_id = ?
      RETURNING ${ORDER_COLS}`),
    order: p(`${orders} WHERE venue_order_id = ?`),
    latestByClient: p(`${orders} WHERE client_order_id = ? ORDER BY venue_order_id DESC LIMIT 1`),
    openByClient: p(`${orders} WHERE client_order_id = ? AND ${OPEN} LIMIT 1`),
    openOrders: p(`${orders} WHERE ${OPEN} ORDER BY venue_order_id`),
    openOrdersOf: p(`${orders} WHERE ${OPEN} AND symbol = ? ORDER BY venue_order_id`),
    // Whole units only (exact integers): a superset of the crossed orders, see crossingCandidates.
    crossingOf: p(`${orders} WHERE ${OPEN} AND symbol = ? AND price IS NOT NULL
      AND ((side = 'buy' AND CAST(price AS INTEGER) >= ?) OR (side = 'sell' AND CAST(price AS INTEGER) <= ?))
      ORDER BY venue_order_id`),
    allOrders: p(`${orders} ORDER BY venue_order_id`),
    insertTrade: p(`INSERT INTO trades (venue_order_id, client_order_id, symbol, side, price, quantity, fee,
      fee_currency, liquidity, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${TRADE_COLS}`),
    tradesSince: p(`${trades} WHERE symbol = ? AND at >= ? ORDER BY trade_id`),
    tradesOfOrder: p(`${trades} WHERE venue_order_id = ? ORDER BY trade_id`),
    allTrades: p(`${trades} ORDER BY trade_id`),
    logRequest: p(`INSERT INTO requests (kind, client_order_id, outcome, detail, reply_lost, at)
      VALUES (?, ?, ?, ?, ?, ?)`),
    requests: p(`SELECT ${REQUEST_COLS} FROM requests ORDER BY id`),
  };
}

/** Synchronous access to a paper venue's SQLite file. Use `openPaperVenueStore` to open one. */
export class PaperVenueStore {
  readonly #db: Database.Database;
  readonly #s: ReturnType<typeof prepareStatements>;

  /** Opens (creating if needed) the file at `path`; prefer `openPaperVenueStore`. */
  constructor(path: string) {
    this.#db = openVenueFile(path, SCHEMA);
    this.#s = prepareStatements(this.#db);
  }

  /** Runs `fn` in one SQLite transaction (rolled back if it throws); nests as a savepoint. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  /** The stored walk state of `symbol`, if any. */
  marketState(symbol: string): StoredMarketState | undefined {
    return this.#s.market.get(symbol) as StoredMarketState | undefined;
  }

  /** Every stored walk state, by symbol. */
  marketStates(): StoredMarketState[] {
    return this.#s.markets.all() as StoredMarketState[];
  }

  /** Inserts or replaces the walk state of a symbol. */
  saveMarketState(m: StoredMarketState): void {
    this.#s.saveMarket.run(m.symbol, m.price, m.rngState, m.tick, m.updatedAt);
  }

  /** Inserts an order; its venueOrderId is the new autoincrement id. */
  insertOrder(o: NewOrder): StoredOrder {
    const {
      clientOrderId,
      symbol,
      side,
      type,
      price,
      quantity,
      filledQuantity,
      status,
      createdAt,
      updatedAt,
    } = o;
    const args = [
      clientOrderId,
      symbol,
      side,
      type,
      price,
      quantity,
      filledQuantity,
      status,
      createdAt,
      updatedAt,
    ];
    return this.#s.insertOrder.get(...args) as StoredOrder;
  }

  /** Sets an order's filled quantity, status and update time. */
  updateOrder(
    venueOrderId: string,
    filledQuantity: string,
    status: VenueOrderStatus,
    at: number,
  ): StoredOrder {
    const row = this.#s.updateOrder.get(filledQuantity, status, at, Number(venueOrderId));
    if (!row) throw new Error(`paper venue: no order ${venueOrderId}`);
    return row as StoredOrder;
  }

  /** The order with this venue id. */
  order(venueOrderId: string): StoredOrder | undefined {
    if (!/^\d{1,15}$/.test(venueOrderId)) return undefined;
    return this.#s.order.get(Number(venueOrderId)) as StoredOrder | undefined;
  }

  /** The most recent order with this clientOrderId. */
  latestOrderByClientId(clientOrderId: ClientOrderId): StoredOrder | undefined {
    return this.#s.latestByClient.get(clientOrderId) as StoredOrder | undefined;
  }

  /** The open (or partially filled) order with this clientOrderId, if any. */
  openOrderByClientId(clientOrderId: ClientOrderId): StoredOrder | undefined {
    return this.#s.openByClient.get(clientOrderId) as StoredOrder | undefined;
  }

  /** Open and partially filled orders, of one symbol or all, oldest first. */
  openOrders(symbol?: string): StoredOrder[] {
    const rows = symbol === undefined ? this.#s.openOrders.all() : this.#s.openOrdersOf.all(symbol);
    return rows as StoredOrder[];
  }

  /**
   * The open limit orders of `symbol` that may cross `mid`, oldest first. It compares whole units only
   * (SQLite's `CAST(price AS INTEGER)` truncates, exactly): a buy at or above `mid` has a whole part at or
   * above `mid`'s, a sell at or below it one at or below, so every crossed order is returned, plus those
   * within the same whole unit (callers decide crossing exactly). Saves reading every resting order on
   * every price tick.
   */
  crossingCandidates(symbol: string, mid: string): StoredOrder[] {
    const whole = /^(\d{1,15})(\.\d+)?$/.exec(mid)?.[1];
    if (whole === undefined) return this.openOrders(symbol); // not a plain positive decimal: no shortcut
    return this.#s.crossingOf.all(symbol, Number(whole), Number(whole)) as StoredOrder[];
  }

  /** Every order, oldest first. */
  allOrders(): StoredOrder[] {
    return this.#s.allOrders.all() as StoredOrder[];
  }

  /** Inserts a trade; its tradeId is the new autoincrement id. */
  insertTrade(t: Omit<VenueFill, 'tradeId'>): VenueFill {
    const { clientOrderId, symbol, side, price, quantity, fee, feeCurrency, liquidity, at } = t;
    const args = [clientOrderId, symbol, side, price, quantity, fee, feeCurrency, liquidity, at];
    return this.#s.insertTrade.get(Number(t.venueOrderId), ...args) as VenueFill;
  }

  /** Trades of `symbol` at or after `sinceMs`, by ascending trade id. */
  tradesSince(symbol: string, sinceMs: number): VenueFill[] {
    return this.#s.tradesSince.all(symbol, sinceMs) as VenueFill[];
  }

  /** Trades of one order, by ascending trade id. */
  tradesOfOrder(venueOrderId: string): VenueFill[] {
    return this.#s.tradesOfOrder.all(Number(venueOrderId)) as VenueFill[];
  }

  /** Every trade, by ascending trade id. */
  allTrades(): VenueFill[] {
    return this.#s.allTrades.all() as VenueFill[];
  }

  /** Appends to the request log. */
  logRequest(r: Omit<StoredRequest, 'id'>): void {
    this.#s.logRequest.run(r.kind, r.clientOrderId, r.outcome, r.detail, r.replyLost ? 1 : 0, r.at);
  }

  /** The request log, oldest first. */
  requests(): StoredRequest[] {
    const rows = this.#s.requests.all() as (Omit<StoredRequest, 'replyLost'> & { replyLost: number })[];
    return rows.map(({ replyLost, ...r }) => extend(r, { replyLost: replyLost === 1 }));
  }

  /** Closes the file; idempotent. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

/** Opens (creating if needed) the paper venue file at `path`. Also the read API for tests and tools. */
export function openPaperVenueStore(path: string): PaperVenueStore {
  return new PaperVenueStore(path);
}
