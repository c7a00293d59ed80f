/**
 * The records of the paper venue's SQLite file (see paper-venue-store.ts). Decimals are decimal strings;
 * times are epoch ms; ids are the file's autoincrement integers as strings.
 */
import type { ClientOrderId, VenueOrder } from '../../domain/types.js';

/** An order row: the venue's view plus its creation time. */
export interface StoredOrder extends VenueOrder {
  createdAt: number;
}

/** Persisted state of one symbol's price walk. */
export interface StoredMarketState {
  symbol: string;
  price: string;
  rngState: number;
  tick: number;
  updatedAt: number;
}

/** One logged venue request. */
export interface StoredRequest {
  id: number;
  /** `place`, `cancel`, `fetchOrder`, `fetchOpenOrders`, `fetchMyTrades`, `fetchTicker`, `loadMarkets`. */
  kind: string;
  clientOrderId: ClientOrderId | null;
  /** `accepted`, `duplicate`, `rejected`, `expired`, `failedBeforeVenue`, `notFound`, `cancelled`, ... */
  outcome: string;
  /** Reason of a refusal, or other detail. */
  detail: string | null;
  /** True when the venue processed the call but the fault plan lost the reply (timeoutAfterAccept). */
  replyLost: boolean;
  at: number;
}

/** A new order to insert. */
export type NewOrder = Omit<StoredOrder, 'venueOrderId'>;
