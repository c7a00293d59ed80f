import type { Exchange } from 'ccxt';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../domain/logger.js';
import type { ApiCredentials } from './credentials.js';

/** Configuration of a CcxtVenue. */
export interface CcxtVenueOptions {
  /** The ccxt.pro client (see createCcxtClient). The venue owns it and closes it. */
  exchange: Exchange;
  /** Venue id: namespace of order and trade ids in the engine (default: the ccxt exchange id). */
  id?: string;
  credentials: ApiCredentials;
  clock: Clock;
  logger?: Logger;
  /** The venue's recvWindow, ms; the landing window adds a clock-skew margin and the place queue. */
  recvWindowMs: number;
  /** Per-venue request budget: every REST call of this process takes a token. */
  budget: { requestsPerSecond: number; burst: number };
  /** Seeds the reconnect jitter. */
  seed: number;
  /** Reconnect backoff bounds, ms. */
  backoffMs?: { min: number; max: number };
}
