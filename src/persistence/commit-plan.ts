import type { CommitSet } from './commit-set.js';

/**
 * Every write of a commit is one of these fixed statements; the rows travel as ONE JSON parameter read
 * with `json_each`. The SQL text never changes, so each statement is prepared once, and a batch costs a
 * handful of statements whatever its size. (SQLite dialect; the columns are those of schema.ts.)
 */
export const COMMIT_STATEMENTS = {
  updateActors: `update actors set version = j.value ->> 2, rev = j.value ->> 3, state = j.value ->> 4,
      live = j.value ->> 5, snapshot = j.value ->> 6, updated_at = j.value ->> 7
    from json_each(?) as j where actors.id = j.value ->> 0 and actors.rev = j.value ->> 1`,
  insertActors: `insert into actors (id, machine, version, rev, state, live, snapshot, created_at, updated_at)
    select j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5,
      j.value ->> 6, j.value ->> 7, j.value ->> 8 from json_each(?) as j`,
  insertJournal: `insert into journal (batch, actor_id, rev, event_type, event, state, at)
    select ?, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5
    from json_each(?) as j`,
  insertOutbox: `insert into outbox (key, actor_id, child_id, src, input, status, created_at)
    select j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, 'pending', j.value ->> 5
    from json_each(?) as j`,
  closeOutbox: `update outbox set status = j.value ->> 1, result = coalesce(j.value ->> 2, outbox.result),
      closed_at = j.value ->> 3
    from json_each(?) as j where outbox.key = j.value ->> 0`,
  deleteTimers: `delete from timers where exists (select 1 from json_each(?) as j
    where timers.actor_id = j.value ->> 0 and timers.timer_id = j.value ->> 1)`,
  upsertTimers: `insert into timers (actor_id, timer_id, event, due_at)
    select j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3 from json_each(?) as j where true
    on conflict (actor_id, timer_id) do update set event = excluded.event, due_at = excluded.due_at`,
  upsertOrders: `insert into orders (client_order_id, venue, symbol, side, type, price, quantity, state,
      venue_order_id, level, owner, reason, anomalies, created_at, updated_at)
    select j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5,
      j.value ->> 6, j.value ->> 7, j.value ->> 8, j.value ->> 9, j.value ->> 10, j.value ->> 11,
      j.value ->> 12, j.value ->> 13, j.value ->> 14
    from json_each(?) as j where true
    on conflict (client_order_id) do update set venue = excluded.venue, symbol = excluded.symbol,
      side = excluded.side, type = excluded.type, price = excluded.price, quantity = excluded.quantity,
      state = excluded.state, venue_order_id = excluded.venue_order_id,
      level = excluded.level, owner = excluded.owner, reason = excluded.reason, anomalies = excluded.anomalies,
      created_at = excluded.created_at, updated_at = excluded.updated_at`,
  insertFills: `insert into fills (venue, trade_id, client_order_id, venue_order_id, symbol, side, price, quantity,
      fee, fee_currency, liquidity, at, status, recorded_at)
    select j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5,
      j.value ->> 6, j.value ->> 7, j.value ->> 8, j.value ->> 9, j.value ->> 10, j.value ->> 11,
      j.value ->> 12, j.value ->> 13
    from json_each(?) as j`,
  upsertPositions: `insert into positions (venue, symbol, quantity, average_price, realized_pnl, fees, fill_count,
      updated_at)
    select j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5,
      j.value ->> 6, j.value ->> 7 from json_each(?) as j where true
    on conflict (venue, symbol) do update set quantity = excluded.quantity, average_price = excluded.average_price,
      realized_pnl = excluded.realized_pnl, fees = excluded.fees, fill_count = excluded.fill_count,
      updated_at = excluded.updated_at`,
  upsertAnomalies: `insert into anomalies (kind, subject, detail, count, first_at, last_at)
    select j.value ->> 0, j.value ->> 1, j.value ->> 2, 1, j.value ->> 3, j.value ->> 3
    from json_each(?) as j where true
    on conflict (kind, subject) do update set detail = excluded.detail, count = anomalies.count + 1,
      last_at = excluded.last_at`,
  upsertMeta: `insert into meta (key, value) select j.value ->> 0, j.value ->> 1 from json_each(?) as j where true
    on conflict (key) do update set value = excluded.value`,
} as const;

