import type { ExpressionBuilder } from 'kysely';
import { fieldsOf } from '../bound-statement.js';
import { sqliteCompiler } from '../sqlite-compiler.js';
import { bindFor } from './record-statement.js';
import type { NoRecord } from './record-statement.js';
import type { NewOrder, StoredMarketState, StoredRequest } from './paper-venue-records.js';
import type { PaperVenueDatabase } from './paper-venue-schema.js';
import type { ClientOrderId, VenueFill, VenueOrderStatus } from '../../domain/types.js';

/** An order's fill progress, keyed by its venue id (an integer in the file). */
interface OrderUpdate {
  venueOrderId: number;
  filledQuantity: string;
  status: VenueOrderStatus;
  updatedAt: number;
}

/** A new trade, for the order with this venue id. */
type TradeWrite = Omit<VenueFill, 'tradeId' | 'venueOrderId'> & { venueOrderId: number };

/** A request log entry; `replyLost` is 1 or 0. */
type RequestWrite = Omit<StoredRequest, 'id' | 'replyLost'> & { replyLost: number };

/** The orders columns as StoredOrder fields. */
const orderColumns = (eb: ExpressionBuilder<PaperVenueDatabase, 'orders'>) =>
  [
    eb.cast<string>('venue_order_id', 'text').as('venueOrderId'),
    'client_order_id as clientOrderId',
    'symbol',
    'side',
    'type',
    'price',
    'quantity',
    'filled_quantity as filledQuantity',
    'status',
    'created_at as createdAt',
    'updated_at as updatedAt',
  ] as const;

/** The trades columns as VenueFill fields. */
const tradeColumns = (eb: ExpressionBuilder<PaperVenueDatabase, 'trades'>) =>
  [
    eb.cast<string>('trade_id', 'text').as('tradeId'),
    'client_order_id as clientOrderId',
    eb.cast<string>('venue_order_id', 'text').as('venueOrderId'),
    'symbol',
    'side',
    'price',
    'quantity',
    'fee',
    'fee_currency as feeCurrency',
    'liquidity',
    'at',
  ] as const;

/** The markets_state columns as StoredMarketState fields. */
const MARKET_COLUMNS = [
  'symbol',
  'price',
  'rng_state as rngState',
  'tick',
  'updated_at as updatedAt',
] as const;

/** The requests columns as StoredRequest fields (`replyLost` still 1 or 0). */
const REQUEST_COLUMNS = [
  'id',
  'kind',
  'client_order_id as clientOrderId',
  'outcome',
  'detail',
  'reply_lost as replyLost',
  'at',
] as const;

/** Statuses of an order the venue may still fill. */
const OPEN: VenueOrderStatus[] = ['open', 'partiallyFilled'];

/**
 * Every statement of the paper venue file, as a Kysely query typed against its schema, compiled once for
 * SQLite (prepared once per open file by PaperVenueStore).
 */
