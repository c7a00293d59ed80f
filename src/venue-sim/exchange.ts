import { Dec, fmt } from '../domain/decimal.js';
import type {
  SimMarketState,
  SimOrder,
  SimTrade,
  VenueSimStore,
} from '../persistence/venues/venue-sim-store.js';
import { matchResting } from '../adapters/paper/matching.js';
import { quoteFromMid, stepWalk } from '../adapters/paper/price-feed.js';
import { Rng, deriveSeed } from '../adapters/paper/rng.js';
import { errors } from './binance-error.js';
import { closeOrder, fillOrder } from './fills.js';
import type { FeeRates, FillContext } from './fills.js';
import { Ledger } from './ledger.js';
import { assetsOf, defaultBalance } from './markets.js';
import type { SimMarket } from './markets.js';
import { checkFilters } from './order-rules.js';
import type { NewOrderRequest } from './order-rules.js';
import { accountEvents, orderEvent } from './sim-event.js';
import type { SimEvent } from './sim-event.js';

/** What the exchange core needs. */
export interface SimExchangeOptions {
  store: VenueSimStore;
  /** Markets by Binance id. */
  markets: ReadonlyMap<string, SimMarket>;
  fees: FeeRates;
  /** Seeds the price walks and generated client ids of a fresh file. */
  seed: number;
  /** Starting balances of a fresh account (assets without a row), else defaultBalance. */
  balances: Readonly<Record<string, string>>;
}

/** Names an order: by orderId, by origClientOrderId, or both (then both must match). */
export interface OrderRefParams {
  orderId?: number;
  origClientOrderId?: string;
}

/** An operation's result and the events to push once it committed. */
export interface Outcome<T> {
  result: T;
  events: SimEvent[];
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The simulator's matching engine and account, all in its SQLite store. The book is synthetic (the paper
 * venue's rules, src/adapters/paper/matching.ts): bid and ask sit one tick either side of the mid; a
 * market order, or a limit that crosses on arrival, fills at once in full as taker at the touch; a resting
 * limit fills as maker at its own price when the mid reaches it. Every operation is one transaction.
 */
export class SimExchange {
  readonly #o: SimExchangeOptions;

  /** Creates the price state and balances a fresh file lacks (an existing file keeps its own). */
  constructor(options: SimExchangeOptions, now: number) {
    this.#o = options;
    const { store, markets, seed, balances } = options;
    store.transaction(() => {
      for (const m of markets.values()) {
        if (store.marketState(m.id)) continue;
        const p = m.startPrice;
        const rngState = deriveSeed(seed, `walk:${m.id}`);
        const state = { price: p, openPrice: p, highPrice: p, lowPrice: p, tick: 0, updatedAt: now };
        store.saveMarketState({ symbol: m.id, rngState, ...state });
      }
      for (const asset of new Set([...assetsOf(markets), ...Object.keys(balances)])) {
        if (store.balance(asset)) continue;
        const free = balances[asset] ?? defaultBalance(asset, markets);
        store.saveBalance({ asset, free, locked: '0', updatedAt: now });
      }
      if (store.meta('idRng') === undefined) store.setMeta('idRng', String(deriveSeed(seed, 'ids')));
    });
  }

  /** The markets, by Binance id. */
  get markets(): ReadonlyMap<string, SimMarket> {
    return this.#o.markets;
  }

  /** Current mid, best bid and best ask of a market. */
  quote(m: SimMarket): { mid: string; bid: string; ask: string } {
    const mid = this.#state(m).price;
    return { mid, ...quoteFromMid(mid, m.tickSize) };
  }

  /** The stored price state of a market (last price, open/high/low since start). */
  marketState(m: SimMarket): SimMarketState {
    return this.#state(m);
  }

