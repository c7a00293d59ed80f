import { z } from 'zod';
import { Dec } from '../domain/decimal.js';
import { ValidationError } from '../domain/errors.js';
import { nonNegativeDecimal, parseWith, positiveDecimal } from '../domain/schema-errors.js';
import type { VenueSimStore } from '../persistence/venues/venue-sim-store.js';
import { fillOutright } from './admin-fill.js';
import type { SimExchange } from './exchange.js';
import type { Faults } from './faults.js';
import type { SimMarket } from './markets.js';
import type { SimEvent } from './sim-event.js';
import type { UserStream } from './user-stream.js';

/** What the admin API works on. */
export interface AdminDeps {
  exchange: SimExchange;
  store: VenueSimStore;
  faults: Faults;
  userStream: UserStream;
  /** Pushes committed events to the user-data stream. */
  publish: (events: SimEvent[]) => void;
}

/** An admin request: method, path below `/admin`, parsed JSON body (`{}` when empty). */
export interface AdminRequest {
  method: string;
  path: string;
  body: unknown;
  now: number;
}

const priceBody = z
  .object({ symbol: z.string(), price: positiveDecimal, fillQty: positiveDecimal.optional() })
  .strict();
const fillBody = z
  .object({
    symbol: z.string(),
    clientOrderId: z.string().min(1).optional(),
    orderId: z.number().int().positive().optional(),
    qty: positiveDecimal,
    price: positiveDecimal.optional(),
    isMaker: z.boolean().default(true),
    overfill: z.boolean().default(false),
    reuseTradeId: z.number().int().positive().optional(),
    hidden: z.boolean().default(false),
  })
  .strict();
const pushBody = z.union([
  z.object({ event: z.record(z.string(), z.unknown()) }).strict(),
  z.object({ text: z.string() }).strict(),
]);
const balancesBody = z
  .object({ balances: z.record(z.string().regex(/^[A-Z0-9]{2,12}$/), nonNegativeDecimal) })
  .strict();

/** The market named `BTC/USDT` or `BTCUSDT`; a ValidationError naming `symbol` otherwise. */
function marketOf(exchange: SimExchange, symbol: string): SimMarket {
  const id = symbol.replace('/', '');
  const m = exchange.markets.get(id);
  if (!m) throw new ValidationError('symbol', `unknown symbol ${JSON.stringify(symbol)}`);
  return m;
}

/** The simulator's own records, for invariant checks (decimals in canonical form, not Binance's 8 places). */
export function adminState(exchange: SimExchange, store: VenueSimStore) {
  const prices = Object.fromEntries(
    [...exchange.markets.values()].map((m) => [m.id, { symbol: m.symbol, ...exchange.quote(m) }]),
  );
  return {
    orders: store.everyOrder().map((o) => ({
      orderId: o.orderId,
      clientOrderId: o.clientOrderId,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      timeInForce: o.timeInForce,
      price: o.price,
      origQty: o.origQty,
      executedQty: o.executedQty,
      cummulativeQuoteQty: o.cummulativeQuoteQty,
      status: o.status,
      time: o.createdAt,
      updateTime: o.updatedAt,
    })),
    trades: store.everyTrade().map((t) => ({
      id: t.tradeId,
      orderId: t.orderId,
      clientOrderId: t.clientOrderId,
      symbol: t.symbol,
      side: t.side,
      qty: t.qty,
      price: t.price,
      quoteQty: t.quoteQty,
      commission: t.commission,
      commissionAsset: t.commissionAsset,
      isMaker: t.isMaker,
      time: t.at,
      hidden: t.hidden,
    })),
    balances: store.balances().map((b) => ({ asset: b.asset, free: b.free, locked: b.locked })),
    prices,
  };
}

/**
 * Handles one admin request; returns the JSON reply, or null for an unknown route. Throws ValidationError
 * (answered 400 naming the field) for a bad body; nothing changes then.
 */
export function handleAdmin(deps: AdminDeps, r: AdminRequest): unknown {
  const { exchange, store, faults, userStream, publish } = deps;
  switch (`${r.method} ${r.path}`) {
    case 'POST /price': {
      const body = parseWith(priceBody, r.body);
      const m = marketOf(exchange, body.symbol);
      if (!new Dec(body.price).mod(m.tickSize).eq('0') || new Dec(body.price).lte(m.tickSize)) {
        throw new ValidationError(
          'price',
          `must be a multiple of tickSize ${m.tickSize} above it, got ${body.price}`,
        );
      }
      if (body.fillQty !== undefined && !new Dec(body.fillQty).mod(m.stepSize).eq('0')) {
        throw new ValidationError(
          'fillQty',
          `must be a multiple of stepSize ${m.stepSize}, got ${body.fillQty}`,
        );
      }
      const events = exchange.setPrice(m, body.price, r.now, body.fillQty);
      publish(events);
      const fills = events.flatMap((e) => (e.kind === 'executionReport' && e.trade ? [e.trade] : []));
      return { symbol: m.symbol, price: body.price, fills };
    }
    case 'POST /tick': {
      const events = exchange.walk(r.now);
      publish(events);
      return adminState(exchange, store).prices;
    }
    case 'POST /fill': {
      const body = parseWith(fillBody, r.body);
      const m = marketOf(exchange, body.symbol);
      if (body.orderId === undefined && body.clientOrderId === undefined)
        throw new ValidationError('orderId', 'orderId or clientOrderId is required');
      const ref = {
        ...(body.orderId !== undefined && { orderId: body.orderId }),
        ...(body.clientOrderId !== undefined && { origClientOrderId: body.clientOrderId }),
      };
      const fill = {
        qty: body.qty,
        isMaker: body.isMaker,
        overfill: body.overfill,
        hidden: body.hidden,
        ...(body.price !== undefined && { price: body.price }),
        ...(body.reuseTradeId !== undefined && { reportedId: body.reuseTradeId }),
      };
      const events = fillOutright(exchange, store, m, ref, fill, r.now);
      publish(events);
      const trades = store.everyTrade();
      return { trade: trades[trades.length - 1] };
    }
    case 'POST /reveal-trades':
      return { revealed: store.revealTrades() };
    case 'POST /balances': {
      const body = parseWith(balancesBody, r.body);
      publish(exchange.setBalances(body.balances, r.now));
      return { balances: adminState(exchange, store).balances };
    }
    case 'POST /faults':
      return { plan: faults.set(r.body, r.now) };
    case 'GET /faults':
      return { plan: faults.plan, injected: faults.injected };
    case 'POST /reset-faults':
      faults.reset(r.now);
      return { plan: faults.plan };
    case 'POST /ws/push': {
      // A user-data event exactly as given, unchecked and unfaulted: how a venue's malformed payload looks;
      // or a frame's whole text, verbatim (a truncated or non-JSON message).
      const body = parseWith(pushBody, r.body);
      return { pushed: 'text' in body ? userStream.pushText(body.text) : userStream.pushRaw(body.event) };
    }
    case 'POST /ws/disconnect':
      return { disconnected: userStream.disconnectAll() };
    case 'GET /ws':
      return { subscribers: userStream.subscriberCount };
    case 'GET /state':
      return adminState(exchange, store);
    default:
      return null;
  }
}
