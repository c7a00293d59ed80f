import type { ExpressionBuilder } from 'kysely';
import { fieldsOf } from '../bound-statement.js';
import { sqliteCompiler } from '../sqlite-compiler.js';
import { bindFor } from './record-statement.js';
import type { NoRecord } from './record-statement.js';
import type {
  ListQuery,
  SimBalance,
  SimMarketState,
  SimOrder,
  SimOrderStatus,
  SimTrade,
} from './venue-sim-records.js';
import type { VenueSimDatabase } from './venue-sim-schema.js';

/** A new trade as written: `isMaker` and `hidden` are 1 or 0, `reportedId` the id to report instead, or null. */
export type TradeWrite = Omit<SimTrade, 'tradeId' | 'isMaker' | 'hidden'> & {
  isMaker: number;
  reportedId: number | null;
  hidden: number;
};

/** The compile-only Kysely of the simulator file's queries. */
const db = sqliteCompiler<VenueSimDatabase>();

/** The orders columns as SimOrder fields. */
const ORDER_COLUMNS = [
  'order_id as orderId',
  'client_order_id as clientOrderId',
  'symbol',
  'side',
  'type',
  'time_in_force as timeInForce',
  'price',
  'orig_qty as origQty',
  'orig_quote_qty as origQuoteOrderQty',
  'executed_qty as executedQty',
  'cumm_quote_qty as cummulativeQuoteQty',
  'status',
  'created_at as createdAt',
  'updated_at as updatedAt',
] as const;

/** The trades columns as SimTrade fields (`isMaker` and `hidden` still 1 or 0); a reported id wins. */
const tradeColumns = (eb: ExpressionBuilder<VenueSimDatabase, 'trades'>) =>
  [
    eb.fn.coalesce('reported_id', 'trade_id').as('tradeId'),
    'order_id as orderId',
    'client_order_id as clientOrderId',
    'symbol',
    'side',
    'price',
    'qty',
    'quote_qty as quoteQty',
    'commission',
    'commission_asset as commissionAsset',
    'is_maker as isMaker',
    'at',
    'hidden',
  ] as const;

/** The markets_state columns as SimMarketState fields. */
const MARKET_COLUMNS = [
  'symbol',
  'price',
  'rng_state as rngState',
  'tick',
  'open_price as openPrice',
  'high_price as highPrice',
  'low_price as lowPrice',
  'updated_at as updatedAt',
] as const;

/** The balances columns as SimBalance fields. */
const BALANCE_COLUMNS = ['asset', 'free', 'locked', 'updated_at as updatedAt'] as const;

/** Statuses of an order the simulator may still fill. */
const OPEN: SimOrderStatus[] = ['NEW', 'PARTIALLY_FILLED'];

/**
 * Every fixed statement of the simulator file, as a Kysely query typed against its schema, compiled once
 * for SQLite (prepared once per open file by VenueSimStore).
 */
