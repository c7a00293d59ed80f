import { SteadfastError } from './errors.js';

/**
 * How a failed venue call ended, which decides what the order machine does next:
 * - `rejected`: the venue definitely refused it (nothing happened there);
 * - `unknown`: it may or may not have happened (timeout, network error, 5xx, unexpected reply);
 * - `notFound`: the venue does not know the order;
 * - `duplicate`: the venue already has an order with this clientOrderId;
 * - `rateLimited`: refused before processing; safe to retry after `retryAfterMs`.
 */
export type VenueErrorKind = 'rejected' | 'unknown' | 'notFound' | 'duplicate' | 'rateLimited';

const CODES = {
  rejected: 'VENUE_REJECTED',
  unknown: 'VENUE_UNKNOWN_OUTCOME',
  notFound: 'VENUE_NOT_FOUND',
  duplicate: 'VENUE_DUPLICATE_ORDER',
  rateLimited: 'VENUE_RATE_LIMITED',
} as const;

/** An error from a venue call, classified by what it proves about the call's outcome. */
export class VenueError extends SteadfastError {
  /** What the failure proves; see VenueErrorKind. */
  readonly kind: VenueErrorKind;
  /** For `rateLimited`: how long to wait before retrying. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: VenueErrorKind,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(CODES[kind], message, {
      cause: options.cause,
      retryable: kind === 'unknown' || kind === 'rateLimited',
    });
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
  }
}
