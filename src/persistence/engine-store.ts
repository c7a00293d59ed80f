import { sql } from 'kysely';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { bulkWrite } from './bulk-writes.js';
import type { CommitSet } from './commit-set.js';
import type { ActorsTable, Database, JournalTable, OutboxTable, TimersTable } from './schema.js';

/** Controls fsync per commit (see Durability). */
export interface SyncControl {
  setFullSync(full: boolean): void;
}

/**
 * The engine's tables behind one small API. `commit` writes a whole CommitSet in ONE transaction (all or
 * nothing); loaders serve recovery. Dialect-neutral Kysely: the same code serves SQLite and PostgreSQL.
 */
export class EngineStore {
  constructor(
    readonly db: Kysely<Database>,
    private readonly sync: SyncControl = { setFullSync: () => {} },
  ) {}

  /** Writes everything in `set` atomically. Throws REVISION_CONFLICT if another writer got there first. */
  async commit(set: CommitSet): Promise<void> {
    this.sync.setFullSync(set.outbox.length > 0);
    await this.db.transaction().execute(async (trx) => {
      await bulkWrite(trx, set);
      for (const t of set.timersDeleted) {
        await trx
          .deleteFrom('timers')
          .where('actor_id', '=', t.actorId)
          .where('timer_id', '=', t.timerId)
          .execute();
      }
      for (const t of set.timers) {
        await trx
          .insertInto('timers')
          .values({ actor_id: t.actorId, timer_id: t.timerId, event: t.event, due_at: t.dueAt })
          .onConflict((oc) =>
            oc.columns(['actor_id', 'timer_id']).doUpdateSet((eb) => ({
              event: eb.ref('excluded.event'),
              due_at: eb.ref('excluded.due_at'),
            })),
          )
          .execute();
      }
      await this.writeSmallDomain(trx, set);
    });
  }

  private async writeSmallDomain(trx: Transaction<Database>, set: CommitSet): Promise<void> {
    for (const p of set.positions) {
      await trx
        .insertInto('positions')
        .values(p)
        .onConflict((oc) =>
          oc.columns(['venue', 'symbol']).doUpdateSet((eb) => ({
            quantity: eb.ref('excluded.quantity'),
            average_price: eb.ref('excluded.average_price'),
            realized_pnl: eb.ref('excluded.realized_pnl'),
            fees: eb.ref('excluded.fees'),
            fill_count: eb.ref('excluded.fill_count'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
    for (const a of set.anomalies) {
      await trx
        .insertInto('anomalies')
        .values({
          kind: a.kind,
          subject: a.subject,
          detail: a.detail,
          count: 1,
          first_at: a.at,
          last_at: a.at,
        })
        .onConflict((oc) =>
          oc.columns(['kind', 'subject']).doUpdateSet((eb) => ({
            detail: eb.ref('excluded.detail'),
            count: sql<number>`anomalies.count + 1`,
            last_at: eb.ref('excluded.last_at'),
          })),
        )
        .execute();
    }
    for (const m of set.meta) {
      await trx
        .insertInto('meta')
        .values(m)
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
        .execute();
    }
  }

  /** Actors that are not terminal. */
  loadLiveActors(): Promise<ActorsTable[]> {
    return this.db.selectFrom('actors').selectAll().where('live', '=', 1).execute();
  }

  /** The named actors that exist. */
  async loadActors(ids: readonly string[]): Promise<ActorsTable[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('actors')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
  }

  /** Outbox rows whose result has not been applied. */
  loadOpenOutbox(): Promise<OutboxTable[]> {
    return this.db
      .selectFrom('outbox')
      .selectAll()
      .where('status', '=', 'pending')
      .orderBy('created_at')
      .execute();
  }

  /** All durable timers. */
  loadTimers(): Promise<TimersTable[]> {
    return this.db.selectFrom('timers').selectAll().orderBy('due_at').execute();
  }

  private tradeProbe: { venue: string; ids: Set<string>; result: Promise<Set<string>> }[] = [];

  /**
   * True if the fill ledger has `tradeId` for `venue`. Calls made in the same tick share ONE query (the
   * runtime prepares a whole batch at once).
   */
  isTradeKnown(venue: string, tradeId: string): Promise<boolean> {
    let probe = this.tradeProbe.find((p) => p.venue === venue);
    if (probe === undefined) {
      const ids = new Set<string>();
      const result = new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => {
        this.tradeProbe = this.tradeProbe.filter((p) => p !== probe);
        return this.knownTradeIds(venue, [...ids]);
      });
      probe = { venue, ids, result };
      this.tradeProbe.push(probe);
    }
    probe.ids.add(tradeId);
    return probe.result.then((known) => known.has(tradeId));
  }

  /** Which of `tradeIds` the fill ledger already has for `venue`. */
  async knownTradeIds(venue: string, tradeIds: readonly string[]): Promise<Set<string>> {
    if (tradeIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('fills')
      .select('trade_id')
      .where('venue', '=', venue)
      .where('trade_id', 'in', [...tradeIds])
      .execute();
    return new Set(rows.map((r) => r.trade_id));
  }

  /** Our clientOrderId of a venue order, if we know the order. */
  async clientOrderIdOf(venue: string, venueOrderId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('orders')
      .select('client_order_id')
      .where('venue', '=', venue)
      .where('venue_order_id', '=', venueOrderId)
      .executeTakeFirst();
    return row?.client_order_id;
  }

  /** A meta value, or undefined. */
  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  /** The highest batch number written so far (0 on a new database). */
  async lastBatch(): Promise<number> {
    const row = await this.db
      .selectFrom('journal')
      .select((eb) => eb.fn.max('batch').as('b'))
      .executeTakeFirst();
    return Number(row?.b ?? 0);
  }

  /** An actor's journal, oldest first. */
  journalOf(actorId: string): Promise<Selectable<JournalTable>[]> {
    return this.db.selectFrom('journal').selectAll().where('actor_id', '=', actorId).orderBy('rev').execute();
  }
}
