import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Who this database is: fixed at creation, plus a counter bumped at every engine start. */
export interface Identity {
  installId: string;
  installedAt: number;
  bootEpoch: number;
}

/**
 * Reads (creating on first use) the install id and bumps the boot epoch, in one transaction. The caller
 * commits with fsync: clientOrderIds carry the epoch, so even a power loss that drops the last commits can
 * never make this database reuse a clientOrderId it already sent.
 */
export async function bootIdentity(
  db: Kysely<Database>,
  newInstallId: () => string,
  now: number,
): Promise<Identity> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('meta')
      .selectAll()
      .where('key', 'in', ['installId', 'installedAt', 'bootEpoch'])
      .execute();
    const get = (k: string) => rows.find((r) => r.key === k)?.value;
    const identity: Identity = {
      installId: get('installId') ?? newInstallId(),
      installedAt: Number(get('installedAt') ?? now),
      bootEpoch: Number(get('bootEpoch') ?? 0) + 1,
    };
    for (const [key, value] of Object.entries(identity)) {
      await trx
        .insertInto('meta')
        .values({ key, value: String(value) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(value) }))
        .execute();
    }
    return identity;
  });
}
