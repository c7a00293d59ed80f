import type { Order, Trade } from 'ccxt';
import type { Clock } from '../../domain/clock.js';
import { describeError } from '../../domain/errors.js';
import type { Logger } from '../../domain/logger.js';
import type { Rng } from '../paper/rng.js';

/** One connection's lifetime within a run. */
type Session = { over: boolean; run: { on: boolean } };

/** A session that lasted this long resets the reconnect backoff. */
const STABLE_SESSION_MS = 10_000;

/** The ccxt.pro calls a user stream needs (see CcxtVenue for the real one). */
export interface StreamSource {
  /** Dials and subscribes the account's user-data stream; resolves once the venue confirmed it. */
  connect(): Promise<void>;
  /** ccxt's watchOrders: resolves with the orders updated since the last call. */
  watchOrders(): Promise<Order[]>;
  /** ccxt's watchMyTrades: resolves with the trades since the last call. */
  watchMyTrades(): Promise<Trade[]>;
  /** Closes the stream's connection, so every pending watch rejects and the next call dials again. */
  drop(): Promise<void>;
}

/** What a stream reports, for logging. */
export type StreamStatus =
  { kind: 'connected'; reconnect: boolean } | { kind: 'disconnected'; error: unknown; retryInMs: number };

/** Configuration of a UserStream. */
export interface UserStreamOptions {
  source: StreamSource;
  clock: Clock;
  /** Jitter of the reconnect backoff (seeded). */
  rng: Rng;
  /** Called synchronously with each batch of order updates (convert them at once: ccxt reuses the objects). */
  onOrders: (orders: Order[]) => void;
  /** Called synchronously with each batch of trades. */
  onTrades: (trades: Trade[]) => void;
  /**
   * Called after every (re)subscription, once the watch loops run: whatever happened while the stream was
   * down was not pushed, and the listener must fetch it (the engine's gap-fill does).
   */
  onSubscribed: (reconnect: boolean) => void;
  onStatus?: (status: StreamStatus) => void;
  /** Reconnect backoff, ms (default 100 .. 5000, doubling). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * The account's user-data stream with reconnect. One supervisor loop: subscribe, run the watchOrders and
 * watchMyTrades loops on the shared connection and say so (`onSubscribed`, after every subscription: the
 * listener fetches what the stream may have missed). Any stream error drops the connection, waits
 * (exponential backoff with seeded jitter) and starts over. Every watch promise is observed at once: none
 * can become an unhandled rejection.
 */
export class UserStream {
  readonly #o: Required<Omit<UserStreamOptions, 'onStatus'>> & Pick<UserStreamOptions, 'onStatus'>;
  /** The current run; stop() turns it off, and a later start() makes a new one (old loops see theirs off). */
  #run = { on: false };
  #loop: Promise<void> = Promise.resolve();
  readonly #wakers = new Set<() => void>();

  constructor(options: UserStreamOptions) {
    this.#o = {
      minBackoffMs: 100,
      maxBackoffMs: 5000,
      ...options,
    };
  }

  /** Starts streaming. */
  start(): void {
    if (this.#run.on) return;
    const run = { on: true };
    this.#run = run;
    this.#loop = this.#supervise(run);
  }

  /** Stops streaming and closes the connection. */
  async stop(): Promise<void> {
    if (!this.#run.on) return;
    this.#run.on = false;
    for (const wake of [...this.#wakers]) wake();
    await this.#o.source.drop().catch(() => {});
    await this.#loop;
  }

  async #supervise(run: { on: boolean }): Promise<void> {
    let failures = 0;
    let connectedBefore = false;
    while (run.on) {
      let error: unknown = null;
      try {
        await observed(this.#o.source.connect());
        if (!run.on) break;
        this.#o.onStatus?.({ kind: 'connected', reconnect: connectedBefore });
        const reconnect = connectedBefore;
        connectedBefore = true;
        const connectedAt = this.#o.clock.now();
        // Both loops run on the one connection; the first error ends it.
        const session = { over: false, run };
        const loops = [
          this.#pump(session, () => this.#o.source.watchOrders(), this.#o.onOrders),
          this.#pump(session, () => this.#o.source.watchMyTrades(), this.#o.onTrades),
        ];
        this.#o.onSubscribed(reconnect);
        error = await Promise.race(loops);
        session.over = true;
        // Only a session that lasted resets the backoff: a venue that accepts then drops is not hammered.
        if (this.#o.clock.now() - connectedAt >= STABLE_SESSION_MS) failures = 0;
        await this.#o.source.drop().catch(() => {});
        await Promise.allSettled(loops);
      } catch (err) {
        error = err;
        await this.#o.source.drop().catch(() => {});
      }
      if (!run.on) break;
      failures += 1;
      const retryInMs = this.#backoff(failures);
      this.#o.onStatus?.({ kind: 'disconnected', error, retryInMs });
      await this.#pause(retryInMs);
    }
  }

  /** Runs one watch loop until it fails; resolves with the error (never rejects). */
  async #pump<T>(session: Session, watch: () => Promise<T[]>, deliver: (items: T[]) => void) {
    while (session.run.on && !session.over) {
      let items: T[];
      try {
        items = await observed(watch());
      } catch (err) {
        return err;
      }
      if (session.over) return null;
      deliver(items);
    }
    return null;
  }

  #backoff(failures: number): number {
    const base = Math.min(this.#o.maxBackoffMs, this.#o.minBackoffMs * 2 ** Math.min(failures - 1, 16));
    return Math.round(base / 2 + this.#o.rng.next() * (base / 2));
  }

  #pause(ms: number): Promise<void> {
    if (!this.#run.on) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#o.clock.clearTimeout(handle);
        this.#wakers.delete(wake);
        resolve();
      };
      const handle = this.#o.clock.setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }
}

/** Attaches a handler at once, so a rejection while nobody awaits it is never "unhandled". */
function observed<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** Logs a stream status change (errors redacted: they may quote a request). */
export function logStreamStatus(
  log: Logger,
  venue: string,
  status: StreamStatus,
  redact: (text: string) => string,
): void {
  switch (status.kind) {
    case 'connected':
      log.info({ venue, reconnect: status.reconnect }, 'user-data stream subscribed');
      return;
    case 'disconnected':
      log.warn(
        {
          code: 'VENUE_STREAM_DOWN',
          venue,
          err: redact(describeError(status.error)),
          retryInMs: status.retryInMs,
        },
        'user-data stream down; reconnecting',
      );
  }
}
