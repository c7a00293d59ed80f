import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { SteadfastError } from '../domain/errors.js';
import { DashboardQuery } from './dashboard-query.js';
import { readIgnoredFacts } from './operator-queries.js';
import type { Database } from './schema.js';
import { toPositionSummary } from './status-query.js';
import type { PositionSummary } from './status-query.js';
import { isPostgres } from './dialect.js';
import { openEngineDatabaseReadOnly } from './open-database.js';
import { isPostgresUrl } from './postgres.js';
import { extend } from '../domain/extend.js';

/** Number of actors per machine and per state path; each ancestor path counts its descendants too. */
export type StateCounts = Record<string, Record<string, number>>;

/** One order, as listed by the visualizer. */
export interface OrderListItem {
  clientOrderId: string;
  actorId: string;
  symbol: string;
  side: string;
  type: string;
  price: string | null;
  quantity: string;
  state: string;
  reason: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One journal row: an event applied to an actor and the state it led to. */
export interface JournalEntry {
  seq: number;
  batch: number;
  actorId: string;
  rev: number;
  eventType: string;
  /** The event as committed (parsed JSON); only in an actor's own journal. */
  event?: unknown;
  state: string;
  at: number;
}

/** A venue fact an actor did not take (see IgnoredFactsTable). */
export interface IgnoredFactEntry {
  seq: number;
  /** The actor's revision when it arrived. */
  rev: number;
  eventType: string;
  event: unknown;
  /** The state it met. */
  state: string;
  reason: string;
  at: number;
}

/** A position book row, with when it last changed. */
export interface PositionItem extends PositionSummary {
  updatedAt: number;
}

const REQUIRED_TABLES = ['actors', 'journal', 'orders', 'positions'];

/**
 * Read-only queries of an engine database for the visualizer. The connection is opened with SQLite's
 * read-only flag (nothing can be written through it); the engine keeps writing in WAL mode meanwhile, and
 * every query here is one short statement, so it never holds the writer back.
 */
export class VisualizerQuery {
  /** The dashboard's queries (charts, trading state, risk denials) on the same connection. */
  readonly dashboard: DashboardQuery;

  private constructor(private readonly db: Kysely<Database>) {
    this.dashboard = new DashboardQuery(db);
  }

  /**
   * Opens `file` read-only. Throws INVALID_INPUT naming `--db` if the file is missing, is not SQLite, or
   * has no engine tables (yet).
   */
  static async open(file: string): Promise<VisualizerQuery> {
    if (isPostgresUrl(file)) {
      // Read-only transactions; refused naming --db when the schema holds no engine tables.
      return new VisualizerQuery(await openEngineDatabaseReadOnly(file));
    }
    const db = await openEngineDatabaseReadOnly(file);
    try {
      const rows = await db
        .selectFrom(sql<{ name: string; type: string }>`sqlite_master`.as('m'))
        .select('name')
        .where('type', '=', 'table')
        .execute();
      const names = new Set(rows.map((r) => r.name));
      const missing = REQUIRED_TABLES.filter((t) => !names.has(t));
      if (missing.length > 0) {
        throw new SteadfastError(
          'INVALID_INPUT',
          `--db: ${file} is not a Steadfast engine database (no ${missing.join(', ')} table)`,
        );
      }
      return new VisualizerQuery(db);
    } catch (err) {
      await db.destroy();
      if (err instanceof SteadfastError) throw err;
      throw new SteadfastError('INVALID_INPUT', `--db: ${file} is not a readable SQLite database`, {
        cause: err,
      });
    }
  }

