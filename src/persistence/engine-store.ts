import { CompiledQuery, sql } from 'kysely';
import type { Kysely } from 'kysely';
import { SteadfastError } from '../domain/errors.js';
import {
  FENCE_CHECKED,
  GATED,
  LEASE_LOST_MESSAGE,
  REVISION_CHECKED,
  REVISION_CONFLICT_MESSAGE,
  bindRecord,
} from './bound-statement.js';
import { planCommit } from './commit-plan.js';
import { commitStatements } from './commit-statements.js';
import type { CommitStatements } from './commit-statements.js';
import { LedgerQueries } from './ledger-queries.js';
import type { CommitPlan } from './commit-plan.js';
import type { CommitOutcome, CommitSet, FenceCheck, OutboxWrite, TimerWrite } from './commit-set.js';
import type { Database } from './schema.js';
import { LEDGER_TRADE, STORED_ACTOR } from './stored-records.js';
import type { ActorHead, LedgerTrade, StoredActor, StoredJournalEntry } from './stored-records.js';

export type { ActorHead, LedgerTrade, StoredActor, StoredJournalEntry } from './stored-records.js';
export { LEDGER_TRADE, STORED_ACTOR } from './stored-records.js';

/** What the store needs from its database beyond Kysely: fsync control and, optionally, a writer thread. */
export interface StoreOptions {
  setFullSync(full: boolean): void;
  writer?: { commit(plan: CommitPlan): Promise<CommitOutcome> } | null;
  /** A synchronous read of one actor's stored snapshot and revision (lets recovery load snapshots lazily). */
  readSnapshot?: SnapshotReader;
  /** A synchronous read of the ledger's rows of trade ids (knownTradeIds without building a query). */
  readTrades?: TradeReader;
  /** A synchronous read of the named actors' rows (loadActors without building a query). */
  readActors?: ActorReader;
}

/** Reads the rows of the named actors that exist, synchronously, on the reading connection. */
export type ActorReader = (ids: readonly string[]) => StoredActor[];

/** Reads the fill ledger's rows of `tradeIds` at `venue`, synchronously, on the reading connection. */
export type TradeReader = (venue: string, tradeIds: readonly string[]) => LedgerTrade[];

/** Reads one actor's stored snapshot and revision, synchronously; undefined if there is no such actor. */
export type SnapshotReader = (id: string) => { snapshot: string; rev: number } | undefined;

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
 * nothing) with the statements of commit-statements.ts: on the writer thread when there is one, else
 * through Kysely on this connection. Loaders (Kysely queries) serve recovery and workflows; they return
 * records named as the runtime names them, never table rows.
 */
export class EngineStore {
  /** Reads of the ledger and its projections (reconciliation, operator checks). */
  readonly ledger: LedgerQueries;
  /** The commit statements compiled for this database's dialect. */
  private readonly statements: CommitStatements;
  /** The lease every commit must still hold (see fenceWith). */
  private fence: FenceCheck | null = null;

  constructor(
    readonly db: Kysely<Database>,
    private readonly options: StoreOptions = { setFullSync: () => {} },
  ) {
    this.ledger = new LedgerQueries(db);
    this.statements = commitStatements(db);
  }

  /**
   * Writes everything in `set` atomically. Throws REVISION_CONFLICT if another writer got there first.
   * Resolves with the guarded call intents the trading state refused (not inserted; see OutboxWrite).
   */
  async commit(set: CommitSet): Promise<CommitOutcome> {
    const plan = planCommit(set, this.fence);
    if (this.options.writer) return this.options.writer.commit(plan);
    this.options.setFullSync(plan.fullSync);
    const refused: string[] = [];
    await this.db.transaction().execute(async (trx) => {
      for (const [name, records] of plan.steps) {
        const statement = this.statements[name];
        for (const record of records) {
          const query = CompiledQuery.raw(statement.sql, bindRecord(statement, record));
          const result = await trx.executeQuery(query);
          if (name === REVISION_CHECKED && Number(result.numAffectedRows ?? 0) !== 1) {
            throw new SteadfastError('REVISION_CONFLICT', REVISION_CONFLICT_MESSAGE);
          }
          if (name === FENCE_CHECKED && Number(result.numAffectedRows ?? 0) !== 1) {
            throw new SteadfastError('LEASE_LOST', LEASE_LOST_MESSAGE);
          }
          if (name === GATED && Number(result.numAffectedRows ?? 0) !== 1)
            refused.push((record as OutboxWrite).key);
        }
      }
    });
    return { refused };
  }

  /**
   * From now on every commit first checks, inside its transaction, that the lease `name` is still at
   * `token`: once another engine has taken it over, commits fail with LEASE_LOST and write nothing.
   */
  fenceWith(fence: FenceCheck): void {
    this.fence = fence;
  }

  /** Actors that are not terminal. */
  loadLiveActors(): Promise<StoredActor[]> {
    return this.db.selectFrom('actors').select(STORED_ACTOR).where('live', '=', 1).execute();
  }

  /**
   * Live actors without their snapshots, each with its shape key: recovery restores one snapshot per
   * distinct shape and leaves the rest in the database until first use (see `snapshotReader`).
   */
  loadLiveActorHeads(): Promise<ActorHead[]> {
    return this.db
      .selectFrom('actors')
      .select(['id', 'machine', 'version', 'rev', 'created_at as createdAt', SHAPE_KEY.as('shape')])
      .where('live', '=', 1)
      .execute();
  }

  /** The synchronous snapshot reader of this database, if it has one. */
  get snapshotReader(): SnapshotReader | undefined {
    return this.options.readSnapshot;
  }

  /** The named actors that exist. */
  async loadActors(ids: readonly string[]): Promise<StoredActor[]> {
    if (ids.length === 0) return [];
    if (this.options.readActors !== undefined) return this.options.readActors(ids);
    return this.db
      .selectFrom('actors')
      .select(STORED_ACTOR)
      .where('id', 'in', [...ids])
      .execute();
  }

  /** Outbox rows whose result has not been applied. */
  loadOpenOutbox(): Promise<Omit<OutboxWrite, 'gateVersion'>[]> {
    return this.db
      .selectFrom('outbox')
      .select([
        'key',
        'actor_id as actorId',
        'child_id as childId',
        'src',
        'input',
        'created_at as createdAt',
      ])
      .where('status', '=', 'pending')
      .orderBy('created_at')
      .execute();
  }

  /** All durable timers (each event as its JSON text). */
  loadTimers(): Promise<(TimerWrite & { event: string })[]> {
    return this.db
      .selectFrom('timers')
      .select(['actor_id as actorId', 'timer_id as timerId', 'event', 'due_at as dueAt'])
      .orderBy('due_at')
      .execute();
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
            .select(LEDGER_TRADE)
            .where('venue', '=', venue)
            .where('trade_id', 'in', [...tradeIds])
            .execute();
    return new Map(rows.map((r) => [r.tradeId, r]));
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
  journalOf(actorId: string): Promise<StoredJournalEntry[]> {
    return this.db
      .selectFrom('journal')
      .select([
        'seq',
        'batch',
        'actor_id as actorId',
        'rev',
        'event_type as eventType',
        'event',
        'state',
        'at',
      ])
      .where('actor_id', '=', actorId)
      .orderBy('rev')
      .execute();
  }
}
