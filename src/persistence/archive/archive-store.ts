import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { SteadfastError } from '../../domain/errors.js';
import { bindRecord } from '../bound-statement.js';
import type { BoundStatement } from '../bound-statement.js';
import { ARCHIVE_OF_KEY } from '../ledger-check.js';
import { migrate } from '../sqlite.js';
import type { Database } from '../schema.js';
import { MOVE_COUNTS, RANGE_COUNTS } from './archive-counts.js';
import type { CountPair } from './archive-counts.js';
import { ARCHIVE, WRITE_BASE } from './archive-statements.js';
import type { EligibleOrdersQuery, JournalBaseWrite } from './archive-statements.js';
import { META } from './archive-meta.js';

/** An ended order that may leave the live database. */
export interface EligibleOrder {
  actorId: string;
  clientOrderId: string;
  endedAt: number;
}

/** A live actor (not an order) whose journal may shrink, with where its journal starts now. */
export interface LongLivedActor {
  id: string;
  machine: string;
  rev: number;
  /** The rev of its journal base (0: none, the journal starts at rev 1). */
  baseRev: number;
  baseVersion: number | null;
  baseSnapshot: string | null;
}

/** A journal row as retention reads it. */
export interface ArchivedJournalRow {
  rev: number;
  eventType: string;
  event: string;
  state: string;
  at: number;
}

/** The archive file of a UTC day: `<dir>/<YYYY-MM-DD>.db`. */
export const archiveFileOf = (dir: string, at: number): string =>
  path.join(dir, `${new Date(at).toISOString().slice(0, 10)}.db`);

/** The default archive directory of an engine database: `<db>.archive` beside it. */
export const defaultArchiveDir = (dbFile: string): string => `${dbFile}.archive`;

/**
 * Moves rows of the engine database (`main`) to archive files (`arc`, attached): each archive file is an
 * engine database itself (same migrations), so `order`, `orders` and `replay --verify` read it with
 * `--db <file>`. Every move copies first (its own transaction, synchronous FULL on the archive) and then
 * deletes from the live database (a second transaction): a crash between them leaves the rows in both, and
 * the next pass copies again (`insert or ignore`) and deletes. Synchronous on its own connection: a pass's
 * steps are not interleaved with anything else of the process.
 */
export class ArchiveStore {
  readonly #raw: SqliteDatabase.Database;
  readonly #statements = new Map<BoundStatement, SqliteDatabase.Statement>();
  #attached: string | null = null;

  readonly #source: string;

  private constructor(
    raw: SqliteDatabase.Database,
    source: string,
    readonly dir: string,
  ) {
    this.#raw = raw;
    this.#source = source;
  }

  /** Opens a connection to the engine database `dbFile` for moving rows to archive files in `dir`. */
  static open(dbFile: string, dir: string): ArchiveStore {
    const raw = new SqliteDatabase(dbFile, { fileMustExist: true });
    raw.pragma('busy_timeout = 5000');
    raw.pragma('journal_mode = WAL');
    return new ArchiveStore(raw, path.resolve(dbFile), dir);
  }

