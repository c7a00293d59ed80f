import { sql } from 'kysely';
import { bind, fieldsOf } from '../bound-statement.js';
import type { BoundStatement } from '../bound-statement.js';
import {
  ACTOR_COLUMNS,
  FILL_COLUMNS,
  IGNORED_FACT_COLUMNS,
  JOURNAL_COLUMNS,
  ORDER_COLUMNS,
  OUTBOX_COLUMNS,
} from './archive-columns.js';
import { archiveDb as db, elementsOf, moveIds as ids, rangeFields as range } from './archive-db.js';

export type { JournalRange } from './archive-db.js';

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

const eligible = fieldsOf<EligibleOrdersQuery>();
const prefixQuery = fieldsOf<{ machine: string; cutoff: number; limit: number; actorId: string }>();

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
  copyIgnoredFacts: bind(
    db
      .insertInto('arc.ignored_facts')
      .columns(IGNORED_FACT_COLUMNS)
      .expression(
        db
          .selectFrom('main.ignored_facts')
          .select(IGNORED_FACT_COLUMNS)
          .where('actor_id', 'in', elementsOf(ids.ids)),
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
  deleteIgnoredFacts: bind(db.deleteFrom('main.ignored_facts').where('actor_id', 'in', elementsOf(ids.ids))),
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
