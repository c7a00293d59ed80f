import type { Order } from 'ccxt';
import { describeError } from '../../domain/errors.js';
import { VenueError } from '../venue.js';
import type { OrderRef, VenueOrder } from '../venue.js';
import { toVenueOrder } from './parse.js';

/** How many venue order ids the index remembers (oldest forgotten first). */
const MAX_IDS = 20_000;

/**
 * What this process has seen of the account's orders: venue order id -> clientOrderId (Binance's REST
 * trades carry only the order id) and the orders last seen open (whose fate a gap-fill must learn).
 * A cache only: losing it (a restart) costs lookups, never correctness.
 */
export class OrderIndex {
  readonly #ids = new Map<string, string>();
  readonly #open = new Map<string, OrderRef>();

  /**
   * Converts a ccxt order of a reply into our view and records it; an unreadable one is an unknown
   * outcome (`venueId` and `what` name the call in the error).
   */
  remember(order: Order, venueId: string, what: string): VenueOrder {
    let view: VenueOrder;
    try {
      view = toVenueOrder(order);
    } catch (err) {
      throw new VenueError('unknown', `${venueId} ${what}: unreadable reply: ${describeError(err)}`, {
        cause: err,
      });
    }
    this.record(view);
    return view;
  }

  /** Records the latest view of an order. */
  record(order: VenueOrder): void {
    this.#ids.delete(order.venueOrderId);
    this.#ids.set(order.venueOrderId, order.clientOrderId);
    if (this.#ids.size > MAX_IDS) this.#ids.delete(this.#ids.keys().next().value!);
    if (order.status === 'open' || order.status === 'partiallyFilled') {
      this.#open.set(order.clientOrderId, {
        clientOrderId: order.clientOrderId,
        symbol: order.symbol,
        venueOrderId: order.venueOrderId,
      });
    } else {
      this.#open.delete(order.clientOrderId);
    }
  }

  /** The clientOrderId of a venue order id, if seen. */
  clientOrderIdOf(venueOrderId: string): string | undefined {
    return this.#ids.get(venueOrderId);
  }

  /** Orders of `symbol` last seen open. */
  openRefs(symbol: string): OrderRef[] {
    return [...this.#open.values()].filter((r) => r.symbol === symbol);
  }
}
