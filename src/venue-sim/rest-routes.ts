import type { SimOrder, VenueSimStore } from '../persistence/venues/venue-sim-store.js';
import { errors } from './binance-error.js';
import type { SimExchange } from './exchange.js';
import { depth, exchangeInfo, ticker24hr } from './exchange-info.js';
import { balanceJson, cancelJson, d8, newOrderJson, orderJson, tradeJson } from './formats.js';
import type { SimMarket } from './markets.js';
import { parseNewOrder } from './order-rules.js';
import type { Params } from './params.js';
import { checkApiKey, verifySigned } from './signing.js';
import type { Credentials } from './signing.js';
import type { OrderView } from './faults.js';
import type { SimEvent } from './sim-event.js';
import type { UserStream } from './user-stream.js';

/** One REST request as the routes see it. */
export interface RestRequest {
  method: string;
  path: string;
  params: Params;
  rawQuery: string;
  rawBody: string;
  apiKeyHeader: string | undefined;
  now: number;
}

/** A handler's answer: the JSON body and the events to push after it. */
export interface RestAnswer {
  body: unknown;
  events?: SimEvent[];
}

/** Binance's endpoint security types: public, API key only, or signed. */
type Security = 'NONE' | 'API_KEY' | 'SIGNED';

/** One endpoint: its security type and handler. */
export interface RestRoute {
  security: Security;
  handle: (r: RestRequest) => RestAnswer;
}

/** What the routes work on. */
export interface RestDeps {
  exchange: SimExchange;
  store: VenueSimStore;
  userStream: UserStream;
  credentials: Credentials;
  /** Order views that lag (the staleOrderViews fault): true when `view` must not show the order now. */
  hides: (view: OrderView, order: SimOrder, now: number) => boolean;
}