  /**
   * Actors per machine and state. Orders are counted from the `orders` projection (every order, terminal
   * ones included, by top-level state); nested states of live actors come from `actors`. One statement,
   * so both parts read the same committed snapshot.
   */
  async stateCounts(): Promise<StateCounts> {
    const rows = await this.db
      .selectFrom('orders')
      .select([
        sql<string>`'orders'`.as('source'),
        sql<string>`'order'`.as('machine'),
        'state',
        (eb) => eb.fn.countAll<number>().as('n'),
      ])
      .groupBy('state')
      .unionAll(
        this.db
          .selectFrom('actors')
          .select([
            sql<string>`'actors'`.as('source'),
            'machine',
            'state',
            (eb) => eb.fn.countAll<number>().as('n'),
          ])
          .where('live', '=', 1)
          .groupBy(['machine', 'state']),
      )
      .execute();
    const counts: StateCounts = {};
    const add = (machine: string, path: string, n: number) => {
      const m = (counts[machine] ??= {});
      m[path] = (m[path] ?? 0) + n;
    };
    for (const r of rows.filter((r) => r.source === 'actors')) {
      const parts = r.state.split('.');
      const skipTop = r.machine === 'order'; // top-level order states come from the projection
      for (let i = skipTop ? 2 : 1; i <= parts.length; i += 1)
        add(r.machine, parts.slice(0, i).join('.'), Number(r.n));
      if (!skipTop) add(r.machine, '', Number(r.n));
    }
    for (const r of rows.filter((r) => r.source === 'orders')) {
      add('order', r.state, Number(r.n));
      add('order', '', Number(r.n));
    }
    return counts;
  }

  /** Orders, most recently created first; `search` matches the clientOrderId or symbol, `state` the top state. */
  async orders(filter: { search?: string; state?: string; limit: number }): Promise<OrderListItem[]> {
    let q = this.db.selectFrom('orders').selectAll();
    if (filter.state !== undefined) q = q.where('state', '=', filter.state);
    if (filter.search !== undefined && filter.search !== '') {
      const like = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) =>
        eb.or([
          eb('client_order_id', 'like', sql<string>`${like} escape '\\'`),
          eb('symbol', 'like', sql<string>`${like} escape '\\'`),
        ]),
      );
    }
    const rows = await q
      // Newest first: SQLite's insertion order; PostgreSQL has none, so creation time, then id.
      .orderBy(isPostgres(this.db) ? sql`created_at desc, client_order_id` : sql`rowid`, 'desc')
      .limit(filter.limit)
      .execute();
    return rows.map((o) => ({
      clientOrderId: o.client_order_id,
      actorId: `order/${o.client_order_id}`,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      price: o.price,
      quantity: o.quantity,
      state: o.state,
      reason: o.reason,
      createdAt: Number(o.created_at),
      updatedAt: Number(o.updated_at),
    }));
  }

  /** An actor's journal in revision order (at most `limit` rows), events included. */
  async journal(actorId: string, limit: number): Promise<JournalEntry[]> {
    const rows = await this.db
      .selectFrom('journal')
      .selectAll()
      .where('actor_id', '=', actorId)
      .orderBy('rev')
      .limit(limit)
      .execute();
    return rows.map((r) => extend(entry(r), { event: JSON.parse(r.event) as unknown }));
  }

  /** The venue facts an actor did not take, in the order they came (at most `limit`), events included. */
  async ignoredFacts(actorId: string, limit: number): Promise<IgnoredFactEntry[]> {
    const facts = await readIgnoredFacts(this.db, actorId, limit);
    return facts.map((f) => extend(f, { event: JSON.parse(f.event) as unknown }));
  }

  /** The last `limit` journal rows of every actor, newest first (without event payloads). */
  async recentEvents(limit: number): Promise<JournalEntry[]> {
    const rows = await this.db
      .selectFrom('journal')
      .select(['seq', 'batch', 'actor_id', 'rev', 'event_type', 'state', 'at'])
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map(entry);
  }

  /** Every position book. */
  async positions(): Promise<PositionItem[]> {
    const rows = await this.db
      .selectFrom('positions')
      .selectAll()
      .orderBy('venue')
      .orderBy('symbol')
      .execute();
    return rows.map((p) => extend(toPositionSummary(p), { updatedAt: Number(p.updated_at) }));
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.db.destroy();
  }
}

function entry(r: {
  seq: number;
  batch: number;
  actor_id: string;
  rev: number;
  event_type: string;
  state: string;
  at: number;
}): JournalEntry {
  return {
    seq: Number(r.seq),
    batch: Number(r.batch),
    actorId: r.actor_id,
    rev: r.rev,
    eventType: r.event_type,
    state: r.state,
    at: Number(r.at),
  };
}
