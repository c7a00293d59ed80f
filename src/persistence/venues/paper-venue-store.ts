import type Database from 'better-sqlite3';
import { openVenueFile } from './venue-file.js';
import { PAPER_VENUE_STATEMENTS } from './paper-venue-statements.js';
import { SCHEMA } from './paper-venue-schema.js';
import { prepareRecordStatements } from './record-statement.js';
import type { PreparedRecordStatements } from './record-statement.js';
import type { NewOrder, StoredMarketState, StoredOrder, StoredRequest } from './paper-venue-records.js';
import type { ClientOrderId, VenueFill, VenueOrderStatus } from '../../domain/types.js';
import { extend } from '../../domain/extend.js';

export type { NewOrder, StoredMarketState, StoredOrder, StoredRequest } from './paper-venue-records.js';

/**
 * The paper venue's own SQLite file: the "exchange side" of the simulation, separate from the engine's
 * database, so that it survives the engine being SIGKILLed exactly like a real exchange would. WAL with
 * synchronous=NORMAL is durable against process crashes. Decimals are stored as TEXT, ids are SQLite
 * autoincrement integers (never reused, so unique across restarts) exposed as strings. Every statement is
 * a Kysely query typed against the file's schema (paper-venue-statements.ts), prepared once at open.
 */

/** Synchronous access to a paper venue's SQLite file. Use `openPaperVenueStore` to open one. */
export class PaperVenueStore {
  readonly #db: Database.Database;
  readonly #s: PreparedRecordStatements<typeof PAPER_VENUE_STATEMENTS>;

  /** Opens (creating if needed) the file at `path`; prefer `openPaperVenueStore`. */
  constructor(path: string) {
    this.#db = openVenueFile(path, SCHEMA);
    this.#s = prepareRecordStatements(this.#db, PAPER_VENUE_STATEMENTS);
  }

  /** Runs `fn` in one SQLite transaction (rolled back if it throws); nests as a savepoint. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  /** The stored walk state of `symbol`, if any. */
  marketState(symbol: string): StoredMarketState | undefined {
    return this.#s.market.get({ symbol });
  }

  /** Every stored walk state, by symbol. */
  marketStates(): StoredMarketState[] {
    return this.#s.markets.all({});
  }

  /** Inserts or replaces the walk state of a symbol. */
  saveMarketState(m: StoredMarketState): void {
    this.#s.saveMarket.run(m);
  }

  /** Inserts an order; its venueOrderId is the new autoincrement id. */
  insertOrder(o: NewOrder): StoredOrder {
    return this.#s.insertOrder.get(o)!;
  }

  /** Sets an order's filled quantity, status and update time. */
  updateOrder(
    venueOrderId: string,
    filledQuantity: string,
    status: VenueOrderStatus,
    at: number,
  ): StoredOrder {
    const update = { venueOrderId: Number(venueOrderId), filledQuantity, status, updatedAt: at };
    const row = this.#s.updateOrder.get(update);
    if (!row) throw new Error(`paper venue: no order ${venueOrderId}`);
    return row;
  }

  /** The order with this venue id. */
  order(venueOrderId: string): StoredOrder | undefined {
    if (!/^\d{1,15}$/.test(venueOrderId)) return undefined;
    return this.#s.order.get({ venueOrderId: Number(venueOrderId) });
  }

  /** The most recent order with this clientOrderId. */
  latestOrderByClientId(clientOrderId: ClientOrderId): StoredOrder | undefined {
    return this.#s.latestByClient.get({ clientOrderId });
  }

  /** The open (or partially filled) order with this clientOrderId, if any. */
  openOrderByClientId(clientOrderId: ClientOrderId): StoredOrder | undefined {
    return this.#s.openByClient.get({ clientOrderId });
  }

  /** Open and partially filled orders, of one symbol or all, oldest first. */
  openOrders(symbol?: string): StoredOrder[] {
    return symbol === undefined ? this.#s.openOrders.all({}) : this.#s.openOrdersOf.all({ symbol });
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
    return this.#s.crossingOf.all({ symbol, whole: Number(whole) });
  }

  /** Every order, oldest first. */
  allOrders(): StoredOrder[] {
    return this.#s.allOrders.all({});
  }

  /** Inserts a trade; its tradeId is the new autoincrement id. */
  insertTrade(t: Omit<VenueFill, 'tradeId'>): VenueFill {
    const { venueOrderId, ...trade } = t;
    return this.#s.insertTrade.get(extend(trade, { venueOrderId: Number(venueOrderId) }))!;
  }

  /** Trades of `symbol` at or after `sinceMs`, by ascending trade id. */
  tradesSince(symbol: string, sinceMs: number): VenueFill[] {
    return this.#s.tradesSince.all({ symbol, since: sinceMs });
  }

  /** Trades of one order, by ascending trade id. */
  tradesOfOrder(venueOrderId: string): VenueFill[] {
    return this.#s.tradesOfOrder.all({ venueOrderId: Number(venueOrderId) });
  }

  /** Every trade, by ascending trade id. */
  allTrades(): VenueFill[] {
    return this.#s.allTrades.all({});
  }

  /** Appends to the request log. */
  logRequest(r: Omit<StoredRequest, 'id'>): void {
    const { replyLost, ...request } = r;
    this.#s.logRequest.run(extend(request, { replyLost: replyLost ? 1 : 0 }));
  }

  /** The request log, oldest first. */
  requests(): StoredRequest[] {
    const rows = this.#s.requests.all({});
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
