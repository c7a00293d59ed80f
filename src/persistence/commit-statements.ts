import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { bind, fieldsOf } from './bound-statement.js';
import type { BoundStatement } from './bound-statement.js';
import { sqliteCompiler } from './sqlite-compiler.js';
import type {
  ActorWrite,
  AnomalyWrite,
  FillRecord,
  FenceCheck,
  FillStatusWrite,
  IgnoredFactWrite,
  JournalWrite,
  MetaWrite,
  OrderRecord,
  OutboxClose,
  OutboxWrite,
  PositionRecord,
  TimerDelete,
  TimerWrite,
} from './commit-set.js';
import type { Database } from './schema.js';

/**
 * Every write of a commit, as a Kysely query typed against the schema, compiled once for `db`'s dialect
 * and run per record of a CommitSet (see commit-plan.ts). Per-row statements beat multi-row ones here: a
 * multi-row JSON parameter (`json_each`) makes SQLite re-parse each row's JSON once per extracted column,
 * which dominated the writer's time with ~1 KB snapshots in the rows.
 */
export function commitStatements(db: Kysely<Database>) {
  const actor = fieldsOf<ActorWrite>();
  const journal = fieldsOf<JournalWrite>();
  const ignored = fieldsOf<IgnoredFactWrite>();
  const call = fieldsOf<OutboxWrite>();
  const closing = fieldsOf<OutboxClose>();
  const timer = fieldsOf<TimerWrite>();
  const timerGone = fieldsOf<TimerDelete>();
  const order = fieldsOf<OrderRecord>();
  const fill = fieldsOf<FillRecord>();
  const position = fieldsOf<PositionRecord>();
  const anomaly = fieldsOf<AnomalyWrite>();
  const fillStatus = fieldsOf<FillStatusWrite>();
  const meta = fieldsOf<MetaWrite>();
  const fence = fieldsOf<FenceCheck>();
  return {
    // Runs first in every commit of an engine holding a lease: it locks the lease row (a takeover waits for
    // this transaction) and changes no row once another engine has claimed the lease (a newer token).
    checkFence: bind(
      db
        .updateTable('leases')
        .set((eb) => ({ token: eb.ref('token') }))
        .where('name', '=', fence.name)
        .where('token', '=', fence.token),
    ),
    updateActor: bind(
      db
        .updateTable('actors')
        .set({
          version: actor.version,
          rev: actor.rev,
          state: actor.state,
          live: actor.live,
          snapshot: actor.snapshot,
          updated_at: actor.at,
        })
        .where('id', '=', actor.id)
        .where('rev', '=', actor.baseRev),
    ),
    insertActor: bind(
      db.insertInto('actors').values({
        id: actor.id,
        machine: actor.machine,
        version: actor.version,
        rev: actor.rev,
        state: actor.state,
        live: actor.live,
        snapshot: actor.snapshot,
        created_at: actor.createdAt,
        updated_at: actor.at,
      }),
    ),
    insertJournal: bind(
      db.insertInto('journal').values({
        batch: journal.batch,
        actor_id: journal.actorId,
        rev: journal.rev,
        event_type: journal.eventType,
        event: journal.event,
        state: journal.state,
        at: journal.at,
      }),
    ),
    insertIgnoredFact: bind(
      db.insertInto('ignored_facts').values({
        batch: ignored.batch,
        actor_id: ignored.actorId,
        rev: ignored.rev,
        event_type: ignored.eventType,
        event: ignored.event,
        state: ignored.state,
        reason: ignored.reason,
        at: ignored.at,
      }),
    ),
    // A guarded intent (gateVersion set) is inserted only while the trading state is still at the version
    // it was allowed under: a change committed by an operator in between wins, inside this transaction.
    insertOutbox: bind(
      db
        .insertInto('outbox')
        .columns(['key', 'actor_id', 'child_id', 'src', 'input', 'status', 'created_at'])
        .expression(
          db
            .selectNoFrom((eb) => [
              eb.val(call.key).as('key'),
              eb.val(call.actorId).as('actor_id'),
              eb.val(call.childId).as('child_id'),
              eb.val(call.src).as('src'),
              eb.val(call.input).as('input'),
              eb.val('pending').as('status'),
              // Typed: PostgreSQL infers no type for a parameter in a select list or beside `is null`.
              sql<number>`cast(${call.createdAt} as bigint)`.as('created_at'),
            ])
            .where(
              sql<boolean>`cast(${call.gateVersion} as bigint) is null or cast(${call.gateVersion} as bigint) = (select version from trading_state where id = 1)`,
            ),
        ),
    ),
    // A row closed as done keeps its result: a second answer for the same call never rewrites it.
    closeOutbox: bind(
      db
        .updateTable('outbox')
        .set({
          status: closing.status,
          result: sql<string | null>`coalesce(${closing.result}, result)`,
          closed_at: closing.closedAt,
        })
        .where('key', '=', closing.key)
        .where('status', '<>', 'done'),
    ),
    deleteTimer: bind(
      db
        .deleteFrom('timers')
        .where('actor_id', '=', timerGone.actorId)
        .where('timer_id', '=', timerGone.timerId),
    ),
    upsertTimer: bind(
      db
        .insertInto('timers')
        .values({ actor_id: timer.actorId, timer_id: timer.timerId, event: timer.event, due_at: timer.dueAt })
        .onConflict((oc) =>
          oc
            .columns(['actor_id', 'timer_id'])
            .doUpdateSet((eb) => ({ event: eb.ref('excluded.event'), due_at: eb.ref('excluded.due_at') })),
        ),
    ),
    upsertOrder: bind(
      db
        .insertInto('orders')
        .values({
          client_order_id: order.clientOrderId,
          venue: order.venue,
          symbol: order.symbol,
          side: order.side,
          type: order.type,
          price: order.price,
          quantity: order.quantity,
          state: order.state,
          venue_order_id: order.venueOrderId,
          level: order.level,
          owner: order.owner,
          reason: order.reason,
          anomalies: order.anomalies,
          fill_gap: order.fillGap,
          created_at: order.createdAt,
          updated_at: order.updatedAt,
        })
        .onConflict((oc) =>
          oc.column('client_order_id').doUpdateSet((eb) => ({
            venue: eb.ref('excluded.venue'),
            symbol: eb.ref('excluded.symbol'),
            side: eb.ref('excluded.side'),
            type: eb.ref('excluded.type'),
            price: eb.ref('excluded.price'),
            quantity: eb.ref('excluded.quantity'),
            state: eb.ref('excluded.state'),
            venue_order_id: eb.ref('excluded.venue_order_id'),
            level: eb.ref('excluded.level'),
            owner: eb.ref('excluded.owner'),
            reason: eb.ref('excluded.reason'),
            anomalies: eb.ref('excluded.anomalies'),
            fill_gap: eb.ref('excluded.fill_gap'),
            created_at: eb.ref('excluded.created_at'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        ),
    ),
    insertFill: bind(
      db.insertInto('fills').values({
        venue: fill.venue,
        trade_id: fill.tradeId,
        client_order_id: fill.clientOrderId,
        venue_order_id: fill.venueOrderId,
        symbol: fill.symbol,
        side: fill.side,
        price: fill.price,
        quantity: fill.quantity,
        fee: fill.fee,
        fee_currency: fill.feeCurrency,
        liquidity: fill.liquidity,
        at: fill.at,
        status: fill.status,
        recorded_at: fill.recordedAt,
      }),
    ),
    upsertPosition: bind(
      db
        .insertInto('positions')
        .values({
          venue: position.venue,
          symbol: position.symbol,
          quantity: position.quantity,
          average_price: position.averagePrice,
          realized_pnl: position.realizedPnl,
          fees: position.fees,
          fill_count: position.fillCount,
          updated_at: position.updatedAt,
        })
        .onConflict((oc) =>
          oc.columns(['venue', 'symbol']).doUpdateSet((eb) => ({
            quantity: eb.ref('excluded.quantity'),
            average_price: eb.ref('excluded.average_price'),
            realized_pnl: eb.ref('excluded.realized_pnl'),
            fees: eb.ref('excluded.fees'),
            fill_count: eb.ref('excluded.fill_count'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        ),
    ),
    // A new occurrence of an acknowledged anomaly needs the operator again.
    upsertAnomaly: bind(
      db
        .insertInto('anomalies')
        .values({
          kind: anomaly.kind,
          subject: anomaly.subject,
          detail: anomaly.detail,
          count: 1,
          first_at: anomaly.at,
          last_at: anomaly.at,
        })
        .onConflict((oc) =>
          oc.columns(['kind', 'subject']).doUpdateSet((eb) => ({
            detail: eb.ref('excluded.detail'),
            count: sql<number>`anomalies.count + 1`,
            last_at: eb.ref('excluded.last_at'),
            acknowledged_at: null,
            acknowledged_note: null,
          })),
        ),
    ),
    setFillStatus: bind(
      db
        .updateTable('fills')
        .set({ status: fillStatus.status })
        .where('venue', '=', fillStatus.venue)
        .where('trade_id', '=', fillStatus.tradeId),
    ),
    upsertMeta: bind(
      db
        .insertInto('meta')
        .values({ key: meta.key, value: meta.value })
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') }))),
    ),
  } satisfies Record<string, BoundStatement>;
}

/** The commit statements by name. */
export type CommitStatements = ReturnType<typeof commitStatements>;

/** Name of a commit statement. */
export type CommitStatement = keyof CommitStatements;

/** The commit statements compiled for SQLite. */
export const SQLITE_COMMIT_STATEMENTS: CommitStatements = commitStatements(sqliteCompiler<Database>());
