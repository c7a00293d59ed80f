import { sql } from 'kysely';
import { bind, fieldsOf } from '../bound-statement.js';
import type { BoundStatement } from '../bound-statement.js';
import type { Database } from '../schema.js';
import { sqliteCompiler } from '../sqlite-compiler.js';

/** The engine's tables as seen from a connection with the archive file attached as `arc`. */
type Qualified<S extends string> = { [K in keyof Database as `${S}.${K & string}`]: Database[K] };
const db = sqliteCompiler<Qualified<'main'> & Qualified<'arc'>>();

/** What decides which ended orders may leave the live database (see ARCHIVE.eligibleOrders). */
export interface EligibleOrdersQuery {
  /** The order machine's id. */
  machine: string;
  /** Where the clientOrderId starts in an order actor's id (1-based, as SQLite's substr counts). */
  idStart: number;
  /** The meta key of a symbol's trade cursor, before `<venue>/<symbol>`. */
  cursorPrefix: string;
  /** Orders that ended after this time stay. */
  cutoff: number;
  limit: number;
}

/** A long-lived actor's journal rows to archive: after `from` (the base's rev), up to and including `to`. */
export interface JournalRange {
  actorId: string;
  from: number;
  to: number;
}

const eligible = fieldsOf<EligibleOrdersQuery>();
const ids = fieldsOf<{ ids: string; orderIds: string }>();
const range = fieldsOf<JournalRange>();
const prefixQuery = fieldsOf<{ machine: string; cutoff: number; limit: number; actorId: string }>();

/** A JSON array parameter's elements. */
const elementsOf = (json: string) => sql<string>`(select value from json_each(${json}))`;

/**
 * Every column of a table, in one order for a copy's insert and select: the list must name them all (a
 * column left out would make a copy fail, or lose it).
 */
function everyColumn<T>() {
  return <const C extends readonly (keyof T & string)[]>(
    columns: Exclude<keyof T, C[number]> extends never ? C : { missing: Exclude<keyof T, C[number]> },
  ): C => columns as C;
}

const ACTOR_COLUMNS = everyColumn<Database['actors']>()([
  'id',
  'machine',
  'version',
  'rev',
  'state',
  'live',
  'snapshot',
  'created_at',
  'updated_at',
]);
const JOURNAL_COLUMNS = everyColumn<Database['journal']>()([
  'seq',
  'batch',
  'actor_id',
  'rev',
  'event_type',
  'event',
  'state',
  'at',
]);
const OUTBOX_COLUMNS = everyColumn<Database['outbox']>()([
  'key',
  'actor_id',
  'child_id',
  'src',
  'input',
  'status',
  'created_at',
  'closed_at',
  'result',
]);
const ORDER_COLUMNS = everyColumn<Database['orders']>()([
  'client_order_id',
  'venue',
  'symbol',
  'side',
  'type',
  'price',
  'quantity',
  'state',
  'venue_order_id',
  'level',
  'owner',
  'reason',
  'anomalies',
  'fill_gap',
  'created_at',
  'updated_at',
]);
const FILL_COLUMNS = everyColumn<Database['fills']>()([
  'venue',
  'trade_id',
  'client_order_id',
  'venue_order_id',
  'symbol',
  'side',
  'price',
  'quantity',
  'fee',
  'fee_currency',
  'liquidity',
  'at',
  'status',
  'recorded_at',
]);

/**
 * The statements that move rows from the live database (`main`) to an archive file (`arc`), compiled once
 * with Kysely. A copy skips the rows the archive has already (`on conflict do nothing`: a pass interrupted
 * between its copy and its delete copies again harmlessly) and fails on anything else; the counts then
 * check that the archive holds every row the delete will remove.
 */
