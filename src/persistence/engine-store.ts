import { CompiledQuery, sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import { SteadfastError } from '../domain/errors.js';
import { COMMIT_STATEMENTS, planCommit } from './commit-plan.js';
import { LedgerQueries } from './ledger-queries.js';
import type { CommitPlan } from './commit-plan.js';
import type { CommitSet } from './commit-set.js';
import type { ActorsTable, Database, FillsTable, JournalTable, OutboxTable, TimersTable } from './schema.js';

/** What the fill ledger recorded of a trade (to tell a duplicate from a reused trade id). */
export type LedgerTrade = Pick<
  FillsTable,
  'trade_id' | 'venue_order_id' | 'side' | 'price' | 'quantity' | 'status'
>;

/** What the store needs from its database beyond Kysely: fsync control and, optionally, a writer thread. */
export interface StoreOptions {
  setFullSync(full: boolean): void;
  writer?: { commit(plan: CommitPlan): Promise<void> } | null;
  /** A synchronous read of one actor's stored snapshot and revision (lets recovery load snapshots lazily). */
  readSnapshot?: SnapshotReader;
  /** A synchronous read of the ledger's rows of trade ids (knownTradeIds without building a query). */
  readTrades?: TradeReader;
  /** A synchronous read of the named actors' rows (loadActors without building a query). */
  readActors?: ActorReader;
}

/** Reads the rows of the named actors that exist, synchronously, on the reading connection. */
export type ActorReader = (ids: readonly string[]) => ActorsTable[];

/** Reads the fill ledger's rows of `tradeIds` at `venue`, synchronously, on the reading connection. */
export type TradeReader = (venue: string, tradeIds: readonly string[]) => LedgerTrade[];

/** Reads one actor's stored snapshot and revision, synchronously; undefined if there is no such actor. */
export type SnapshotReader = (id: string) => { snapshot: string; rev: number } | undefined;

/** A live actor's row without its snapshot, with the snapshot's shape key (null if it is not valid JSON). */
export interface ActorHead {
  id: string;
  machine: string;
  version: number;
  rev: number;
  created_at: number;
  shape: string | null;
}

/**
 * The shape key of a stored snapshot, computed by SQLite's JSON functions without handing the snapshot to
 * JavaScript: the snapshot without its context and children (status, value, history, output, error), and
 * each invoked child's id, logic, system id and status. Everything xstate resolves against the machine
 * definition when it restores a snapshot is in it; context, which it never resolves, is not.
 * `runtime/snapshot-shape.ts` keys on the same parts.
 */
const SHAPE_KEY = sql<string | null>`case when json_valid(snapshot) then json_array(
  json_remove(snapshot, '$.context', '$.children'),
  (select json_group_array(json_array(c.key, json_extract(c.value, '$.src'),
    json_extract(c.value, '$.systemId'), json_extract(c.value, '$.snapshot.status')))
   from json_each(snapshot, '$.children') c)) end`;

/**
 * The engine's tables behind one small API. `commit` writes a whole CommitSet in ONE transaction (all or
 * nothing) — on the writer thread when there is one, else through Kysely on this connection; loaders
 * (Kysely queries) serve recovery and workflows.
 */
export class EngineStore {
  /** Reads of the ledger and its projections (reconciliation, operator checks). */
  readonly ledger: LedgerQueries;

  constructor(
    readonly db: Kysely<Database>,
    private readonly options: StoreOptions = { setFullSync: () => {} },
  ) {
    this.ledger = new LedgerQueries(db);
  }

  /** Writes everything in `set` atomically. Throws REVISION_CONFLICT if another writer got there first. */
  async commit(set: CommitSet): Promise<void> {
    const plan = planCommit(set);
    if (this.options.writer) return this.options.writer.commit(plan);
    this.options.setFullSync(plan.fullSync);
    await this.db.transaction().execute(async (trx) => {
      for (const [name, rows] of plan.steps) {
        for (const row of rows) {
          const result = await trx.executeQuery(CompiledQuery.raw(COMMIT_STATEMENTS[name], row));
          if (name === 'updateActor' && Number(result.numAffectedRows ?? 0) !== 1) {
            throw new SteadfastError(
              'REVISION_CONFLICT',
              'an actor was changed by another writer; refusing to overwrite',
            );
          }
        }
      }
    });
  }

  /** Actors that are not terminal. */
  loadLiveActors(): Promise<ActorsTable[]> {
    return this.db.selectFrom('actors').selectAll().where('live', '=', 1).execute();
  }

  /**
   * Live actors without their snapshots, each with its shape key: recovery restores one snapshot per
   * distinct shape and leaves the rest in the database until first use (see `snapshotReader`).
   */
  loadLiveActorHeads(): Promise<ActorHead[]> {
    return this.db
      .selectFrom('actors')
      .select(['id', 'machine', 'version', 'rev', 'created_at', SHAPE_KEY.as('shape')])
      .where('live', '=', 1)
      .execute();
  }

  /** The synchronous snapshot reader of this database, if it has one. */
  get snapshotReader(): SnapshotReader | undefined {
    return this.options.readSnapshot;
  }

  /** The named actors that exist. */
  async loadActors(ids: readonly string[]): Promise<ActorsTable[]> {
    if (ids.length === 0) return [];
    if (this.options.readActors !== undefined) return this.options.readActors(ids);
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

  private tradeProbe: { venue: string; ids: Set<string>; result: Promise<Map<string, LedgerTrade>> }[] = [];

  /**
   * The fill ledger's row for `tradeId` at `venue` (what it recorded of the trade), or undefined. Calls made
   * in the same tick share ONE query (the runtime prepares a whole batch at once).
   */
  tradeOf(venue: string, tradeId: string): Promise<LedgerTrade | undefined> {
    let probe: (typeof this.tradeProbe)[number] | undefined;
    for (const p of this.tradeProbe) {
      if (p.venue === venue) {
        probe = p;
        break;
      }
    }
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
    return probe.result.then((known) => known.get(tradeId));
  }

  /** The ledger's rows of those of `tradeIds` it has for `venue`, by trade id. */
  async knownTradeIds(venue: string, tradeIds: readonly string[]): Promise<Map<string, LedgerTrade>> {
    if (tradeIds.length === 0) return new Map();
    const read = this.options.readTrades;
    const rows =
      read !== undefined
        ? read(venue, tradeIds)
        : await this.db
            .selectFrom('fills')
            .select(['trade_id', 'venue_order_id', 'side', 'price', 'quantity', 'status'])
            .where('venue', '=', venue)
            .where('trade_id', 'in', [...tradeIds])
            .execute();
    return new Map(rows.map((r) => [r.trade_id, r]));
  }

  /**
   * Symbols with orders at `venue` in one of `states` (from the orders projection). Searched through the
   * state index, never by venue: every order a venue ever had would be read.
   */
  async symbolsWithOrdersIn(venue: string, states: readonly string[]): Promise<string[]> {
    if (states.length === 0) return [];
    const rows = await this.db
      .selectFrom('orders')
      .select(['venue', 'symbol'])
      .distinct()
      .where('state', 'in', [...states])
      .execute();
    return rows.filter((r) => r.venue === venue).map((r) => r.symbol);
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

  /**
   * The highest batch number written so far (0 on a new database): the newest journal row's, read through
   * the primary key (batches commit in order). `max(batch)` scanned the whole journal: 1.2 s at start with
   * a million rows, a quarter of an hour of busy trading.
   */
  async lastBatch(): Promise<number> {
    const row = await this.db
      .selectFrom('journal')
      .select('batch')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return Number(row?.batch ?? 0);
  }

  /** An actor's journal, oldest first. */
  journalOf(actorId: string): Promise<Selectable<JournalTable>[]> {
    return this.db.selectFrom('journal').selectAll().where('actor_id', '=', actorId).orderBy('rev').execute();
  }
}
