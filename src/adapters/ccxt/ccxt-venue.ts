import type { Exchange } from 'ccxt';
import type { Logger } from '../../domain/logger.js';
import { silentLogger } from '../../domain/logger.js';
import { PLACE_QUEUE_MS } from '../../domain/request-budget.js';
import type { Market } from '../../domain/types.js';
import { VenueError, latestOrderMatching } from '../venue.js';
import type {
  OrderRef,
  PlaceOrderRequest,
  VenueBalance,
  Ticker,
  VenueFill,
  VenueListener,
  VenueOrder,
  VenuePort,
} from '../venue.js';
import type { CcxtVenueOptions } from './ccxt-venue-options.js';
import { orderViolation, precisionProblem, toMarket } from './market-rules.js';
import { toBalances, toTicker } from './parse.js';
import type { OrderIndex } from './order-index.js';
import { ReplyReader } from './reply-reader.js';
import { RestGate } from './rest-gate.js';
import { SpotMarkets } from './spot-markets.js';
import { UserFeed } from './user-feed.js';
import { fetchAllTrades, TRADES_PAGE } from './trade-history.js';

/** Margin for the venue's clock being behind ours when computing the landing window. */
const CLOCK_SKEW_MS = 1_000;

/** Exchanges whose ccxt client signs a `timestamp` given in the params instead of its own (Binance). */
function pinsTimestamp(ex: Exchange): boolean {
  return ex.id === 'binance';
}

/**
 * The venue port on a ccxt.pro exchange (Binance spot is the tested one). REST calls go through one
 * per-venue request budget (RestGate: the venue's only one); errors are classified by what they prove
 * (error-map.ts); order filters are checked before sending; every order and fill, replied or pushed, is
 * validated here (parse.ts) and carries its clientOrderId (OrderIndex); the user-data stream
 * (watchOrders / watchMyTrades) reconnects by itself and says `subscribed` after every (re)subscription.
 * Money is read from the venue's raw strings.
 */
export class CcxtVenue implements VenuePort {
  /** See VenuePort.id. */
  readonly id: string;
  /** See VenuePort.requestWindowMs. */
  readonly requestWindowMs: number;
  readonly #ex: Exchange;
  readonly #o: CcxtVenueOptions;
  readonly #log: Logger;
  readonly #gate: RestGate;
  readonly #replies: ReplyReader;
  readonly #index: OrderIndex;
  readonly #markets: SpotMarkets;
  readonly #feed: UserFeed;
  #closed = false;

