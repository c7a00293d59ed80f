import type Database from 'better-sqlite3';
import { openVenueFile } from './venue-file.js';
import { SCHEMA, upgradeTrades } from './venue-sim-schema.js';
import type { ListQuery, SimBalance, SimMarketState, SimOrder, SimTrade } from './venue-sim-records.js';
import { extend } from '../../domain/extend.js';

export type {
  ListQuery,
  SimBalance,
  SimMarketState,
  SimOrder,
  SimOrderStatus,
  SimTrade,
} from './venue-sim-records.js';

/**
 * The venue simulator's own SQLite file (src/venue-sim): the exchange side of a Binance-compatible
 * simulation, kept apart from the engine's database so that it survives restarts of the engine and of the
 * simulator itself. WAL with synchronous=NORMAL survives process kills. Decimals are TEXT in canonical form
 * (no exponent, no trailing zeros); order and trade ids are AUTOINCREMENT integers (never reused), starting
 * at 100001 and 500001 so they look like exchange ids.
 */

const ORDER_COLS = `order_id AS orderId, client_order_id AS clientOrderId, symbol, side, type,
  time_in_force AS timeInForce, price, orig_qty AS origQty, orig_quote_qty AS origQuoteOrderQty,
  executed_qty AS executedQty, cumm_quote_qty AS cummulativeQuoteQty, status, created_at AS createdAt,
  updated_at AS updatedAt`;
const TRADE_COLS = `COALESCE(reported_id, trade_id) AS tradeId, order_id AS orderId,
  client_order_id AS clientOrderId, symbol, side, price, qty, quote_qty AS quoteQty, commission,
  commission_asset AS commissionAsset, is_maker AS isMaker, at, hidden`;
const MARKET_COLS = `symbol, price, rng_state AS rngState, tick, open_price AS openPrice,
  high_price AS highPrice, low_price AS lowPrice, updated_at AS updatedAt`;
const OPEN = `status IN ('NEW', 'PARTIALLY_FILLED')`;

