import { VenueError } from '../adapters/venue.js';
import type { Clock } from '../domain/clock.js';
import { sleep } from '../domain/clock.js';

/**
 * Retries a venue READ (never a write) that failed for a reason worth retrying: an unknown outcome
 * (network), or rate limiting (after its Retry-After). Backs off exponentially; rethrows the last error.
 */
export async function retryRead<T>(
  clock: Clock,
  read: () => Promise<T>,
  attempts = 6,
  baseMs = 100,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (err) {
      const retryable = !(err instanceof VenueError) || err.kind === 'unknown' || err.kind === 'rateLimited';
      if (!retryable || attempt >= attempts) throw err;
      const wait =
        err instanceof VenueError && err.retryAfterMs !== undefined
          ? err.retryAfterMs
          : baseMs * 2 ** (attempt - 1);
      await sleep(clock, wait);
    }
  }
}
