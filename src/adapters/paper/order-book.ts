import { Dec, fmt } from '../../domain/decimal.js';
import { extend } from '../../domain/extend.js';
import type { PaperVenueStore, StoredOrder } from '../../persistence/venues/paper-venue-store.js';
import type { OrderRef, PlaceOrderRequest, VenueFact, VenueFill, VenueOrder } from '../venue.js';
import { arrivalPrice, feeFor, matchResting } from './matching.js';
import type { ResolvedPaperMarket } from './price-feed.js';
import type { Rng } from './rng.js';

/** A stored order as the venue reports it (without the store's creation time). */
export const toVenueOrder = ({ createdAt: _createdAt, ...order }: StoredOrder): VenueOrder => order;

/** What the order book works on. */
export interface PaperOrderBookOptions {
  store: PaperVenueStore;
  markets: ReadonlyMap<string, ResolvedPaperMarket>;
  /** Maker fee in basis points, a validated decimal string. */
  makerBps: string;
  /** Taker fee in basis points, a validated decimal string. */
  takerBps: string;
}

/**
 * The paper venue's orders and trades in its store: finding, opening, cancelling and filling orders
 * (prices and fill sizes come from matching.ts). Every method runs inside the caller's transaction and
 * returns the updates to push once it commits.
 */
export class PaperOrderBook {
  readonly #store: PaperVenueStore;
  readonly #markets: ReadonlyMap<string, ResolvedPaperMarket>;
  readonly #makerBps: string;
  readonly #takerBps: string;

  constructor(o: PaperOrderBookOptions) {
    this.#store = o.store;
    this.#markets = o.markets;
    this.#makerBps = o.makerBps;
    this.#takerBps = o.takerBps;
  }

  /** The order `ref` names (by venueOrderId, else the latest with its clientOrderId) on its symbol. */
  find(ref: OrderRef): StoredOrder | undefined {
    const order =
      ref.venueOrderId != null
        ? this.#store.order(ref.venueOrderId)
        : this.#store.latestOrderByClientId(ref.clientOrderId);
    return order && order.symbol === ref.symbol ? order : undefined;
  }

  /**
   * Opens a validated order at `now`; one that crosses `quote` on arrival fills completely as taker.
   * Returns the order as it stands and its updates.
   */
  open(
    request: PlaceOrderRequest,
    quote: { bid: string; ask: string },
    now: number,
  ): { order: VenueOrder; events: VenueFact[] } {
    const price =
      request.type === 'limit' && request.price !== undefined ? fmt(new Dec(request.price)) : null;
    const base = { symbol: request.symbol, side: request.side, type: request.type, price };
    let order = this.#store.insertOrder({
      clientOrderId: request.clientOrderId,
      quantity: fmt(new Dec(request.quantity)),
      filledQuantity: '0',
      status: 'open',
      createdAt: now,
      updatedAt: now,
      ...base,
    });
    const events: VenueFact[] = [{ kind: 'order', order: toVenueOrder(order) }];
    const takerPrice = arrivalPrice(base, quote);
    if (takerPrice !== null) {
      const fill = this.#fill(order, takerPrice, order.quantity, 'taker', now);
      order = this.#store.updateOrder(order.venueOrderId, order.quantity, 'filled', now);
      events.push({ kind: 'fill', fill }, { kind: 'order', order: toVenueOrder(order) });
    }
    return { order: toVenueOrder(order), events };
  }

  /** Cancels a working order at `now`, keeping what it filled. */
  cancel(order: StoredOrder, now: number): VenueOrder {
    return toVenueOrder(this.#store.updateOrder(order.venueOrderId, order.filledQuantity, 'cancelled', now));
  }

  /** Fills crossed resting orders of `symbol` at `mid` (inside the feed's tick transaction). */
  matchResting(symbol: string, mid: string, rng: Rng, now: number): VenueFact[] {
    const m = this.#markets.get(symbol);
    if (!m) return [];
    const events: VenueFact[] = [];
    const open = this.#store.crossingCandidates(symbol, mid);
    const byId = new Map(open.map((o) => [o.venueOrderId, o]));
    const resting = open.flatMap((o) => (o.price === null ? [] : [extend(o, { price: o.price })]));
    for (const f of matchResting(mid, resting, m.market.stepSize, rng)) {
      const order = byId.get(f.venueOrderId);
      if (!order) continue;
      const fill = this.#fill(order, f.price, f.quantity, 'maker', now);
      const filled = fmt(new Dec(order.filledQuantity).plus(f.quantity));
      const status = new Dec(filled).eq(order.quantity) ? 'filled' : 'partiallyFilled';
      const updated = toVenueOrder(this.#store.updateOrder(order.venueOrderId, filled, status, now));
      events.push({ kind: 'fill', fill }, { kind: 'order', order: updated });
    }
    return events;
  }

  /** Records one trade of `order`. */
  #fill(
    order: StoredOrder,
    price: string,
    quantity: string,
    liquidity: 'maker' | 'taker',
    at: number,
  ): VenueFill {
    const m = this.#markets.get(order.symbol);
    if (!m) throw new Error(`paper venue: unknown symbol ${order.symbol}`);
    const fee = feeFor(price, quantity, liquidity === 'maker' ? this.#makerBps : this.#takerBps);
    return this.#store.insertTrade({
      clientOrderId: order.clientOrderId,
      venueOrderId: order.venueOrderId,
      symbol: order.symbol,
      side: order.side,
      price,
      quantity,
      fee,
      feeCurrency: m.market.quote,
      liquidity,
      at,
    });
  }
}