function statements(db: Database.Database) {
  const p = (sql: string): Database.Statement<unknown[]> => db.prepare(sql);
  const orders = `SELECT ${ORDER_COLS} FROM orders`;
  return {
    meta: p('SELECT value FROM meta WHERE key = ?'),
    setMeta: p(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    market: p(`SELECT ${MARKET_COLS} FROM markets_state WHERE symbol = ?`),
    saveMarket:
      p(`INSERT INTO markets_state (symbol, price, rng_state, tick, open_price, high_price, low_price,
      updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (symbol) DO UPDATE SET price = excluded.price,
      rng_state = excluded.rng_state, tick = excluded.tick, open_price = excluded.open_price,
      high_price = excluded.high_price, low_price = excluded.low_price, updated_at = excluded.updated_at`),
    balance: p('SELECT asset, free, locked, updated_at AS updatedAt FROM balances WHERE asset = ?'),
    balances: p('SELECT asset, free, locked, updated_at AS updatedAt FROM balances ORDER BY asset'),
    saveBalance: p(`INSERT INTO balances (asset, free, locked, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (asset) DO UPDATE SET free = excluded.free, locked = excluded.locked,
      updated_at = excluded.updated_at`),
    insertOrder: p(`INSERT INTO orders (client_order_id, symbol, side, type, time_in_force, price, orig_qty,
      orig_quote_qty, executed_qty, cumm_quote_qty, status, created_at, updated_at)
      VALUES (@clientOrderId, @symbol, @side, @type, @timeInForce, @price, @origQty, @origQuoteOrderQty,
      @executedQty, @cummulativeQuoteQty, @status, @createdAt, @updatedAt) RETURNING ${ORDER_COLS}`),
    updateOrder: p(`UPDATE orders SET orig_qty = ?, executed_qty = ?, cumm_quote_qty = ?, status = ?,
      updated_at = ? WHERE order_id = ? RETURNING ${ORDER_COLS}`),
    order: p(`${orders} WHERE order_id = ?`),
    latestByClient: p(`${orders} WHERE symbol = ? AND client_order_id = ? ORDER BY order_id DESC LIMIT 1`),
    openByClient: p(`${orders} WHERE symbol = ? AND client_order_id = ? AND ${OPEN} LIMIT 1`),
    openOrders: p(`${orders} WHERE ${OPEN} ORDER BY order_id`),
    openOrdersOf: p(`${orders} WHERE ${OPEN} AND symbol = ? ORDER BY order_id`),
    everyOrder: p(`${orders} ORDER BY order_id`),
    insertTrade:
      p(`INSERT INTO trades (order_id, client_order_id, symbol, side, price, qty, quote_qty, commission,
      commission_asset, is_maker, at, reported_id, hidden) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      RETURNING ${TRADE_COLS}`),
    revealTrades: p('UPDATE trades SET hidden = 0 WHERE hidden = 1'),
    everyTrade: p(`SELECT ${TRADE_COLS} FROM trades ORDER BY trade_id`),
  };
}

type TradeRow = Omit<SimTrade, 'isMaker' | 'hidden'> & { isMaker: number; hidden: number };
const toTrade = ({ isMaker, hidden, ...row }: TradeRow): SimTrade =>
  extend(row, { isMaker: isMaker === 1, hidden: hidden === 1 });

/** Synchronous access to a venue simulator file. Open one with `openVenueSimStore`. */
export class VenueSimStore {
  readonly #db: Database.Database;
  readonly #s: ReturnType<typeof statements>;

  /** Opens (creating if needed) the file at `path`; prefer `openVenueSimStore`. */
  constructor(path: string) {
    this.#db = openVenueFile(path, SCHEMA);
    upgradeTrades(this.#db);
    this.#s = statements(this.#db);
  }

  /** Runs `fn` in one SQLite transaction (rolled back if it throws); nests as a savepoint. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  /** A value of the key/value table. */
  meta(key: string): string | undefined {
    return (this.#s.meta.get(key) as { value: string } | undefined)?.value;
  }

  /** Sets a value of the key/value table. */
  setMeta(key: string, value: string): void {
    this.#s.setMeta.run(key, value);
  }

  /** The stored price state of `symbol` (Binance id), if any. */
  marketState(symbol: string): SimMarketState | undefined {
    return this.#s.market.get(symbol) as SimMarketState | undefined;
  }

  /** Inserts or replaces a symbol's price state. */
  saveMarketState(m: SimMarketState): void {
    const { symbol, price, rngState, tick, openPrice, highPrice, lowPrice, updatedAt } = m;
    this.#s.saveMarket.run(symbol, price, rngState, tick, openPrice, highPrice, lowPrice, updatedAt);
  }

  /** One asset's balance, if the account has a row for it. */
  balance(asset: string): SimBalance | undefined {
    return this.#s.balance.get(asset) as SimBalance | undefined;
  }

  /** Every balance, by asset name. */
  balances(): SimBalance[] {
    return this.#s.balances.all() as SimBalance[];
  }

  /** Inserts or replaces one asset's balance. */
  saveBalance(b: SimBalance): void {
    this.#s.saveBalance.run(b.asset, b.free, b.locked, b.updatedAt);
  }

  /** Inserts an order; its orderId is the next autoincrement id. */
  insertOrder(o: Omit<SimOrder, 'orderId'>): SimOrder {
    return this.#s.insertOrder.get(o) as SimOrder;
  }

  /** Writes an order's quantities, status and update time; returns the new row. */
  updateOrder(o: SimOrder): SimOrder {
    const args = [o.origQty, o.executedQty, o.cummulativeQuoteQty, o.status, o.updatedAt, o.orderId];
    const row = this.#s.updateOrder.get(...args) as SimOrder | undefined;
    if (!row) throw new Error(`venue simulator: no order ${o.orderId}`);
    return row;
  }

  /** The order with this id. */
  order(orderId: number): SimOrder | undefined {
    return this.#s.order.get(orderId) as SimOrder | undefined;
  }

  /** The most recent order of `symbol` with this clientOrderId. */
  latestOrderByClientId(symbol: string, clientOrderId: string): SimOrder | undefined {
    return this.#s.latestByClient.get(symbol, clientOrderId) as SimOrder | undefined;
  }

  /** The open order of `symbol` with this clientOrderId, if any. */
  openOrderByClientId(symbol: string, clientOrderId: string): SimOrder | undefined {
    return this.#s.openByClient.get(symbol, clientOrderId) as SimOrder | undefined;
  }

  /** Open (NEW or PARTIALLY_FILLED) orders, of one symbol or all, oldest first. */
  openOrders(symbol?: string): SimOrder[] {
    const rows = symbol === undefined ? this.#s.openOrders.all() : this.#s.openOrdersOf.all(symbol);
    return rows as SimOrder[];
  }

  /**
   * Orders of `symbol` (Binance allOrders): from `orderId` up when given, else within the time range,
   * else the most recent; at most `limit`, ascending.
   */
  orders(symbol: string, q: ListQuery): SimOrder[] {
    return this.#list('orders', ORDER_COLS, 'order_id', 'created_at', symbol, q) as SimOrder[];
  }

  /** Every order, oldest first. */
  everyOrder(): SimOrder[] {
    return this.#s.everyOrder.all() as SimOrder[];
  }

  /**
   * Inserts a trade under the next autoincrement id; it reports `reportedId` instead when given (a venue
   * reusing a trade id), and stays out of myTrades while `hidden`.
   */
  insertTrade(
    t: Omit<SimTrade, 'tradeId' | 'hidden'>,
    options: { reportedId?: number; hidden?: boolean } = {},
  ): SimTrade {
    const args = [t.orderId, t.clientOrderId, t.symbol, t.side, t.price, t.qty, t.quoteQty, t.commission];
    const extra = [
      t.commissionAsset,
      t.isMaker ? 1 : 0,
      t.at,
      options.reportedId ?? null,
      options.hidden ? 1 : 0,
    ];
    return toTrade(this.#s.insertTrade.get(...args, ...extra) as TradeRow);
  }

  /** Lists every hidden trade from now on; returns how many there were. */
  revealTrades(): number {
    return this.#s.revealTrades.run().changes;
  }

  /** Trades of `symbol` (Binance myTrades; hidden ones left out): as `orders`, plus `orderId`. */
  trades(symbol: string, q: ListQuery): SimTrade[] {
    const rows = this.#list('trades', TRADE_COLS, 'trade_id', 'at', symbol, q) as TradeRow[];
    return rows.map(toTrade);
  }

  /** Every trade, oldest first. */
  everyTrade(): SimTrade[] {
    return (this.#s.everyTrade.all() as TradeRow[]).map(toTrade);
  }

  #list(
    table: string,
    cols: string,
    idCol: string,
    timeCol: string,
    symbol: string,
    q: ListQuery,
  ): unknown[] {
    const where = table === 'trades' ? ['symbol = ?', 'hidden = 0'] : ['symbol = ?'];
    const args: (string | number)[] = [symbol];
    if (table === 'trades' && q.orderId !== undefined) {
      where.push('order_id = ?');
      args.push(q.orderId);
    }
    const from = table === 'orders' ? (q.orderId ?? q.fromId) : q.fromId;
    if (from !== undefined) {
      where.push(`${idCol} >= ?`);
      args.push(from);
    }
    if (q.startTime !== undefined) {
      where.push(`${timeCol} >= ?`);
      args.push(q.startTime);
    }
    if (q.endTime !== undefined) {
      where.push(`${timeCol} <= ?`);
      args.push(q.endTime);
    }
    // With a lower bound: the first `limit` rows from it; without: the most recent `limit` rows.
    const ascending = from !== undefined || q.startTime !== undefined;
    const sql = `SELECT ${cols} FROM ${table} WHERE ${where.join(' AND ')}
      ORDER BY ${idCol} ${ascending ? 'ASC' : 'DESC'} LIMIT ?`;
    const rows = this.#db.prepare(sql).all(...args, q.limit);
    return ascending ? rows : rows.reverse();
  }

  /** Closes the file; idempotent. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

/** Opens (creating if needed) the venue simulator file at `path`. Also the read API for tests and tools. */
export function openVenueSimStore(path: string): VenueSimStore {
  return new VenueSimStore(path);
}