  constructor(options: CcxtVenueOptions) {
    this.#o = options;
    this.#ex = options.exchange;
    this.id = options.id ?? this.#ex.id;
    this.#log = options.logger ?? silentLogger;
    this.requestWindowMs = options.recvWindowMs + CLOCK_SKEW_MS + PLACE_QUEUE_MS;
    this.#gate = new RestGate({
      venueId: this.id,
      clock: options.clock,
      logger: this.#log,
      budget: options.budget,
      redact: (t) => options.credentials.redact(t),
    });
    this.#replies = new ReplyReader(this.id, this.#ex, this.#gate);
    this.#index = this.#replies.index;
    this.#markets = new SpotMarkets(this.#ex, this.#gate);
    this.#feed = new UserFeed({
      exchange: this.#ex,
      venueId: this.id,
      clock: options.clock,
      logger: this.#log,
      seed: options.seed,
      redact: (t) => options.credentials.redact(t),
      index: this.#index,
      quoteOf: (symbol) => this.#markets.quoteOf(symbol),
      backoffMs: options.backoffMs,
    });
  }

  /** Nothing to start: the exchange runs by itself (RunnableVenue). */
  start(): void {}

  /** Nothing to pause: the exchange runs by itself (RunnableVenue). */
  stop(): void {}

  /** See VenuePort.loadMarkets. Only active spot markets. */
  async loadMarkets(): Promise<Market[]> {
    return [...(await this.#markets.rules(true)).values()].map(toMarket);
  }

  /** See VenuePort.placeOrder. Filters are checked first: a violation is rejected without sending. */
  async placeOrder(request: PlaceOrderRequest): Promise<VenueOrder> {
    // Stamped now, not when ccxt signs it after the checks and the request budget: the venue then refuses it
    // once its window from the engine's call has passed, which is what the engine's landing deadline and
    // the lookups after a crash rely on (a process paused before sending cannot place it later).
    const stamp = pinsTimestamp(this.#ex) ? { timestamp: this.#ex.nonce() } : {};
    const what = `place ${String(request.clientOrderId)} ${String(request.symbol)}`;
    const rules = (await this.#markets.rules(false)).get(request.symbol);
    const problem =
      rules === undefined
        ? `symbol: ${JSON.stringify(request.symbol)} is not a spot market of ${this.id}`
        : (orderViolation(request, rules) ?? precisionProblem(this.#ex, request));
    if (problem !== null) {
      this.#log.warn(
        { code: 'ORDER_REFUSED_LOCALLY', venue: this.id, clientOrderId: request.clientOrderId, problem },
        'order refused locally',
      );
      throw new VenueError('rejected', `${this.id} ${what}: refused before sending: ${problem}`);
    }
    await this.#gate.takeForPlace(what);
    const order = await this.#gate.call('place', what, null, () =>
      this.#ex.createOrder(
        request.symbol,
        request.type,
        request.side,
        Number(request.quantity),
        request.type === 'limit' ? Number(request.price) : undefined,
        Object.assign({ clientOrderId: request.clientOrderId }, stamp),
      ),
    );
    return this.#replies.remember(order, what);
  }

  /** See VenuePort.cancelOrder. An order the venue no longer has open is looked up and returned. */
  async cancelOrder(ref: OrderRef): Promise<VenueOrder> {
    const what = `cancel ${ref.clientOrderId} ${ref.symbol}`;
    try {
      const order = await this.#gate.call('cancel', what, 'high', () =>
        ref.venueOrderId != null
          ? this.#ex.cancelOrder(ref.venueOrderId, ref.symbol)
          : this.#ex.cancelOrder(undefined as unknown as string, ref.symbol, {
              clientOrderId: ref.clientOrderId,
            }),
      );
      return this.#replies.remember(order, what);
    } catch (err) {
      if (!(err instanceof VenueError) || err.kind !== 'notFound') throw err;
      const found = await this.fetchOrder(ref);
      if (found === null) throw err;
      if (found.status === 'open' || found.status === 'partiallyFilled') {
        throw new VenueError('unknown', `${this.id} ${what}: venue said unknown order, yet lists it open`);
      }
      return found;
    }
  }

  /** See VenuePort.fetchOrder: by clientOrderId; null when the venue does not have it. */
  async fetchOrder(ref: OrderRef): Promise<VenueOrder | null> {
    const what = `fetchOrder ${ref.clientOrderId} ${ref.symbol}`;
    try {
      const order = await this.#gate.call('read', what, 'high', () =>
        this.#ex.fetchOrder(undefined as unknown as string, ref.symbol, { clientOrderId: ref.clientOrderId }),
      );
      return this.#replies.remember(order, what);
    } catch (err) {
      if (err instanceof VenueError && err.kind === 'notFound') return null;
      throw err;
    }
  }

  /** See VenuePort.fetchOpenOrders. */
  async fetchOpenOrders(symbol?: string): Promise<VenueOrder[]> {
    const what = `fetchOpenOrders ${symbol ?? '(all)'}`;
    const orders = await this.#gate.call('read', what, 'normal', () => this.#ex.fetchOpenOrders(symbol));
    return orders.map((o) => this.#replies.remember(o, what));
  }

  /**
   * See VenuePort.findInHistory: Binance's allOrders from the order's id when known (the orders with that
   * id and later), else the orders created since `sinceMs`; open and closed orders alike.
   */
  async findInHistory(ref: OrderRef, sinceMs: number): Promise<VenueOrder | null> {
    const what = `order history ${ref.clientOrderId} ${ref.symbol}`;
    const [since, params] =
      ref.venueOrderId != null ? [undefined, { orderId: ref.venueOrderId }] : [sinceMs, {}];
    const page = () => this.#ex.fetchOrders(ref.symbol, since, 500, params); // Binance allows 1000
    const orders = await this.#gate.call('read', what, 'high', page);
    return latestOrderMatching(
      orders.map((o) => this.#replies.remember(o, what)),
      ref,
    );
  }

  /** See VenuePort.fetchOrderTrades: Binance's myTrades of one orderId. */
  async fetchOrderTrades(ref: OrderRef & { venueOrderId: string }): Promise<VenueFill[]> {
    const what = `fetchMyTrades ${ref.symbol} order ${ref.venueOrderId}`;
    const quote = this.#markets.quoteOf(ref.symbol);
    const trades = await this.#gate.call('read', what, 'normal', () =>
      this.#ex.fetchMyTrades(ref.symbol, undefined, TRADES_PAGE, { orderId: ref.venueOrderId }),
    );
    this.#index.note(ref.venueOrderId, ref.clientOrderId);
    const fills: VenueFill[] = [];
    for (const t of trades) fills.push(await this.#index.resolve(this.#replies.fill(t, quote, what)));
    return fills;
  }

  /** See VenuePort.fetchMyTrades: every page, oldest first; clientOrderIds resolved from order ids. */
  async fetchMyTrades(symbol: string, sinceMs: number): Promise<VenueFill[]> {
    const what = `fetchMyTrades ${symbol}`;
    const quote = this.#markets.quoteOf(symbol);
    const fills = await fetchAllTrades(
      {
        since: (since) =>
          this.#gate.call('read', what, 'normal', () => this.#ex.fetchMyTrades(symbol, since, TRADES_PAGE)),
        fromId: (fromId) =>
          this.#gate.call('read', what, 'normal', () =>
            this.#ex.fetchMyTrades(symbol, undefined, TRADES_PAGE, { fromId }),
          ),
        now: () => this.#o.clock.now(),
      },
      sinceMs,
      (t) => this.#replies.fill(t, quote, what),
    );
    for (const fill of fills) await this.#index.resolve(fill);
    return fills;
  }

  /** See VenuePort.fetchTicker. */
  async fetchTicker(symbol: string): Promise<Ticker> {
    const ticker = await this.#gate.call('read', `fetchTicker ${symbol}`, 'normal', () =>
      this.#ex.fetchTicker(symbol),
    );
    return toTicker(symbol, ticker);
  }

  /** The account's balances, exact. A signed call: also proves the API key pair works. */
  async fetchBalance(): Promise<Record<string, VenueBalance>> {
    return toBalances(await this.#gate.call('read', 'fetchBalance', 'normal', () => this.#ex.fetchBalance()));
  }

  /** See VenuePort.subscribe. The user-data stream runs while anyone listens (see UserFeed). */
  subscribe(listener: VenueListener): () => void {
    if (this.#closed) return () => {};
    return this.#feed.subscribe(listener);
  }

  /** See VenuePort.streamLive: the user-data stream is subscribed and has not gone down since. */
  streamLive(): boolean {
    return !this.#closed && this.#feed.live;
  }

  /** See VenuePort.close: stops the stream and closes every connection of the client. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#feed.close();
    this.#gate.close();
    await this.#ex.close().catch(() => {});
  }
}
