import type { Exchange, Order, Trade } from 'ccxt';
import { describeError } from '../../domain/errors.js';
import { VenueError } from '../venue.js';
import type { VenueFill, VenueOrder } from '../venue.js';
import { OrderIndex } from './order-index.js';
import { toVenueFill, toVenueOrder } from './parse.js';
import type { RestGate } from './rest-gate.js';

/**
 * Reads the venue's replies: every order and trade is validated (parse.ts), and every order's ids are
 * remembered in the venue's OrderIndex, which asks the venue for the clientOrderId of an order it has
 * not seen.
 */
export class ReplyReader {
  /** The venue's map from venue order ids to clientOrderIds. */
  readonly index: OrderIndex;
  readonly #venueId: string;
  readonly #ex: Exchange;
  readonly #gate: RestGate;

  constructor(venueId: string, exchange: Exchange, gate: RestGate) {
    this.#venueId = venueId;
    this.#ex = exchange;
    this.#gate = gate;
    this.index = new OrderIndex((symbol, venueOrderId) => this.#clientOrderIdOf(symbol, venueOrderId));
  }

  /**
   * An order of a reply, validated and its ids remembered. An unreadable one is an unknown outcome (the
   * venue may have acted on the request), naming the call and the field.
   */
  remember(order: Order, what: string): VenueOrder {
    const view = this.#readable(what, () => toVenueOrder(order));
    this.index.note(view.venueOrderId, view.clientOrderId);
    return view;
  }

  /** A trade of a reply, validated (see remember). */
  fill(trade: Trade, quote: string, what: string): VenueFill {
    return this.#readable(what, () => toVenueFill(trade, quote));
  }

  #readable<T>(what: string, convert: () => T): T {
    try {
      return convert();
    } catch (err) {
      throw new VenueError('unknown', `${this.#venueId} ${what}: unreadable reply: ${describeError(err)}`, {
        cause: err,
      });
    }
  }

  /** Asks the venue which clientOrderId its order `venueOrderId` has (OrderIndex's lookup). */
  async #clientOrderIdOf(symbol: string, venueOrderId: string): Promise<string> {
    const what = `fetchOrder #${venueOrderId} ${symbol}`;
    const order = await this.#gate.call('read', what, 'normal', () =>
      this.#ex.fetchOrder(venueOrderId, symbol),
    );
    return this.remember(order, what).clientOrderId;
  }
}
