import type { Clock } from '../domain/clock.js';
import { sleep } from '../domain/clock.js';
import { SteadfastError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { claimLease, leaseHolder } from '../persistence/lease.js';
import type { Lease } from '../persistence/lease.js';

/** A lease claimed, and what was known of its previous holder when it was taken over from a standby. */
export interface ClaimedLease {
  lease: Lease;
  /** Set when this process waited as a standby: when the previous holder last renewed the lease. */
  takeover: { previousOwner: string; lastRenewedAt: number } | null;
}

/** How a process claims the lease that makes it the writer of an account. */
export interface LeaseClaim {
  /** The engine database (as the lease functions take it). */
  db: Parameters<typeof claimLease>[0];
  name: string;
  owner: string;
  ttlMs: number;
  clock: Clock;
  logger: Logger;
  /** The caller holds the SQLite file's writer lock: the row's expiry does not matter. */
  locked: boolean;
  /** Wait as a hot standby while another live engine holds the lease (PostgreSQL); else refuse at once. */
  standby: boolean;
}

/**
 * Claims the lease. With `standby`, a lease another engine holds is waited for: the process logs whom it
 * waits for, checks again every third of the TTL, and claims the lease once its holder stopped renewing it
 * for a whole TTL (dead, paused, partitioned). Its fencing token then keeps the old holder from writing.
 */
export async function claimOrStandBy(claim: LeaseClaim): Promise<ClaimedLease> {
  const { db, name, owner, ttlMs, clock, logger } = claim;
  let waitingFor: string | null = null;
  let lastRenewedAt = 0;
  for (;;) {
    try {
      const lease = await claimLease(db, name, owner, ttlMs, clock.now(), claim.locked);
      const takeover = waitingFor === null ? null : { previousOwner: waitingFor, lastRenewedAt };
      return { lease, takeover };
    } catch (err) {
      if (!claim.standby || !(err instanceof SteadfastError) || err.code !== 'DATABASE_LOCKED') throw err;
    }
    const held = await leaseHolder(db, name);
    if (held !== undefined && held.owner !== waitingFor) {
      waitingFor = held.owner;
      logger.info(
        {
          lease: name,
          holder: held.owner,
          token: held.token,
          expiresAt: new Date(held.expiresAt).toISOString(),
        },
        'standby: another engine holds the lease; waiting to take over',
      );
    }
    if (held !== undefined) lastRenewedAt = held.expiresAt - ttlMs;
    await sleep(clock, Math.max(50, Math.floor(ttlMs / 3)));
  }
}
