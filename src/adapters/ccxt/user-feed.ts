import type { Exchange, Order, Trade } from 'ccxt';
import type { Clock } from '../../domain/clock.js';
import { describeError, ValidationError } from '../../domain/errors.js';
import type { Logger } from '../../domain/logger.js';
import { Rng } from '../paper/rng.js';
import { clientOrderIdIn } from '../venue.js';
import type { VenueEvent, VenueFill, VenueListener } from '../venue.js';
import type { OrderIndex } from './order-index.js';
import { toVenueFill, toVenueOrder } from './parse.js';
import { guardPushedFrames } from './pushed-frames.js';
import { logStreamStatus, UserStream } from './streams.js';

/** Configuration of a UserFeed. */
export interface UserFeedOptions {
  exchange: Exchange;
  venueId: string;
  clock: Clock;
  logger: Logger;
  /** Seeds the reconnect jitter. */
  seed: number;
  redact: (text: string) => string;
  /** Shared with the venue: venue order id -> clientOrderId. */
  index: OrderIndex;
  /** The quote currency of a symbol (fee currency fallback). */
  quoteOf: (symbol: string) => string;
  backoffMs?: { min: number; max: number } | undefined;
}

/**
 * Pushes the account's order updates and fills to the venue's listeners: ccxt.pro's watchOrders and
 * watchMyTrades through a UserStream (reconnecting by itself), and `subscribed` after every
 * (re)subscription, so the listener fetches what the stream may have missed meanwhile. Each update is
 * converted and validated at once into a new plain object (ccxt mutates its cached results in place); a
 * malformed one is logged, naming the field, and dropped. Every listener gets its own structuredClone.
 * The stream runs while anyone listens.
 */
export class UserFeed {
  readonly #o: UserFeedOptions;
  readonly #listeners = new Set<VenueListener>();
  readonly #stream: UserStream;
  #live = false;

  constructor(options: UserFeedOptions) {
    this.#o = options;
    const ex = options.exchange;
    guardPushedFrames(
      ex,
      (problem, frame) =>
        this.#refused('unreadable pushed message', problem, { clientOrderId: namedIn(frame) }),
      (line) => options.logger.debug({ venue: options.venueId, line: options.redact(line) }, 'ccxt client'),
    );
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
      onSubscribed: (reconnect) => {
        this.#live = true;
        this.#emit({ kind: 'subscribed', reconnect });
      },
      onStatus: (s) => {
        if (s.kind === 'disconnected') this.#live = false;
        logStreamStatus(options.logger, options.venueId, s, options.redact);
      },
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
      if (this.#listeners.size === 0) {
        this.#live = false;
        void this.#stream.stop();
      }
    };
  }

  /** True from a (re)subscription until the stream next goes down or stops. */
  get live(): boolean {
    return this.#live;
  }

  /** Stops the stream and drops its connection. */
  async close(): Promise<void> {
    this.#listeners.clear();
    this.#live = false;
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
        this.#o.logger.error(
          { code: 'VENUE_LISTENER_FAILED', venue: this.#o.venueId, err: describeError(err) },
          'venue listener failed',
        );
      }
    }
  }

  /**
   * A pushed update that cannot cross the port: logged (naming the field) and told to the listeners as a
   * refusal naming the order when the payload names one, never passed on as a guess.
   */
  #refused(what: string, err: unknown, raw: unknown): void {
    const field = err instanceof ValidationError ? err.field : null;
    this.#o.logger.warn(
      { code: 'VENUE_UPDATE_MALFORMED', venue: this.#o.venueId, field, err: describeError(err) },
      `${what} ignored`,
    );
    this.#emit({
      kind: 'refused',
      reason: `${what}: ${describeError(err)}`,
      field,
      clientOrderId: clientOrderIdIn(raw),
    });
  }

  #deliverOrders(orders: Order[]): void {
    for (const order of orders) {
      try {
        const view = toVenueOrder(order);
        this.#o.index.note(view.venueOrderId, view.clientOrderId);
        this.#emit({ kind: 'order', order: view });
      } catch (err) {
        this.#refused('malformed order update', err, order);
      }
    }
  }

  #deliverTrades(trades: Trade[]): void {
    for (const trade of trades) {
      let fill: VenueFill;
      try {
        fill = toVenueFill(trade, this.#o.quoteOf(trade.symbol ?? ''));
      } catch (err) {
        this.#refused('malformed trade update', err, trade);
        continue;
      }
      if (fill.clientOrderId !== null) {
        this.#emit({ kind: 'fill', fill });
        continue;
      }
      // Binance's executionReports name the order; a stream that does not is resolved like a REST trade.
      // Unresolved, the fill is dropped: the engine's gap-fill fetches it again (pushed fills move no cursor).
      this.#o.index.resolve(fill).then(
        (resolved) => this.#emit({ kind: 'fill', fill: resolved }),
        (err: unknown) => this.#refused('trade update without its order', err, trade),
      );
    }
  }
}

/** The clientOrderId an unreadable frame's executionReport names (`event.c`), if any. */
function namedIn(frame: unknown): unknown {
  return ((frame as { event?: { c?: unknown } } | null)?.event ?? null)?.c;
}