function paperVenueStatements() {
  const db = sqliteCompiler<PaperVenueDatabase>();
  const none = fieldsOf<NoRecord>();
  const market = fieldsOf<StoredMarketState>();
  const bySymbol = fieldsOf<{ symbol: string }>();
  const order = fieldsOf<NewOrder>();
  const update = fieldsOf<OrderUpdate>();
  const byId = fieldsOf<{ venueOrderId: number }>();
  const byClient = fieldsOf<{ clientOrderId: ClientOrderId }>();
  const crossing = fieldsOf<{ symbol: string; whole: number }>();
  const trade = fieldsOf<TradeWrite>();
  const since = fieldsOf<{ symbol: string; since: number }>();
  const request = fieldsOf<RequestWrite>();
  const orders = db.selectFrom('orders').select(orderColumns);
  const trades = db.selectFrom('trades').select(tradeColumns);
  return {
    market: bindFor(
      bySymbol,
      db.selectFrom('markets_state').select(MARKET_COLUMNS).where('symbol', '=', bySymbol.symbol),
    ),
    markets: bindFor(none, db.selectFrom('markets_state').select(MARKET_COLUMNS).orderBy('symbol')),
    saveMarket: bindFor(
      market,
      db
        .insertInto('markets_state')
        .values({
          symbol: market.symbol,
          price: market.price,
          rng_state: market.rngState,
          tick: market.tick,
          updated_at: market.updatedAt,
        })
        .onConflict((oc) =>
          oc.column('symbol').doUpdateSet((eb) => ({
            price: eb.ref('excluded.price'),
            rng_state: eb.ref('excluded.rng_state'),
            tick: eb.ref('excluded.tick'),
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
          price: order.price,
          quantity: order.quantity,
          filled_quantity: order.filledQuantity,
          status: order.status,
          created_at: order.createdAt,
          updated_at: order.updatedAt,
        })
        .returning(orderColumns),
    ),
    updateOrder: bindFor(
      update,
      db
        .updateTable('orders')
        .set({ filled_quantity: update.filledQuantity, status: update.status, updated_at: update.updatedAt })
        .where('venue_order_id', '=', update.venueOrderId)
        .returning(orderColumns),
    ),
    order: bindFor(byId, orders.where('venue_order_id', '=', byId.venueOrderId)),
    latestByClient: bindFor(
      byClient,
      orders.where('client_order_id', '=', byClient.clientOrderId).orderBy('venue_order_id', 'desc').limit(1),
    ),
    openByClient: bindFor(
      byClient,
      orders.where('client_order_id', '=', byClient.clientOrderId).where('status', 'in', OPEN).limit(1),
    ),
    openOrders: bindFor(none, orders.where('status', 'in', OPEN).orderBy('venue_order_id')),
    openOrdersOf: bindFor(
      bySymbol,
      orders.where('status', 'in', OPEN).where('symbol', '=', bySymbol.symbol).orderBy('venue_order_id'),
    ),
    // Whole units only (exact integers): a superset of the crossed orders, see crossingCandidates.
    crossingOf: bindFor(
      crossing,
      orders
        .where('status', 'in', OPEN)
        .where('symbol', '=', crossing.symbol)
        .where('price', 'is not', null)
        .where((eb) =>
          eb.or([
            eb.and([eb('side', '=', 'buy'), eb(eb.cast('price', 'integer'), '>=', crossing.whole)]),
            eb.and([eb('side', '=', 'sell'), eb(eb.cast('price', 'integer'), '<=', crossing.whole)]),
          ]),
        )
        .orderBy('venue_order_id'),
    ),
    allOrders: bindFor(none, orders.orderBy('venue_order_id')),
    insertTrade: bindFor(
      trade,
      db
        .insertInto('trades')
        .values({
          venue_order_id: trade.venueOrderId,
          client_order_id: trade.clientOrderId,
          symbol: trade.symbol,
          side: trade.side,
          price: trade.price,
          quantity: trade.quantity,
          fee: trade.fee,
          fee_currency: trade.feeCurrency,
          liquidity: trade.liquidity,
          at: trade.at,
        })
        .returning(tradeColumns),
    ),
    tradesSince: bindFor(
      since,
      trades.where('symbol', '=', since.symbol).where('at', '>=', since.since).orderBy('trade_id'),
    ),
    tradesOfOrder: bindFor(byId, trades.where('venue_order_id', '=', byId.venueOrderId).orderBy('trade_id')),
    allTrades: bindFor(none, trades.orderBy('trade_id')),
    logRequest: bindFor(
      request,
      db.insertInto('requests').values({
        kind: request.kind,
        client_order_id: request.clientOrderId,
        outcome: request.outcome,
        detail: request.detail,
        reply_lost: request.replyLost,
        at: request.at,
      }),
    ),
    requests: bindFor(none, db.selectFrom('requests').select(REQUEST_COLUMNS).orderBy('id')),
  };
}

/** The paper venue file's statements, compiled for SQLite. */
export const PAPER_VENUE_STATEMENTS = paperVenueStatements();
