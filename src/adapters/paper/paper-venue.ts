import type { Clock } from '../../domain/clock.js';
import { ConfigError, describeError } from '../../domain/errors.js';
import { silentLogger } from '../../domain/logger.js';
import { RequestBudget } from '../../domain/request-budget.js';
import type { Market } from '../../domain/types.js';
import { openPaperVenueStore } from '../../persistence/venues/paper-venue-store.js';
import type { PaperVenueStore } from '../../persistence/venues/paper-venue-store.js';
import { VenueError } from '../venue.js';
import type {
  OrderRef,
  PlaceOrderRequest,
  Ticker,
  VenueFact,
  VenueFill,
  VenueListener,
  VenueOrder,
  VenuePort,
} from '../venue.js';
import { orderProblem, resolveFeeBps } from './matching.js';
import { SimulatedNetwork } from './network.js';
import { PaperOrderBook, toVenueOrder } from './order-book.js';
import { PaperCalls } from './paper-calls.js';
import { nonNegativeInt } from './paper-venue-options.js';
import type { PaperVenueOptions } from './paper-venue-options.js';
import { PriceFeed, resolvePaperMarkets } from './price-feed.js';
import type { ResolvedPaperMarket } from './price-feed.js';
import { describeRef, refuse, unknownSymbol } from './request-outcome.js';
import type { Refused } from './request-outcome.js';

export type { PaperMarket } from './price-feed.js';
export type { FaultPlanOptions } from './fault-plan.js';

/**
 * An in-process exchange simulator implementing VenuePort: a seeded random-walk price feed per symbol,
 * matching against it (see matching.ts), its own durable SQLite state, simulated latency and a seeded
 * fault plan. Every venue-side change commits in one transaction before any reply or update leaves it.
 */
export class PaperVenue implements VenuePort {
  /** Venue id. */
  readonly id: string;
  /** See VenuePort.requestWindowMs. */
  readonly requestWindowMs: number;
  readonly #store: PaperVenueStore;
  readonly #clock: Clock;
  readonly #markets: ReadonlyMap<string, ResolvedPaperMarket>;
  readonly #book: PaperOrderBook;
  readonly #net: SimulatedNetwork;
  readonly #feed: PriceFeed;
  readonly #calls: PaperCalls;
  #closed = false;