  /** Places an order (Binance's checks and errors); it may fill at once. */
  place(req: NewOrderRequest, now: number): Outcome<{ order: SimOrder; trades: SimTrade[] }> {
    const { store } = this.#o;
    return store.transaction(() => {
      const m = req.market;
      const { bid, ask } = this.quote(m);
      const touch = req.side === 'BUY' ? ask : bid;
      const quantity = checkFilters(req, touch);
      const clientOrderId = req.clientOrderId ?? this.#newClientId();
      if (store.openOrderByClientId(m.id, clientOrderId)) throw errors.duplicate();
      const price = req.price ?? '0';
      const crosses =
        req.type === 'MARKET' || (req.side === 'BUY' ? new Dec(price).gte(ask) : new Dec(price).lte(bid));
      if (req.type === 'LIMIT_MAKER' && crosses) throw errors.wouldTake();
      const ctx = this.#ctx(m, now);
      const reservePrice = req.type === 'MARKET' ? touch : price;
      if (req.side === 'BUY') ctx.ledger.reserve(m.quote, fmt(new Dec(reservePrice).times(quantity)));
      else ctx.ledger.reserve(m.base, quantity);
      let order = store.insertOrder({
        clientOrderId,
        symbol: m.id,
        side: req.side,
        type: req.type,
        timeInForce: req.timeInForce,
        price,
        origQty: quantity,
        origQuoteOrderQty: req.quoteOrderQty ?? '0',
        executedQty: '0',
        cummulativeQuoteQty: '0',
        status: 'NEW',
        createdAt: now,
        updatedAt: now,
      });
      const events = [orderEvent('NEW', order, now)];
      const trades: SimTrade[] = [];
      if (crosses) {
        const filled = fillOrder(ctx, order, touch, quantity, false);
        order = filled.order;
        trades.push(filled.trade);
        events.push(orderEvent('TRADE', order, now, { trade: filled.trade }));
      } else if (req.timeInForce !== 'GTC') {
        order = closeOrder(ctx, order, 'EXPIRED');
        events.push(orderEvent('EXPIRED', order, now));
      }
      events.push(...accountEvents(ctx.ledger.touched(), now));
      return { result: { order, trades }, events };
    });
  }

  /** The order `ref` names on market `m`; -2013 when there is none. */
  find(m: SimMarket, ref: OrderRefParams): SimOrder {
    const order = this.#lookup(m, ref);
    if (!order) throw errors.noSuchOrder();
    return order;
  }