/** Name of a commit statement. */
export type CommitStatement = keyof typeof COMMIT_STATEMENTS;

/** One statement run with its parameters. */
export type CommitStep = [CommitStatement, unknown[]];

/**
 * A commit as data: the steps in order, how many rows the actor update must change (the revision check),
 * and whether the commit must be fsynced (it carries call intents). Plain strings and numbers, so it can be
 * posted to the writer thread cheaply.
 */
export interface CommitPlan {
  steps: CommitStep[];
  expectUpdatedActors: number;
  fullSync: boolean;
}

const rowsOf = <T>(rows: readonly T[], map: (row: T) => unknown[]): string => JSON.stringify(rows.map(map));

/** Turns a CommitSet into its plan. Anomaly repeats within one set count once each, like row by row. */
export function planCommit(set: CommitSet): CommitPlan {
  const steps: CommitStep[] = [];
  const add = <T>(
    name: CommitStatement,
    rows: readonly T[],
    map: (row: T) => unknown[],
    before: unknown[] = [],
  ) => {
    if (rows.length > 0) steps.push([name, [...before, rowsOf(rows, map)]]);
  };
  const changed = set.actors.filter((a) => a.baseRev !== 0);
  add('updateActors', changed, (a) => [
    a.id,
    a.baseRev,
    a.version,
    a.rev,
    a.state,
    a.live ? 1 : 0,
    a.snapshot,
    a.at,
  ]);
  add(
    'insertActors',
    set.actors.filter((a) => a.baseRev === 0),
    (a) => [a.id, a.machine, a.version, a.rev, a.state, a.live ? 1 : 0, a.snapshot, a.createdAt, a.at],
  );
  add('insertJournal', set.journal, (j) => [j.actorId, j.rev, j.eventType, j.event, j.state, j.at], [
    set.batch,
  ]);
  add('insertOutbox', set.outbox, (o) => [o.key, o.actorId, o.childId, o.src, o.input, o.createdAt]);
  add('closeOutbox', set.outboxClosed, (c) => [c.key, c.status, c.result, c.closedAt]);
  add('deleteTimers', set.timersDeleted, (t) => [t.actorId, t.timerId]);
  add('upsertTimers', set.timers, (t) => [t.actorId, t.timerId, t.event, t.dueAt]);
  add('upsertOrders', set.orders, (o) => [
    o.client_order_id,
    o.venue,
    o.symbol,
    o.side,
    o.type,
    o.price,
    o.quantity,
    o.state,
    o.venue_order_id,
    o.level,
    o.owner,
    o.reason,
    o.anomalies,
    o.created_at,
    o.updated_at,
  ]);
  add('insertFills', set.fills, (f) => [
    f.venue,
    f.trade_id,
    f.client_order_id,
    f.venue_order_id,
    f.symbol,
    f.side,
    f.price,
    f.quantity,
    f.fee,
    f.fee_currency,
    f.liquidity,
    f.at,
    f.status,
    f.recorded_at,
  ]);
  add('upsertPositions', set.positions, (p) => [
    p.venue,
    p.symbol,
    p.quantity,
    p.average_price,
    p.realized_pnl,
    p.fees,
    p.fill_count,
    p.updated_at,
  ]);
  for (const a of set.anomalies) add('upsertAnomalies', [a], (x) => [x.kind, x.subject, x.detail, x.at]);
  add('upsertMeta', set.meta, (m) => [m.key, m.value]);
  return { steps, expectUpdatedActors: changed.length, fullSync: set.outbox.length > 0 };
}