/** The `/api/v3` endpoints, keyed `METHOD /path`. */
export function restRoutes(deps: RestDeps): Map<string, RestRoute> {
  const { exchange, store, userStream, hides } = deps;
  const shown = (view: OrderView, orders: SimOrder[], now: number) =>
    orders.filter((o) => !hides(view, o, now));
  const markets = exchange.markets;
  const selected = (p: Params): SimMarket[] => {
    const one = p.optionalMarket(markets);
    if (one) return [one];
    const list = p.optional('symbols');
    if (list === undefined) return [...markets.values()];
    let ids: unknown;
    try {
      ids = JSON.parse(list);
    } catch {
      throw errors.illegalChars('symbols', '^\\["[A-Z0-9]+"(,"[A-Z0-9]+")*\\]$');
    }
    if (!Array.isArray(ids)) throw errors.illegalChars('symbols', '^\\["[A-Z0-9]+"(,"[A-Z0-9]+")*\\]$');
    return ids.map((id) => {
      const m = typeof id === 'string' ? markets.get(id) : undefined;
      if (!m) throw errors.badSymbol();
      return m;
    });
  };
  const ref = (p: Params) => {
    const orderId = p.long('orderId');
    const origClientOrderId = p.optional('origClientOrderId');
    if (orderId === undefined && origClientOrderId === undefined) throw errors.orderRefMissing();
    return {
      ...(orderId !== undefined && { orderId }),
      ...(origClientOrderId !== undefined && { origClientOrderId }),
    };
  };
  const listQuery = (p: Params) => {
    const q = { limit: p.limit(500, 1000) };
    const fromId = p.long('fromId');
    const startTime = p.long('startTime');
    const endTime = p.long('endTime');
    return {
      ...q,
      ...(fromId !== undefined && { fromId }),
      ...(startTime !== undefined && { startTime }),
      ...(endTime !== undefined && { endTime }),
    };
  };
  const ticker = (m: SimMarket, now: number) =>
    ticker24hr(m, exchange.marketState(m), exchange.quote(m), now);

  const routes: [string, Security, (r: RestRequest) => RestAnswer][] = [
    ['GET /api/v3/ping', 'NONE', () => ({ body: {} })],
    ['GET /api/v3/time', 'NONE', (r) => ({ body: { serverTime: r.now } })],
    ['GET /api/v3/exchangeInfo', 'NONE', (r) => ({ body: exchangeInfo(selected(r.params), r.now) })],
    [
      'GET /api/v3/ticker/24hr',
      'NONE',
      (r) => {
        const one = r.params.optionalMarket(markets);
        return { body: one ? ticker(one, r.now) : selected(r.params).map((m) => ticker(m, r.now)) };
      },
    ],
    [
      'GET /api/v3/ticker/price',
      'NONE',
      (r) => {
        const rows = selected(r.params).map((m) => ({ symbol: m.id, price: d8(exchange.quote(m).mid) }));
        return { body: r.params.optional('symbol') ? rows[0] : rows };
      },
    ],
    [
      'GET /api/v3/depth',
      'NONE',
      (r) => {
        const m = r.params.market(markets);
        const state = exchange.marketState(m);
        const book = depth(
          m,
          exchange.quote(m),
          store.openOrders(m.id),
          r.params.limit(100, 5000),
          state.updatedAt,
        );
        return { body: book };
      },
    ],
    [
      'GET /api/v3/account',
      'SIGNED',
      (r) => ({
        body: {
          makerCommission: 10,
          takerCommission: 10,
          buyerCommission: 0,
          sellerCommission: 0,
          canTrade: true,
          canWithdraw: true,
          canDeposit: true,
          brokered: false,
          requireSelfTradePrevention: false,
          preventSor: false,
          updateTime: Math.max(0, ...store.balances().map((b) => b.updatedAt)),
          accountType: 'SPOT',
          balances: store.balances().map(balanceJson),
          permissions: ['SPOT'],
          uid: 1,
          serverTime: r.now,
        },
      }),
    ],
    [
      'POST /api/v3/order',
      'SIGNED',
      (r) => {
        const req = parseNewOrder(r.params, markets);
        const { result, events } = exchange.place(req, r.now);
        return { body: newOrderJson(result.order, result.trades, req.respType), events };
      },
    ],
    [
      'GET /api/v3/order',
      'SIGNED',
      (r) => {
        const order = exchange.find(r.params.market(markets), ref(r.params));
        if (hides('order', order, r.now)) throw errors.noSuchOrder();
        return { body: orderJson(order) };
      },
    ],
    [
      'DELETE /api/v3/order',
      'SIGNED',
      (r) => {
        const m = r.params.market(markets);
        const cancelId = r.params.clientId('newClientOrderId');
        const { result, events } = exchange.cancel(m, ref(r.params), cancelId, r.now);
        return { body: cancelJson(result.order, result.cancelClientOrderId), events };
      },
    ],
    [
      'GET /api/v3/openOrders',
      'SIGNED',
      (r) => ({
        body: shown('openOrders', store.openOrders(r.params.optionalMarket(markets)?.id), r.now).map(
          orderJson,
        ),
      }),
    ],
    [
      'DELETE /api/v3/openOrders',
      'SIGNED',
      (r) => {
        const { result, events } = exchange.cancelAll(r.params.market(markets), r.now);
        return { body: result.map((c) => cancelJson(c.order, c.cancelClientOrderId)), events };
      },
    ],
    [
      'GET /api/v3/allOrders',
      'SIGNED',
      (r) => {
        const m = r.params.market(markets);
        const orderId = r.params.long('orderId');
        const q = { ...listQuery(r.params), ...(orderId !== undefined && { orderId }) };
        return { body: shown('allOrders', store.orders(m.id, q), r.now).map(orderJson) };
      },
    ],
    [
      'GET /api/v3/myTrades',
      'SIGNED',
      (r) => {
        const m = r.params.market(markets);
        const orderId = r.params.long('orderId');
        const q = { ...listQuery(r.params), ...(orderId !== undefined && { orderId }) };
        return { body: store.trades(m.id, q).map(tradeJson) };
      },
    ],
    ['POST /api/v3/userDataStream', 'API_KEY', () => ({ body: { listenKey: userStream.createListenKey() } })],
    [
      'PUT /api/v3/userDataStream',
      'API_KEY',
      (r) => (userStream.touchListenKey(r.params.required('listenKey'), false), { body: {} }),
    ],
    [
      'DELETE /api/v3/userDataStream',
      'API_KEY',
      (r) => (userStream.touchListenKey(r.params.required('listenKey'), true), { body: {} }),
    ],
  ];
  return new Map(routes.map(([key, security, handle]) => [key, { security, handle }]));
}

/** Runs a route after its security check; throws BinanceError for Binance-style failures. */
export function runRoute(route: RestRoute, r: RestRequest, credentials: Credentials): RestAnswer {
  if (route.security === 'API_KEY') checkApiKey(r.apiKeyHeader, credentials);
  if (route.security === 'SIGNED') verifySigned(r, credentials, r.now);
  return route.handle(r);
}
