import os from 'node:os';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { SteadfastError } from '../domain/errors.js';
import type { Database } from './schema.js';

/** A held single-writer lease. */
export interface Lease {
  name: string;
  owner: string;
  /** Fencing token: grows by one at every takeover. */
  token: number;
}

/** This process as a lease owner: `host:pid`. */
export function processOwner(): string {
  return `${os.hostname()}:${process.pid}`;
}

/**
 * Claims the lease `name` for `owner` so that two engines never trade one account from one database.
 * `locked`: the caller holds the database's writer lock (writer-lock.ts), which the kernel releases when
 * its holder exits: then no other engine on this database is alive and the lease is taken over at once,
 * whatever the row says (an engine killed with SIGKILL, even one not yet reaped by its parent). Without
 * the lock (an in-memory database, a PostgreSQL database) only the row's expiry decides: a lease that has not expired is refused
 * with DATABASE_LOCKED. Every claim bumps the fencing token.
 */
export async function claimLease(
  db: Kysely<Database>,
  name: string,
  owner: string,
  ttlMs: number,
  now: number,
  locked: boolean,
): Promise<Lease> {
  return db.transaction().execute(async (trx) => {
    // One statement decides and bumps the token, so claims racing on two connections (PostgreSQL) cannot
    // both win: the upsert locks the row, and the condition is checked on its latest committed version.
    const claimed = await trx
      .insertInto('leases')
      .values({ name, owner, token: 1, expires_at: now + ttlMs })
      .onConflict((oc) => {
        const update = oc
          .column('name')
          .doUpdateSet({ owner, token: sql<number>`leases.token + 1`, expires_at: now + ttlMs });
        return locked
          ? update
          : update.where((eb) => eb.or([eb('leases.owner', '=', owner), eb('leases.expires_at', '<=', now)]));
      })
      .returning('token')
      .executeTakeFirst();
    if (claimed !== undefined) return { name, owner, token: Number(claimed.token) };
    const held = await trx
      .selectFrom('leases')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    throw new SteadfastError(
      'DATABASE_LOCKED',
      `another engine (${held.owner}) holds this database's '${name}' lease until ${new Date(held.expires_at).toISOString()}`,
    );
  });
}

/** Extends a held lease; throws DATABASE_LOCKED if it was taken over (fenced out). */
export async function renewLease(
  db: Kysely<Database>,
  lease: Lease,
  ttlMs: number,
  now: number,
): Promise<void> {
  const result = await db
    .updateTable('leases')
    .set({ expires_at: now + ttlMs })
    .where('name', '=', lease.name)
    .where('owner', '=', lease.owner)
    .where('token', '=', lease.token)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new SteadfastError('DATABASE_LOCKED', `lease '${lease.name}' was taken over by another engine`);
  }
}

/**
 * Gives a lease up (graceful stop): it expires at once, so the next claim needs no wait. The row stays, with
 * its fencing token: the next holder's token must be newer than every token ever handed out, or a holder
 * fenced out long ago (paused, partitioned) could write again under a token given out anew.
 */
export async function releaseLease(db: Kysely<Database>, lease: Lease): Promise<void> {
  await db
    .updateTable('leases')
    .set({ expires_at: 0 })
    .where('name', '=', lease.name)
    .where('owner', '=', lease.owner)
    .where('token', '=', lease.token)
    .execute();
}

/** The leases that have not expired at `now` (engines holding them are presumed alive). */
export function claimedLeases(db: Kysely<Database>, now: number): Promise<Lease[]> {
  return db
    .selectFrom('leases')
    .select(['name', 'owner', 'token'])
    .where('expires_at', '>', now)
    .orderBy('name')
    .execute();
}

/** The lease `name` as stored (its holder, token and expiry), or undefined when nobody holds it. */
export async function leaseHolder(
  db: Kysely<Database>,
  name: string,
): Promise<{ owner: string; token: number; expiresAt: number } | undefined> {
  return db
    .selectFrom('leases')
    .select(['owner', 'token', 'expires_at as expiresAt'])
    .where('name', '=', name)
    .executeTakeFirst();
}
