import type { VenuePort } from '../domain/venue-port.js';
import type { Clock } from '../domain/clock.js';
import { describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { EngineStore } from '../persistence/engine-store.js';
import type { OrderToSettle } from '../persistence/ledger-queries.js';
import type { DurableRuntime } from '../runtime/durable-runtime.js';
import { settleContested } from './contested-fills.js';
import { onOrderUpdate } from './on-order-update.js';
import { WatchedConditions } from './watched-conditions.js';

/** Orders settled per pass at most (each costs one trade request). */
const MAX_ORDERS_PER_PASS = 20;

/** What the settler works with. */
export interface SettleDeps {
  venue: VenuePort;
  runtime: DurableRuntime;
  store: EngineStore;
  clock: Clock;
  logger: Logger;
  /** Least time between two warnings about one order's gap (default 60 s). */
  repeatMs?: number;
}

/**
 * Settles the fills of orders whose venue-reported filled quantity runs ahead of the ledger (a trade the
 * stream lost and the venue's trade list does not show, or not yet), and decides contested fills (a
 * reused trade id). Each pass fetches those orders' trades and applies what is new; an order whose gap
 * survives a fetch in two passes in a row is warned about (FILL_GAP) until it closes. The gap is in the
 * orders projection, so it is remembered across restarts and kept being worked on.
 */
export class FillSettler {
  /** Orders with a gap, by clientOrderId. */
  readonly #gaps: WatchedConditions;

  constructor(private readonly deps: SettleDeps) {
    this.#gaps = new WatchedConditions(deps.clock, { confirmAfter: 2, repeatMs: deps.repeatMs ?? 60_000 });
  }

  /** One pass over the orders to settle. */
  async pass(): Promise<void> {
    const { store, venue } = this.deps;
    const orders = (await store.ledger.ordersToSettle(venue.id)).slice(0, MAX_ORDERS_PER_PASS);
    const listed = new Set(orders.map((o) => o.clientOrderId));
    for (const id of this.#gaps.keys()) if (!listed.has(id)) this.closed(id); // filled in by other means
    for (const order of orders) await this.settle(order);
  }

  private closed(clientOrderId: string): void {
    if (this.#gaps.ended(clientOrderId) !== null) this.deps.logger.info({ clientOrderId }, 'fill gap closed');
  }

  private async settle(order: OrderToSettle): Promise<void> {
    const { venue, runtime, store, logger } = this.deps;
    const id = order.clientOrderId;
    let fetchError: string | null = null;
    if (order.venueOrderId !== null) {
      const ref = { clientOrderId: id, symbol: order.symbol, venueOrderId: order.venueOrderId };
      try {
        const fills = await venue.fetchOrderTrades(ref);
        await Promise.all(
          fills.map((fill) => runtime.enqueue(onOrderUpdate(venue.id, store, { kind: 'fill', fill }))),
        );
      } catch (err) {
        fetchError = describeError(err);
      }
    }
    await runtime.enqueue(settleContested(venue.id, store, id));
    const gap = await store.ledger.fillGapOf(id);
    if (gap === null || gap === undefined) return this.closed(id);
    const due = this.#gaps.holds(id);
    if (due === null) return;
    logger.warn(
      {
        code: 'FILL_GAP',
        clientOrderId: id,
        symbol: order.symbol,
        venueOrderId: order.venueOrderId,
        state: order.state,
        missingQuantity: gap,
        gapForMs: due.forMs,
        ...(fetchError !== null && { err: fetchError }),
      },
      'the venue reports more filled than the ledger holds, and the missing trades cannot be fetched yet; retrying',
    );
  }
}