export const ARCHIVE = {
  /**
   * Ended orders that may leave: ended before the cutoff and before their symbol's trade cursor (every fill
   * the venue timed before it is in the ledger: the watermark only a completed gap-fill moves), no call
   * open, no timer, no fill gap, no contested fill. Oldest first.
   */
  eligibleOrders: bind(
    db
      .selectFrom('main.actors as a')
      .innerJoin('main.orders as o', (j) =>
        j.on(sql<boolean>`o.client_order_id = substr(a.id, ${eligible.idStart})`),
      )
      .innerJoin('main.meta as m', (j) =>
        j.on(sql<boolean>`m.key = ${eligible.cursorPrefix} || o.venue || '/' || o.symbol`),
      )
      .select(['a.id as actorId', 'o.client_order_id as clientOrderId', 'a.updated_at as endedAt'])
      // Literally, so that the partial index actors_ended serves the range and the order.
      .where(sql<boolean>`a.live = 0`)
      .where('a.machine', '=', eligible.machine)
      .where('a.updated_at', '<=', eligible.cutoff)
      .where(sql<boolean>`cast(m.value as integer) >= a.updated_at`)
      .where('o.fill_gap', 'is', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('main.outbox as x')
              .select(sql`1`.as('one'))
              .whereRef('x.actor_id', '=', 'a.id')
              .where('x.status', '=', 'pending'),
          ),
        ),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('main.timers as t')
              .select(sql`1`.as('one'))
              .whereRef('t.actor_id', '=', 'a.id'),
          ),
        ),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('main.fills as f')
              .select(sql`1`.as('one'))
              .whereRef('f.venue', '=', 'o.venue')
              .whereRef('f.client_order_id', '=', 'o.client_order_id')
              // Literally, so that the partial index fills_contested serves it.
              .where(sql<boolean>`f.status = 'contested'`),
          ),
        ),
      )
      .orderBy('a.updated_at')
      .limit(eligible.limit),
  ),
  copyActors: bind(
    db
      .insertInto('arc.actors')
      .columns(ACTOR_COLUMNS)
      .expression(db.selectFrom('main.actors').select(ACTOR_COLUMNS).where('id', 'in', elementsOf(ids.ids)))
      .onConflict((oc) => oc.doNothing()),
  ),
  copyJournal: bind(
    db
      .insertInto('arc.journal')
      .columns(JOURNAL_COLUMNS)
      .expression(
        db.selectFrom('main.journal').select(JOURNAL_COLUMNS).where('actor_id', 'in', elementsOf(ids.ids)),
      )
      .onConflict((oc) => oc.doNothing()),
  ),
  copyOutbox: bind(
    db
      .insertInto('arc.outbox')
      .columns(OUTBOX_COLUMNS)
      .expression(
        db.selectFrom('main.outbox').select(OUTBOX_COLUMNS).where('actor_id', 'in', elementsOf(ids.ids)),
      )
      .onConflict((oc) => oc.doNothing()),
  ),
  copyOrders: bind(
    db
      .insertInto('arc.orders')
      .columns(ORDER_COLUMNS)
      .expression(
        db
          .selectFrom('main.orders')
          .select(ORDER_COLUMNS)
          .where('client_order_id', 'in', elementsOf(ids.orderIds)),
      )
      .onConflict((oc) => oc.doNothing()),
  ),
  /** The orders' fills are copied, not moved: the ledger keeps every trade (its totals, its duplicates check). */
  copyFills: bind(
    db
      .insertInto('arc.fills')
      .columns(FILL_COLUMNS)
      .expression(
        db
          .selectFrom('main.fills')
          .select(FILL_COLUMNS)
          .where('client_order_id', 'in', elementsOf(ids.orderIds)),
      )
      .onConflict((oc) => oc.doNothing()),
  ),
  deleteActors: bind(db.deleteFrom('main.actors').where('id', 'in', elementsOf(ids.ids))),
  deleteJournal: bind(db.deleteFrom('main.journal').where('actor_id', 'in', elementsOf(ids.ids))),
  deleteOutbox: bind(db.deleteFrom('main.outbox').where('actor_id', 'in', elementsOf(ids.ids))),
  deleteOrders: bind(db.deleteFrom('main.orders').where('client_order_id', 'in', elementsOf(ids.orderIds))),
  /** Live actors (other than orders) with journal rows older than the cutoff beyond their base. */
  longLivedActors: bind(
    db
      .selectFrom('main.actors as a')
      .leftJoin('main.journal_base as b', 'b.actor_id', 'a.id')
      .select([
        'a.id',
        'a.machine',
        'a.rev',
        sql<number>`coalesce(b.rev, 0)`.as('baseRev'),
        'b.version as baseVersion',
        'b.snapshot as baseSnapshot',
      ])
      .where('a.live', '=', 1)
      .where('a.machine', '!=', prefixQuery.machine),
  ),
  /** An actor's journal rows after its base, journaled before the cutoff, leaving its last row. */
  journalPrefix: bind(
    db
      .selectFrom('main.journal')
      .select(['rev', 'event_type as eventType', 'event', 'state', 'at'])
      .where('actor_id', '=', prefixQuery.actorId)
      .where(
        'rev',
        '>',
        sql<number>`coalesce((select rev from main.journal_base where actor_id = ${prefixQuery.actorId}), 0)`,
      )
      .where('rev', '<', sql<number>`(select rev from main.actors where id = ${prefixQuery.actorId})`)
      .where('at', '<=', prefixQuery.cutoff)
      .orderBy('rev')
      .limit(prefixQuery.limit),
  ),
  copyJournalRange: bind(
    db
      .insertInto('arc.journal')
      .columns(JOURNAL_COLUMNS)
      .expression(
        db
          .selectFrom('main.journal')
          .select(JOURNAL_COLUMNS)
          .where('actor_id', '=', range.actorId)
          .where('rev', '>', range.from)
          .where('rev', '<=', range.to),
      )
      .onConflict((oc) => oc.doNothing()),
  ),
  deleteJournalRange: bind(
    db
      .deleteFrom('main.journal')
      .where('actor_id', '=', range.actorId)
      .where('rev', '>', range.from)
      .where('rev', '<=', range.to),
  ),
} satisfies Record<string, BoundStatement>;