  #run(statement: BoundStatement, record: object): SqliteDatabase.RunResult {
    return this.#prepared(statement).run(bindRecord(statement, record));
  }

  #all<T>(statement: BoundStatement, record: object): T[] {
    return this.#prepared(statement).all(bindRecord(statement, record)) as T[];
  }

  #prepared(statement: BoundStatement): SqliteDatabase.Statement {
    let prepared = this.#statements.get(statement);
    if (prepared === undefined) {
      prepared = this.#raw.prepare(statement.sql);
      this.#statements.set(statement, prepared);
    }
    return prepared;
  }

  /**
   * Creates (and migrates) the archive file of `at`'s day if needed and attaches it as `arc`. Statements
   * that name `arc` are prepared against the attached file, so they are dropped when it changes.
   */
  async attach(at: number): Promise<string> {
    const file = archiveFileOf(this.dir, at);
    if (this.#attached === file) return file;
    this.detach();
    fs.mkdirSync(this.dir, { recursive: true });
    const raw = new SqliteDatabase(file);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
    try {
      await migrate(db);
      await db
        .insertInto('meta')
        .values({ key: ARCHIVE_OF_KEY, value: this.#source })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    } finally {
      await db.destroy();
    }
    this.#raw.prepare('attach database ? as arc').run(file);
    this.#raw.pragma('arc.synchronous = FULL');
    this.#attached = file;
    return file;
  }

  /** Detaches the archive file, if one is attached. */
  detach(): void {
    if (this.#attached === null) return;
    this.#statements.clear();
    this.#raw.exec('detach database arc');
    this.#attached = null;
  }

  eligibleOrders(query: EligibleOrdersQuery): EligibleOrder[] {
    return this.#all<EligibleOrder>(ARCHIVE.eligibleOrders, query);
  }

  /**
   * Moves the orders' actors, journals, ignored facts, outbox rows and order rows (fills are copied) to the
   * attached file.
   */
  moveOrders(orders: readonly EligibleOrder[]): void {
    const record = {
      ids: JSON.stringify(orders.map((o) => o.actorId)),
      orderIds: JSON.stringify(orders.map((o) => o.clientOrderId)),
    };
    this.#raw.transaction(() => {
      for (const copy of [
        ARCHIVE.copyActors,
        ARCHIVE.copyJournal,
        ARCHIVE.copyIgnoredFacts,
        ARCHIVE.copyOutbox,
        ARCHIVE.copyOrders,
        ARCHIVE.copyFills,
      ])
        this.#run(copy, record);
    })();
    this.#raw
      .transaction(() => {
        for (const counts of MOVE_COUNTS) this.#checkCopied(counts, record);
        for (const del of [
          ARCHIVE.deleteJournal,
          ARCHIVE.deleteIgnoredFacts,
          ARCHIVE.deleteOutbox,
          ARCHIVE.deleteOrders,
          ARCHIVE.deleteActors,
        ])
          this.#run(del, record);
      })
      .immediate();
  }

  /** Inside the delete's transaction: refuses it unless the archive holds every row it would remove. */
  #checkCopied(counts: CountPair, record: object): void {
    const live = this.#all<{ n: number }>(counts.main, record)[0]?.n ?? 0;
    const archived = this.#all<{ n: number }>(counts.arc, record)[0]?.n ?? 0;
    if (archived < live) {
      throw new SteadfastError(
        'INTERNAL',
        `archive copy incomplete (${archived} of ${live} rows: ${counts.main.sql.slice(0, 80)}…): nothing deleted`,
      );
    }
  }

  longLivedActors(orderMachine: string): LongLivedActor[] {
    return this.#all<LongLivedActor>(ARCHIVE.longLivedActors, { machine: orderMachine });
  }

  /** An actor's journal rows after its base, journaled at or before `cutoff`, leaving its last row. */
  journalPrefix(actorId: string, cutoff: number, limit: number): ArchivedJournalRow[] {
    return this.#all<ArchivedJournalRow>(ARCHIVE.journalPrefix, { actorId, cutoff, limit, machine: '' });
  }

  /** Moves an actor's journal rows after `from` up to `base.rev` to the attached file; `base` replaces them. */
  moveJournalPrefix(from: number, base: JournalBaseWrite): void {
    const range = { actorId: base.actorId, from, to: base.rev };
    this.#raw.transaction(() => this.#run(ARCHIVE.copyJournalRange, range))();
    this.#raw
      .transaction(() => {
        this.#checkCopied(RANGE_COUNTS, range);
        this.#run(WRITE_BASE, base);
        this.#run(ARCHIVE.deleteJournalRange, range);
      })
      .immediate();
  }

  /**
   * Gives the live file's free pages back to the file system where the database allows it (auto_vacuum
   * incremental, the default of databases created by this version); returns the pages freed. Elsewhere
   * SQLite reuses free pages for new rows, so the file stops growing without shrinking.
   */
  reclaim(): number {
    if (Number(this.#raw.pragma('auto_vacuum', { simple: true })) !== 2) return 0;
    const free = Number(this.#raw.pragma('freelist_count', { simple: true }));
    if (free > 0) this.#raw.pragma('incremental_vacuum');
    return free;
  }

  /**
   * Turns incremental vacuum on for a database created without it; that rewrites the whole file once
   * (VACUUM), so only with no engine running on it. Returns whether it did.
   */
  enableIncrementalVacuum(): boolean {
    if (Number(this.#raw.pragma('auto_vacuum', { simple: true })) === 2) return false;
    this.detach();
    this.#raw.pragma('auto_vacuum = INCREMENTAL');
    this.#raw.exec('VACUUM');
    return true;
  }

  /** A meta value (the archive request and answer: see archive-meta.ts). */
  getMeta(key: string): string | undefined {
    return this.#all<{ value: string }>(META.get, { key })[0]?.value;
  }

  setMeta(key: string, value: string): void {
    this.#run(META.set, { key, value });
  }

  close(): void {
    this.detach();
    this.#raw.close();
  }
}
