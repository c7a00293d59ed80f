import type { Clock } from '../../domain/clock.js';
import type { RequestBudget } from '../../domain/request-budget.js';
import type { PaperVenueStore } from '../../persistence/venues/paper-venue-store.js';
import { VenueError } from '../venue.js';
import type { CallFaults } from './fault-plan.js';
import type { SimulatedNetwork } from './network.js';
import type { Processed } from './request-outcome.js';

/** A kind of call, as the request log and the network's fault plan name it. */
export type CallKind =
  'place' | 'cancel' | 'fetchOrder' | 'fetchOpenOrders' | 'fetchMyTrades' | 'fetchTicker' | 'loadMarkets';

/**
 * How a request reaches the paper venue and its reply comes back: a token of the request budget, the
 * simulated network's round trip, and the venue side in one transaction with its request log row.
 */
export class PaperCalls {
  readonly #id: string;
  readonly #store: PaperVenueStore;
  readonly #clock: Clock;
  readonly #net: SimulatedNetwork;
  readonly #budget: RequestBudget | null;

  constructor(o: {
    id: string;
    store: PaperVenueStore;
    clock: Clock;
    net: SimulatedNetwork;
    budget: RequestBudget | null;
  }) {
    this.#id = o.id;
    this.#store = o.store;
    this.#clock = o.clock;
    this.#net = o.net;
    this.#budget = o.budget;
  }

  /** Sends one request through the simulated network; the venue side runs in one transaction. */
  async call<T>(
    kind: CallKind,
    clientOrderId: string | null,
    atVenue: (sentAt: number, faults: CallFaults) => Processed<T>,
  ): Promise<T> {
    // The request window counts from here, so waiting for the budget is part of it.
    const sentAt = this.#clock.now();
    if (this.#budget !== null) await this.#take(this.#budget, kind);
    const log = (outcome: string, detail: string | null, replyLost: boolean): void =>
      this.#store.logRequest({ kind, clientOrderId, outcome, detail, replyLost, at: this.#clock.now() });
    const result = await this.#net.roundTrip(
      kind,
      (faults) => {
        const r = this.#store.transaction(() => {
          const r = atVenue(sentAt, faults);
          log(r.outcome, r.ok ? (r.detail ?? null) : r.error.message, faults.timeoutAfterAccept);
          return r;
        });
        if (r.ok && r.events) this.#net.updates.emit(r.events);
        return r;
      },
      () => log('failedBeforeVenue', null, false),
    );
    if (!result.ok) throw result.error;
    return result.value;
  }

  /** A token of the budget for one call; a place that cannot have one soon is refused unsent. */
  async #take(budget: RequestBudget, kind: CallKind): Promise<void> {
    if (kind !== 'place') return budget.take(kind === 'cancel' || kind === 'fetchOrder' ? 'high' : 'normal');
    const wait = await budget.takeWithin();
    if (wait > 0) {
      throw new VenueError('rateLimited', `${this.#id} place: request budget exhausted, not sent`, {
        retryAfterMs: wait,
      });
    }
  }
}