type Moved = 'actors' | 'journal' | 'outbox' | 'orders' | 'fills';

/** `count(*)` of the rows of `table` whose `column` is in the JSON list `list`. */
function counted(table: `${'main' | 'arc'}.${Moved}`, column: string, list: string): BoundStatement {
  return bind(
    db
      .selectFrom(table)
      .select(sql<number>`count(*)`.as('n'))
      .where(sql.ref(column), 'in', elementsOf(list)),
  );
}

/** A moved table's rows of a move, counted in the live file and in the archive file. */
export interface CountPair {
  main: BoundStatement;
  arc: BoundStatement;
}

const pair = (table: Moved, column: string, list: string): CountPair => ({
  main: counted(`main.${table}`, column, list),
  arc: counted(`arc.${table}`, column, list),
});

/** Checked after a move's copy and before its delete: the archive holds every row the delete removes. */
export const MOVE_COUNTS: readonly CountPair[] = [
  pair('actors', 'id', ids.ids),
  pair('journal', 'actor_id', ids.ids),
  pair('outbox', 'actor_id', ids.ids),
  pair('orders', 'client_order_id', ids.orderIds),
  pair('fills', 'client_order_id', ids.orderIds),
];

const journalRange = (schema: 'main' | 'arc') =>
  bind(
    db
      .selectFrom(`${schema}.journal`)
      .select(sql<number>`count(*)`.as('n'))
      .where('actor_id', '=', range.actorId)
      .where('rev', '>', range.from)
      .where('rev', '<=', range.to),
  );

/** The same check for a long-lived actor's journal rows. */
export const RANGE_COUNTS: CountPair = { main: journalRange('main'), arc: journalRange('arc') };

/** The new base of an actor whose journal rows up to `rev` left (see JournalBaseTable). */
export interface JournalBaseWrite {
  actorId: string;
  machine: string;
  version: number;
  rev: number;
  state: string;
  snapshot: string;
  at: number;
}

const base = fieldsOf<JournalBaseWrite>();

export const WRITE_BASE: BoundStatement = bind(
  db
    .insertInto('main.journal_base')
    .values({
      actor_id: base.actorId,
      machine: base.machine,
      version: base.version,
      rev: base.rev,
      state: base.state,
      snapshot: base.snapshot,
      at: base.at,
    })
    .onConflict((oc) =>
      oc.column('actor_id').doUpdateSet((eb) => ({
        version: eb.ref('excluded.version'),
        rev: eb.ref('excluded.rev'),
        state: eb.ref('excluded.state'),
        snapshot: eb.ref('excluded.snapshot'),
        at: eb.ref('excluded.at'),
      })),
    ),
);
