import type { Exchange, Order, Trade } from 'ccxt';
import type { Clock } from '../../domain/clock.js';
import { describeError } from '../../domain/errors.js';
import type { Logger } from '../../domain/logger.js';
import { Rng } from '../paper/rng.js';
import type { OrderRef, VenueEvent, VenueFill, VenueListener, VenueOrder } from '../venue.js';
import type { OrderIndex } from './order-index.js';
import { toVenueFill, toVenueOrder } from './parse.js';
import { logStreamStatus, UserStream } from './streams.js';

/** How many delivered trade ids a feed remembers. */
const MAX_REMEMBERED = 10_000;

/** The REST reads a gap-fill uses (the venue's own, so they share its budget and error mapping). */
export interface FeedReads {
  fetchMyTrades(symbol: string, sinceMs: number): Promise<VenueFill[]>;
  fetchOpenOrders(symbol: string): Promise<VenueOrder[]>;
  fetchOrder(ref: OrderRef): Promise<VenueOrder | null>;
}

/** Configuration of a UserFeed. */
export interface UserFeedOptions {
  exchange: Exchange;
  venueId: string;
  clock: Clock;
  logger: Logger;
  /** Seeds the reconnect jitter. */
  seed: number;
  redact: (text: string) => string;
  /** Shared with the venue: what this process has seen of the account's orders. */
  index: OrderIndex;
  /** Symbols to gap-fill (the engine's, plus any the venue placed orders in). */
  symbols: ReadonlySet<string>;
  reads: FeedReads;
  /** The quote currency of a symbol (fee currency fallback). */
  quoteOf: (symbol: string) => string;
  backoffMs?: { min: number; max: number } | undefined;
}

/**
 * Pushes the account's order updates and fills to the venue's listeners: ccxt.pro's watchOrders and
 * watchMyTrades through a UserStream (reconnect + REST gap-fill after every subscription). Each update is
 * converted at once into a new plain object (ccxt mutates its cached results in place) and every listener
 * gets its own structuredClone. The stream runs while anyone listens.
 */
export class UserFeed {
  readonly #o: UserFeedOptions;
  readonly #listeners = new Set<VenueListener>();
  readonly #stream: UserStream;
  /** Trade ids delivered lately (bounded): a gap-filled fill not among them was missed by the stream. */
  readonly #delivered = new Set<string>();

  constructor(options: UserFeedOptions) {
    this.#o = options;
    const ex = options.exchange;
    this.#stream = new UserStream({
      source: {
        connect: () => this.#connect(),
        watchOrders: () => ex.watchOrders(),
        watchMyTrades: () => ex.watchMyTrades(),
        drop: () => this.#drop(),
      },
      clock: options.clock,
      rng: new Rng(options.seed),
      onOrders: (orders) => this.#deliverOrders(orders),
      onTrades: (trades) => this.#deliverTrades(trades),
      gapFill: (since) => this.#gapFill(since),
      onStatus: (s) => logStreamStatus(options.logger, options.venueId, s, options.redact),
      minBackoffMs: options.backoffMs?.min ?? 100,
      maxBackoffMs: options.backoffMs?.max ?? 5000,
    });
  }

  /** Adds a listener (starting the stream); returns its unsubscribe (the last one stops the stream). */
  subscribe(listener: VenueListener): () => void {
    this.#listeners.add(listener);
    this.#stream.start();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) void this.#stream.stop();
    };
  }

  /** Stops the stream and drops its connection. */
  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#stream.stop();
  }

  /** Binance: subscribe the WS API user-data stream first, alone (concurrent first watchers hang on refusal). */
  async #connect(): Promise<void> {
    const ex = this.#o.exchange as unknown as { id: string; authenticate?: (p: object) => Promise<unknown> };
    if (ex.id === 'binance' && typeof ex.authenticate === 'function') {
      await ex.authenticate({ type: 'spot' });
    }
  }

  /** Closes every WebSocket of the client: pending watches reject, the next watch dials again. */
  async #drop(): Promise<void> {
    const clients = (this.#o.exchange as unknown as { clients?: Record<string, unknown> }).clients ?? {};
    for (const client of Object.values(clients)) {
      try {
        await (client as { close?: () => Promise<unknown> | void }).close?.();
      } catch {
        // already closed
      }
    }
  }

  #emit(event: VenueEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(structuredClone(event));
      } catch (err) {
        this.#o.logger.error({ venue: this.#o.venueId, err: describeError(err) }, 'venue listener failed');
      }
    }
  }

  #deliverOrders(orders: Order[]): void {
    for (const order of orders) {
      try {
        const view = toVenueOrder(order);
        this.#o.index.record(view);
        this.#emit({ kind: 'order', order: view });
      } catch (err) {
        this.#o.logger.warn(
          { venue: this.#o.venueId, err: describeError(err) },
          'unreadable order update ignored',
        );
      }
    }
  }

  #deliverTrades(trades: Trade[]): void {
    for (const trade of trades) {
      try {
        const fill = toVenueFill(trade, this.#o.quoteOf(trade.symbol ?? ''));
        fill.clientOrderId ??= this.#o.index.clientOrderIdOf(fill.venueOrderId) ?? null;
        this.#remember(fill.tradeId);
        this.#emit({ kind: 'fill', fill });
      } catch (err) {
        this.#o.logger.warn(
          { venue: this.#o.venueId, err: describeError(err) },
          'unreadable trade update ignored',
        );
      }
    }
  }

  /**
   * After a (re)subscription: fills since `since`, open orders, and the fate of orders last seen open.
   * Counts the fills the stream had not delivered (`missedFills`): proof that the gap-fill mattered.
   */
  async #gapFill(since: number): Promise<Record<string, number>> {
    const { reads, index } = this.#o;
    const counts = { fills: 0, missedFills: 0, orders: 0 };
    for (const symbol of [...this.#o.symbols]) {
      for (const fill of await reads.fetchMyTrades(symbol, since)) {
        counts.fills += 1;
        if (!this.#delivered.has(fill.tradeId)) counts.missedFills += 1;
        this.#remember(fill.tradeId);
        this.#emit({ kind: 'fill', fill });
      }
      const open = await reads.fetchOpenOrders(symbol);
      const found = [...open];
      const listed = new Set(open.map((o) => o.clientOrderId));
      for (const ref of index.openRefs(symbol)) {
        if (listed.has(ref.clientOrderId)) continue;
        const order = await reads.fetchOrder(ref);
        if (order !== null) found.push(order);
      }
      for (const order of found) this.#emit({ kind: 'order', order });
      counts.orders += found.length;
    }
    return counts;
  }

  #remember(tradeId: string): void {
    this.#delivered.add(tradeId);
    if (this.#delivered.size > MAX_REMEMBERED) this.#delivered.delete(this.#delivered.values().next().value!);
  }
}
