import type Database from 'better-sqlite3';
import type { Compilable } from 'kysely';
import { openVenueFile } from './venue-file.js';
import { prepareRecordStatements } from './record-statement.js';
import type { PreparedRecordStatements } from './record-statement.js';
import { SCHEMA, upgradeTrades } from './venue-sim-schema.js';
import { VENUE_SIM_STATEMENTS, listOrdersQuery, listTradesQuery } from './venue-sim-statements.js';
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
 * at 100001 and 500001 so they look like exchange ids. Every statement is a Kysely query typed against the
 * file's schema (venue-sim-statements.ts); the fixed ones are prepared once at open.
 */

type TradeRow = Omit<SimTrade, 'isMaker' | 'hidden'> & { isMaker: number; hidden: number };
const toTrade = ({ isMaker, hidden, ...row }: TradeRow): SimTrade =>
  extend(row, { isMaker: isMaker === 1, hidden: hidden === 1 });

/** Synchronous access to a venue simulator file. Open one with `openVenueSimStore`. */
export class VenueSimStore {
  readonly #db: Database.Database;
  readonly #s: PreparedRecordStatements<typeof VENUE_SIM_STATEMENTS>;
  /** The list queries' prepared statements, by SQL (one per combination of filters). */
  readonly #lists = new Map<string, Database.Statement<unknown[]>>();

  /** Opens (creating if needed) the file at `path`; prefer `openVenueSimStore`. */
  constructor(path: string) {
    this.#db = openVenueFile(path, SCHEMA);
    upgradeTrades(this.#db);
    this.#s = prepareRecordStatements(this.#db, VENUE_SIM_STATEMENTS);
  }

  /** Runs `fn` in one SQLite transaction (rolled back if it throws); nests as a savepoint. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  /** A value of the key/value table. */
  meta(key: string): string | undefined {
    return this.#s.meta.get({ key })?.value;
  }

  /** Sets a value of the key/value table. */
  setMeta(key: string, value: string): void {
    this.#s.setMeta.run({ key, value });
  }

  /** The stored price state of `symbol` (Binance id), if any. */
  marketState(symbol: string): SimMarketState | undefined {
    return this.#s.market.get({ symbol });
  }

  /** Inserts or replaces a symbol's price state. */
  saveMarketState(m: SimMarketState): void {
    this.#s.saveMarket.run(m);
  }

  /** One asset's balance, if the account has a row for it. */
  balance(asset: string): SimBalance | undefined {
    return this.#s.balance.get({ asset });
  }

  /** Every balance, by asset name. */
  balances(): SimBalance[] {
    return this.#s.balances.all({});
  }

  /** Inserts or replaces one asset's balance. */
  saveBalance(b: SimBalance): void {
    this.#s.saveBalance.run(b);
  }

  /** Inserts an order; its orderId is the next autoincrement id. */
  insertOrder(o: Omit<SimOrder, 'orderId'>): SimOrder {
    return this.#s.insertOrder.get(o)!;
  }

  /** Writes an order's quantities, status and update time; returns the new row. */
  updateOrder(o: SimOrder): SimOrder {
    const row = this.#s.updateOrder.get(o);
    if (!row) throw new Error(`venue simulator: no order ${o.orderId}`);
    return row;
  }

  /** The order with this id. */
  order(orderId: number): SimOrder | undefined {
    return this.#s.order.get({ orderId });
  }

  /** The most recent order of `symbol` with this clientOrderId. */
  latestOrderByClientId(symbol: string, clientOrderId: string): SimOrder | undefined {
    return this.#s.latestByClient.get({ symbol, clientOrderId });
  }

  /** The open order of `symbol` with this clientOrderId, if any. */
  openOrderByClientId(symbol: string, clientOrderId: string): SimOrder | undefined {
    return this.#s.openByClient.get({ symbol, clientOrderId });
  }

  /** Open (NEW or PARTIALLY_FILLED) orders, of one symbol or all, oldest first. */
  openOrders(symbol?: string): SimOrder[] {
    return symbol === undefined ? this.#s.openOrders.all({}) : this.#s.openOrdersOf.all({ symbol });
  }

  /**
   * Orders of `symbol` (Binance allOrders): from `orderId` up when given, else within the time range,
   * else the most recent; at most `limit`, ascending.
   */
  orders(symbol: string, q: ListQuery): SimOrder[] {
    return this.#list(listOrdersQuery(symbol, q));
  }

  /** Every order, oldest first. */
  everyOrder(): SimOrder[] {
    return this.#s.everyOrder.all({});
  }

  /**
   * Inserts a trade under the next autoincrement id; it reports `reportedId` instead when given (a venue
   * reusing a trade id), and stays out of myTrades while `hidden`.
   */
  insertTrade(
    t: Omit<SimTrade, 'tradeId' | 'hidden'>,
    options: { reportedId?: number; hidden?: boolean } = {},
  ): SimTrade {
    const { isMaker, ...trade } = t;
    const written = extend(trade, {
      isMaker: isMaker ? 1 : 0,
      reportedId: options.reportedId ?? null,
      hidden: options.hidden ? 1 : 0,
    });
    return toTrade(this.#s.insertTrade.get(written)!);
  }

  /** Lists every hidden trade from now on; returns how many there were. */
  revealTrades(): number {
    return this.#s.revealTrades.run({}).changes;
  }

  /** Trades of `symbol` (Binance myTrades; hidden ones left out): as `orders`, plus `orderId`. */
  trades(symbol: string, q: ListQuery): SimTrade[] {
    return this.#list(listTradesQuery(symbol, q)).map(toTrade);
  }

  /** Every trade, oldest first. */
  everyTrade(): SimTrade[] {
    return this.#s.everyTrade.all({}).map(toTrade);
  }

  /** Runs a list query (prepared once per SQL text); its rows oldest first. */
  #list<O>({ query, ascending }: { query: Compilable<O>; ascending: boolean }): O[] {
    const { sql, parameters } = query.compile();
    let statement = this.#lists.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#lists.set(sql, statement);
    }
    const rows = statement.all(parameters) as O[];
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