  constructor(options: PaperVenueOptions) {
    if (!Number.isSafeInteger(options.seed)) throw new ConfigError('seed', 'must be a safe integer');
    this.id = options.id ?? 'paper';
    if (this.id === '') throw new ConfigError('id', 'must not be empty');
    this.#clock = options.clock;
    const tickMs = nonNegativeInt('tickMs', options.tickMs ?? 100);
    this.requestWindowMs = nonNegativeInt('requestWindowMs', options.requestWindowMs ?? 5000);
    if (tickMs === 0) throw new ConfigError('tickMs', 'must be > 0');
    const makerBps = resolveFeeBps('makerFeeBps', options.makerFeeBps ?? '1');
    const takerBps = resolveFeeBps('takerFeeBps', options.takerFeeBps ?? '5');
    this.#markets = resolvePaperMarkets(options.markets);
    const b = options.budget;
    const budget = b ? new RequestBudget(this.#clock, b.requestsPerSecond, b.burst) : null;
    this.#net = new SimulatedNetwork({
      clock: this.#clock,
      seed: options.seed,
      latency: options.latencyMs ?? { min: 0, max: 0 },
      faults: options.faults,
      onListenerError: options.onListenerError ?? (() => {}),
      logger: options.logger ?? silentLogger,
    });
    const store = openPaperVenueStore(options.dbPath);
    this.#store = store;
    this.#calls = new PaperCalls({ id: this.id, store, clock: this.#clock, net: this.#net, budget });
    this.#book = new PaperOrderBook({ store, markets: this.#markets, makerBps, takerBps });
    try {
      this.#feed = new PriceFeed({
        clock: this.#clock,
        store,
        seed: options.seed,
        markets: this.#markets,
        tickMs,
        onTick: (symbol, mid, rng, now) => this.#book.matchResting(symbol, mid, rng, now),
        emit: (events) => this.#net.updates.emit(events),
        onError: (err) =>
          options.logger?.error(
            { code: 'PAPER_VENUE_TICK_FAILED', err: describeError(err) },
            "the paper venue's market tick failed (its own database file)",
          ),
      });
    } catch (err) {
      store.close();
      throw err;
    }
  }

  /** Starts the price feed: every `tickMs` of the clock, prices move and resting orders match. */
  start(): void {
    if (this.#closed) throw new VenueError('unknown', 'paper venue is closed');
    this.#feed.start();
  }

  /** Stops the price feed (calls keep working). */
  stop(): void {
    this.#feed.stop();
  }

  /** Stops the feed, drops undelivered updates, fails in-flight calls with 'unknown', closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#feed.stop();
    this.#closed = true;
    this.#net.close();
    this.#store.close();
  }

  /** See VenuePort.subscribe. Updates are structuredClone'd plain objects (VenueFact). */
  subscribe(listener: VenueListener): () => void {
    return this.#net.updates.subscribe(listener);
  }

  /** See VenuePort.loadMarkets. */
  loadMarkets(): Promise<Market[]> {
    return this.#calls.call<Market[]>('loadMarkets', null, () => ({
      ok: true,
      outcome: 'ok',
      value: [...this.#markets.values()].map((m) => ({ ...m.market })),
    }));
  }

  /** See VenuePort.placeOrder. */
  placeOrder(request: PlaceOrderRequest): Promise<VenueOrder> {
    const id = typeof request.clientOrderId === 'string' ? request.clientOrderId : null;
    return this.#calls.call<VenueOrder>('place', id, (sentAt, faults) => {
      const now = this.#clock.now();
      const expired = this.#outsideWindow(sentAt, now);
      if (expired) return expired;
      const m = this.#markets.get(request.symbol);
      if (!m)
        return refuse('rejected', 'rejected', `symbol: unknown symbol ${JSON.stringify(request.symbol)}`);
      const quote = this.#feed.quote(request.symbol);
      const problem = orderProblem(request, m.market, quote);
      if (problem !== null) return refuse('rejected', 'rejected', problem);
      const open = this.#store.openOrderByClientId(request.clientOrderId);
      if (open) {
        const msg = `clientOrderId: ${request.clientOrderId} is already open as venue order ${open.venueOrderId}`;
        return refuse('duplicate', 'duplicate', msg);
      }
      if (faults.reject) return refuse('rejected', 'rejected', 'insufficient balance');
      const { order, events } = this.#book.open(request, quote, now);
      const detail = `venue order ${order.venueOrderId}`;
      return { ok: true, value: order, outcome: 'accepted', detail, events };
    });
  }

  /** See VenuePort.cancelOrder. Cancelling a closed order returns it unchanged. */
  cancelOrder(ref: OrderRef): Promise<VenueOrder> {
    return this.#calls.call<VenueOrder>('cancel', ref.clientOrderId, (sentAt) => {
      const now = this.#clock.now();
      const expired = this.#outsideWindow(sentAt, now);
      if (expired) return expired;
      const order = this.#book.find(ref);
      if (!order) return refuse('notFound', 'notFound', `order ${describeRef(ref)} not found`);
      if (order.status !== 'open' && order.status !== 'partiallyFilled') {
        return { ok: true, value: toVenueOrder(order), outcome: 'alreadyClosed', detail: order.status };
      }
      const cancelled = this.#book.cancel(order, now);
      const events: VenueFact[] = [{ kind: 'order', order: cancelled }];
      return { ok: true, value: cancelled, outcome: 'cancelled', events };
    });
  }

  /** See VenuePort.fetchOrder: the latest order with this clientOrderId (or venueOrderId), or null. */
  fetchOrder(ref: OrderRef): Promise<VenueOrder | null> {
    return this.#calls.call<VenueOrder | null>('fetchOrder', ref.clientOrderId, () => {
      const order = this.#book.find(ref);
      return { ok: true, value: order ? toVenueOrder(order) : null, outcome: order ? 'found' : 'notFound' };
    });
  }

  /** See VenuePort.fetchOpenOrders. */
  fetchOpenOrders(symbol?: string): Promise<VenueOrder[]> {
    return this.#calls.call<VenueOrder[]>('fetchOpenOrders', null, () => {
      if (symbol !== undefined && !this.#markets.has(symbol)) return unknownSymbol(symbol);
      return { ok: true, outcome: 'ok', value: this.#store.openOrders(symbol).map(toVenueOrder) };
    });
  }

  /** See VenuePort.fetchMyTrades: trades at or after `sinceMs`, by ascending trade id. */
  fetchMyTrades(symbol: string, sinceMs: number): Promise<VenueFill[]> {
    return this.#calls.call<VenueFill[]>('fetchMyTrades', null, () => {
      if (!this.#markets.has(symbol)) return unknownSymbol(symbol);
      return { ok: true, outcome: 'ok', value: this.#store.tradesSince(symbol, sinceMs) };
    });
  }

  /** See VenuePort.findInHistory: the paper venue keeps every order, so this is `fetchOrder`. */
  findInHistory(ref: OrderRef): Promise<VenueOrder | null> {
    return this.fetchOrder(ref);
  }

  /** See VenuePort.fetchOrderTrades. */
  fetchOrderTrades(ref: OrderRef & { venueOrderId: string }): Promise<VenueFill[]> {
    return this.#calls.call<VenueFill[]>('fetchMyTrades', ref.clientOrderId, () => {
      if (!this.#markets.has(ref.symbol)) return unknownSymbol(ref.symbol);
      const trades = this.#store.tradesOfOrder(ref.venueOrderId).filter((t) => t.symbol === ref.symbol);
      return { ok: true, outcome: 'ok', value: trades };
    });
  }

  /** See VenuePort.fetchTicker: bid/ask one tick around the mid; `last` is the mid. */
  fetchTicker(symbol: string): Promise<Ticker> {
    return this.#calls.call<Ticker>('fetchTicker', null, () => {
      if (!this.#markets.has(symbol)) return unknownSymbol(symbol);
      const { bid, ask, mid } = this.#feed.quote(symbol);
      return { ok: true, outcome: 'ok', value: { symbol, bid, ask, last: mid, at: this.#clock.now() } };
    });
  }

  #outsideWindow(sentAt: number, now: number): Refused | null {
    if (now <= sentAt + this.requestWindowMs) return null;
    const msg = `request outside recvWindow: sent at ${sentAt}, arrived at ${now}, window ${this.requestWindowMs} ms`;
    return refuse('expired', 'rejected', msg);
  }
}

/** Creates a paper venue (opening or creating its SQLite file). Call `start()` to run the price feed. */
export function createPaperVenue(options: PaperVenueOptions): PaperVenue {
  return new PaperVenue(options);
}