function venueSimStatements() {
  const none = fieldsOf<NoRecord>();
  const byKey = fieldsOf<{ key: string }>();
  const meta = fieldsOf<{ key: string; value: string }>();
  const bySymbol = fieldsOf<{ symbol: string }>();
  const market = fieldsOf<SimMarketState>();
  const byAsset = fieldsOf<{ asset: string }>();
  const balance = fieldsOf<SimBalance>();
  const order = fieldsOf<Omit<SimOrder, 'orderId'>>();
  const update = fieldsOf<SimOrder>();
  const byId = fieldsOf<{ orderId: number }>();
  const byClient = fieldsOf<{ symbol: string; clientOrderId: string }>();
  const trade = fieldsOf<TradeWrite>();
  const orders = db.selectFrom('orders').select(ORDER_COLUMNS);
  return {
    meta: bindFor(byKey, db.selectFrom('meta').select('value').where('key', '=', byKey.key)),
    setMeta: bindFor(
      meta,
      db
        .insertInto('meta')
        .values({ key: meta.key, value: meta.value })
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') }))),
    ),
    market: bindFor(
      bySymbol,
      db.selectFrom('markets_state').select(MARKET_COLUMNS).where('symbol', '=', bySymbol.symbol),
    ),
    saveMarket: bindFor(
      market,
      db
        .insertInto('markets_state')
        .values({
          symbol: market.symbol,
          price: market.price,
          rng_state: market.rngState,
          tick: market.tick,
          open_price: market.openPrice,
          high_price: market.highPrice,
          low_price: market.lowPrice,
          updated_at: market.updatedAt,
        })
        .onConflict((oc) =>
          oc.column('symbol').doUpdateSet((eb) => ({
            price: eb.ref('excluded.price'),
            rng_state: eb.ref('excluded.rng_state'),
            tick: eb.ref('excluded.tick'),
            open_price: eb.ref('excluded.open_price'),
            high_price: eb.ref('excluded.high_price'),
            low_price: eb.ref('excluded.low_price'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        ),
    ),
    balance: bindFor(
      byAsset,
      db.selectFrom('balances').select(BALANCE_COLUMNS).where('asset', '=', byAsset.asset),
    ),
    balances: bindFor(none, db.selectFrom('balances').select(BALANCE_COLUMNS).orderBy('asset')),
    saveBalance: bindFor(
      balance,
      db
        .insertInto('balances')
        .values({
          asset: balance.asset,
          free: balance.free,
          locked: balance.locked,
          updated_at: balance.updatedAt,
        })
        .onConflict((oc) =>
          oc.column('asset').doUpdateSet((eb) => ({
            free: eb.ref('excluded.free'),
            locked: eb.ref('excluded.locked'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        ),
    ),
    insertOrder: bindFor(
      order,
      db
        .insertInto('orders')
        .values({
          client_order_id: order.clientOrderId,
          symbol: order.symbol,
          side: order.side,
          type: order.type,
          time_in_force: order.timeInForce,
          price: order.price,
          orig_qty: order.origQty,
          orig_quote_qty: order.origQuoteOrderQty,
          executed_qty: order.executedQty,
          cumm_quote_qty: order.cummulativeQuoteQty,
          status: order.status,
          created_at: order.createdAt,
          updated_at: order.updatedAt,
        })
        .returning(ORDER_COLUMNS),
    ),
    updateOrder: bindFor(
      update,
      db
        .updateTable('orders')
        .set({
          orig_qty: update.origQty,
          executed_qty: update.executedQty,
          cumm_quote_qty: update.cummulativeQuoteQty,
          status: update.status,
          updated_at: update.updatedAt,
        })
        .where('order_id', '=', update.orderId)
        .returning(ORDER_COLUMNS),
    ),
    order: bindFor(byId, orders.where('order_id', '=', byId.orderId)),
    latestByClient: bindFor(
      byClient,
      orders
        .where('symbol', '=', byClient.symbol)
        .where('client_order_id', '=', byClient.clientOrderId)
        .orderBy('order_id', 'desc')
        .limit(1),
    ),
    openByClient: bindFor(
      byClient,
      orders
        .where('symbol', '=', byClient.symbol)
        .where('client_order_id', '=', byClient.clientOrderId)
        .where('status', 'in', OPEN)
        .limit(1),
    ),
    openOrders: bindFor(none, orders.where('status', 'in', OPEN).orderBy('order_id')),
    openOrdersOf: bindFor(
      bySymbol,
      orders.where('status', 'in', OPEN).where('symbol', '=', bySymbol.symbol).orderBy('order_id'),
    ),
    everyOrder: bindFor(none, orders.orderBy('order_id')),
    insertTrade: bindFor(
      trade,
      db
        .insertInto('trades')
        .values({
          order_id: trade.orderId,
          client_order_id: trade.clientOrderId,
          symbol: trade.symbol,
          side: trade.side,
          price: trade.price,
          qty: trade.qty,
          quote_qty: trade.quoteQty,
          commission: trade.commission,
          commission_asset: trade.commissionAsset,
          is_maker: trade.isMaker,
          at: trade.at,
          reported_id: trade.reportedId,
          hidden: trade.hidden,
        })
        .returning(tradeColumns),
    ),
    revealTrades: bindFor(none, db.updateTable('trades').set({ hidden: 0 }).where('hidden', '=', 1)),
    everyTrade: bindFor(none, db.selectFrom('trades').select(tradeColumns).orderBy('trade_id')),
  };
}

/** The simulator file's fixed statements, compiled for SQLite. */
export const VENUE_SIM_STATEMENTS = venueSimStatements();

/**
 * Orders of `symbol` (Binance allOrders): from `orderId` (else `fromId`) up when given, else within the
 * time range; at most `limit`. `ascending`: the first rows from the lower bound; else the most recent
 * rows, newest first. Built per call: its conditions depend on the filters given.
 */
export function listOrdersQuery(symbol: string, q: ListQuery) {
  const from = q.orderId ?? q.fromId;
  const ascending = from !== undefined || q.startTime !== undefined;
  let query = db.selectFrom('orders').select(ORDER_COLUMNS).where('symbol', '=', symbol);
  if (from !== undefined) query = query.where('order_id', '>=', from);
  if (q.startTime !== undefined) query = query.where('created_at', '>=', q.startTime);
  if (q.endTime !== undefined) query = query.where('created_at', '<=', q.endTime);
  return { query: query.orderBy('order_id', ascending ? 'asc' : 'desc').limit(q.limit), ascending };
}

/**
 * Trades of `symbol` (Binance myTrades; hidden ones left out): of `orderId` when given, from `fromId` up
 * when given, else within the time range; at most `limit`, as listOrdersQuery. Built per call.
 */
export function listTradesQuery(symbol: string, q: ListQuery) {
  const ascending = q.fromId !== undefined || q.startTime !== undefined;
  let query = db
    .selectFrom('trades')
    .select(tradeColumns)
    .where('symbol', '=', symbol)
    .where('hidden', '=', 0);
  if (q.orderId !== undefined) query = query.where('order_id', '=', q.orderId);
  if (q.fromId !== undefined) query = query.where('trade_id', '>=', q.fromId);
  if (q.startTime !== undefined) query = query.where('at', '>=', q.startTime);
  if (q.endTime !== undefined) query = query.where('at', '<=', q.endTime);
  return { query: query.orderBy('trade_id', ascending ? 'asc' : 'desc').limit(q.limit), ascending };
}
