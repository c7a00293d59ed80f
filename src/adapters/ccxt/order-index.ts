import type { VenueFill } from '../venue.js';
import { VenueError } from '../venue.js';

/** How many venue order ids the index remembers (oldest forgotten first). */
const MAX_IDS = 20_000;

/** Asks the venue for an order's clientOrderId by its venue id (a REST lookup). */
export type ClientOrderIdLookup = (symbol: string, venueOrderId: string) => Promise<string>;

/**
 * The one place that maps a venue order id to our clientOrderId (Binance's REST trades carry only the
 * order id): from the orders this process has seen (replies and stream updates), else by asking the
 * venue. Every fill leaves the adapter with its clientOrderId when the venue has one, so the engine never
 * maps ids itself. The venue is asked rather than the engine's orders table because an order whose place
 * reply was lost has no venue id there yet, while the venue knows it. The memory is a cache only: losing
 * it (a restart) costs lookups, never correctness.
 */
export class OrderIndex {
  readonly #ids = new Map<string, string>();

  constructor(private readonly lookup: ClientOrderIdLookup) {}

  /** Records that venue order `venueOrderId` is our `clientOrderId`. */
  note(venueOrderId: string, clientOrderId: string): void {
    this.#ids.delete(venueOrderId);
    this.#ids.set(venueOrderId, clientOrderId);
    if (this.#ids.size > MAX_IDS) this.#ids.delete(this.#ids.keys().next().value!);
  }

  /**
   * The fill with its clientOrderId filled in when it has none: from memory, else from the venue. An order
   * the venue does not know leaves it null (an order placed elsewhere); any other failure rejects (the
   * caller's read failed, and is tried again), so a fill never leaves unresolved by accident.
   */
  async resolve(fill: VenueFill): Promise<VenueFill> {
    if (fill.clientOrderId !== null) return fill;
    let clientOrderId = this.#ids.get(fill.venueOrderId) ?? null;
    if (clientOrderId === null) {
      try {
        clientOrderId = await this.lookup(fill.symbol, fill.venueOrderId);
        this.note(fill.venueOrderId, clientOrderId);
      } catch (err) {
        if (!(err instanceof VenueError) || err.kind !== 'notFound') throw err;
      }
    }
    fill.clientOrderId = clientOrderId;
    return fill;
  }
}