  /** Cancels a working order; -2011 when unknown or already closed. */
  cancel(
    m: SimMarket,
    ref: OrderRefParams,
    cancelClientOrderId: string | undefined,
    now: number,
  ): Outcome<{ order: SimOrder; cancelClientOrderId: string }> {
    return this.#o.store.transaction(() => {
      const order = this.#lookup(m, ref);
      if (!order || (order.status !== 'NEW' && order.status !== 'PARTIALLY_FILLED'))
        throw errors.unknownOrder();
      return this.#cancelOne(m, order, cancelClientOrderId, now);
    });
  }

  /** Cancels every working order of a market; -2011 when there is none. */
  cancelAll(m: SimMarket, now: number): Outcome<{ order: SimOrder; cancelClientOrderId: string }[]> {
    return this.#o.store.transaction(() => {
      const open = this.#o.store.openOrders(m.id);
      if (open.length === 0) throw errors.unknownOrder();
      const outcomes = open.map((order) => this.#cancelOne(m, order, undefined, now));
      return { result: outcomes.map((o) => o.result), events: outcomes.flatMap((o) => o.events) };
    });
  }

  /**
   * Moves a market's price to `price` (a validated multiple of the tick size) and fills the resting orders
   * it reaches, oldest first, as maker at their own price: completely, or at most `fillQty` each.
   */
  setPrice(m: SimMarket, price: string, now: number, fillQty?: string): SimEvent[] {
    return this.#o.store.transaction(() => {
      this.#saveState(m, { ...this.#state(m), price }, now);
      const ctx = this.#ctx(m, now);
      const events: SimEvent[] = [];
      for (const order of this.#o.store.openOrders(m.id)) {
        const crossed =
          order.side === 'BUY' ? new Dec(price).lte(order.price) : new Dec(price).gte(order.price);
        if (!crossed || order.type === 'MARKET') continue;
        const remaining = new Dec(order.origQty).minus(order.executedQty);
        const qty = fillQty !== undefined && remaining.gt(fillQty) ? fillQty : fmt(remaining);
        const filled = fillOrder(ctx, order, order.price, qty, true);
        events.push(orderEvent('TRADE', filled.order, now, { trade: filled.trade }));
      }
      return [...events, ...accountEvents(ctx.ledger.touched(), now)];
    });
  }

  /** One step of every market's seeded random walk; crossed resting orders fill partly or fully. */
  walk(now: number): SimEvent[] {
    return this.#o.store.transaction(() => {
      const events: SimEvent[] = [];
      for (const m of this.#o.markets.values()) {
        const state = this.#state(m);
        const rng = new Rng(state.rngState);
        const price = stepWalk(
          state.price,
          { tickSize: m.tickSize, volatilityTicks: m.volatilityTicks },
          rng,
        );
        const open = this.#o.store.openOrders(m.id).filter((o) => o.type !== 'MARKET');
        const byId = new Map(open.map((o) => [String(o.orderId), o]));
        const resting = open.map((o) => ({
          venueOrderId: String(o.orderId),
          side: o.side === 'BUY' ? ('buy' as const) : ('sell' as const),
          price: o.price,
          quantity: o.origQty,
          filledQuantity: o.executedQty,
        }));
        const ctx = this.#ctx(m, now);
        for (const f of matchResting(price, resting, m.stepSize, rng)) {
          const order = byId.get(f.venueOrderId);
          if (!order) continue;
          const filled = fillOrder(ctx, order, f.price, f.quantity, true);
          events.push(orderEvent('TRADE', filled.order, now, { trade: filled.trade }));
        }
        events.push(...accountEvents(ctx.ledger.touched(), now));
        this.#saveState(m, { ...state, price, rngState: rng.state, tick: state.tick + 1 }, now);
      }
      return events;
    });
  }

  /** Sets balances outright (admin), returning the balance events. */
  setBalances(balances: Readonly<Record<string, string>>, now: number): SimEvent[] {
    return this.#o.store.transaction(() => {
      const ledger = new Ledger(this.#o.store, now);
      for (const [asset, free] of Object.entries(balances)) {
        ledger.set(asset, fmt(new Dec(free)), ledger.balance(asset).locked);
      }
      return accountEvents(ledger.touched(), now);
    });
  }

  #cancelOne(m: SimMarket, order: SimOrder, cancelId: string | undefined, now: number) {
    const ctx = this.#ctx(m, now);
    const cancelClientOrderId = cancelId ?? this.#newClientId();
    const closed = closeOrder(ctx, order, 'CANCELED');
    const events = [
      orderEvent('CANCELED', closed, now, { cancelClientOrderId }),
      ...accountEvents(ctx.ledger.touched(), now),
    ];
    return { result: { order: closed, cancelClientOrderId }, events };
  }

  #lookup(m: SimMarket, ref: OrderRefParams): SimOrder | undefined {
    const { store } = this.#o;
    if (ref.orderId !== undefined) {
      const order = store.order(ref.orderId);
      if (!order || order.symbol !== m.id) return undefined;
      if (ref.origClientOrderId !== undefined && order.clientOrderId !== ref.origClientOrderId)
        return undefined;
      return order;
    }
    if (ref.origClientOrderId === undefined) throw errors.orderRefMissing();
    return store.latestOrderByClientId(m.id, ref.origClientOrderId);
  }

  /** What filling or closing an order of `market` at `now` works with (call inside a store transaction). */
  fillContext(market: SimMarket, now: number): FillContext {
    return this.#ctx(market, now);
  }

  #ctx(market: SimMarket, now: number): FillContext {
    const { store, fees } = this.#o;
    return { store, ledger: new Ledger(store, now), market, fees, now };
  }

  #state(m: SimMarket): SimMarketState {
    const state = this.#o.store.marketState(m.id);
    if (!state) throw new Error(`venue simulator: no price state for ${m.id}`);
    return state;
  }

  #saveState(m: SimMarket, s: SimMarketState, now: number): void {
    const p = new Dec(s.price);
    const highPrice = p.gt(s.highPrice) ? s.price : s.highPrice;
    const lowPrice = p.lt(s.lowPrice) ? s.price : s.lowPrice;
    this.#o.store.saveMarketState({ ...s, symbol: m.id, highPrice, lowPrice, updatedAt: now });
  }

  /** A Binance-like generated client id (22 chars) from a persisted seeded stream. */
  #newClientId(): string {
    const { store } = this.#o;
    const rng = new Rng(Number(store.meta('idRng') ?? '0'));
    let id = '';
    for (let i = 0; i < 22; i++) id += ID_CHARS[rng.int(0, ID_CHARS.length - 1)] ?? 'x';
    store.setMeta('idRng', String(rng.state));
    return id;
  }
}
