import os from 'node:os';
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
 * the lock (an in-memory database) only the row's expiry decides: a lease that has not expired is refused
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
    const held = await trx.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
    if (!locked && held !== undefined && held.owner !== owner && held.expires_at > now) {
      throw new SteadfastError(
        'DATABASE_LOCKED',
        `another engine (${held.owner}) holds this database's '${name}' lease until ${new Date(held.expires_at).toISOString()}`,
      );
    }
    const token = Number(held?.token ?? 0) + 1;
    await trx
      .insertInto('leases')
      .values({ name, owner, token, expires_at: now + ttlMs })
      .onConflict((oc) => oc.column('name').doUpdateSet({ owner, token, expires_at: now + ttlMs }))
      .execute();
    return { name, owner, token };
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

/** Gives a lease up (graceful stop). */
export async function releaseLease(db: Kysely<Database>, lease: Lease): Promise<void> {
  await db
    .deleteFrom('leases')
    .where('name', '=', lease.name)
    .where('owner', '=', lease.owner)
    .where('token', '=', lease.token)
    .execute();
}
