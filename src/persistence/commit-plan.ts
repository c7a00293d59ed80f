import type { CommitSet } from './commit-set.js';

/**
 * Every write of a commit is one of these fixed single-row statements, prepared once and run per row.
 * (SQLite dialect; the columns are those of schema.ts.) Per-row statements beat multi-row ones here: a
 * multi-row JSON parameter (`json_each`) makes SQLite re-parse each row's JSON once per extracted column,
 * which dominated the writer's time with ~1 KB snapshots in the rows.
 */
export const COMMIT_STATEMENTS = {
  updateActor: `update actors set version = ?, rev = ?, state = ?, live = ?, snapshot = ?, updated_at = ?
    where id = ? and rev = ?`,
  insertActor: `insert into actors (id, machine, version, rev, state, live, snapshot, created_at, updated_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  insertJournal: `insert into journal (batch, actor_id, rev, event_type, event, state, at)
    values (?, ?, ?, ?, ?, ?, ?)`,
  insertOutbox: `insert into outbox (key, actor_id, child_id, src, input, status, created_at)
    values (?, ?, ?, ?, ?, 'pending', ?)`,
  // A row closed as done keeps its result: a second answer for the same call never rewrites it.
  closeOutbox: `update outbox set status = ?, result = coalesce(?, result), closed_at = ?
    where key = ? and status <> 'done'`,
  deleteTimer: `delete from timers where actor_id = ? and timer_id = ?`,
  upsertTimer: `insert into timers (actor_id, timer_id, event, due_at) values (?, ?, ?, ?)
    on conflict (actor_id, timer_id) do update set event = excluded.event, due_at = excluded.due_at`,
  upsertOrder: `insert into orders (client_order_id, venue, symbol, side, type, price, quantity, state,
      venue_order_id, level, owner, reason, anomalies, fill_gap, created_at, updated_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    on conflict (client_order_id) do update set venue = excluded.venue, symbol = excluded.symbol,
      side = excluded.side, type = excluded.type, price = excluded.price, quantity = excluded.quantity,
      state = excluded.state, venue_order_id = excluded.venue_order_id, level = excluded.level,
      owner = excluded.owner, reason = excluded.reason, anomalies = excluded.anomalies,
      fill_gap = excluded.fill_gap, created_at = excluded.created_at, updated_at = excluded.updated_at`,
  insertFill: `insert into fills (venue, trade_id, client_order_id, venue_order_id, symbol, side, price, quantity,
      fee, fee_currency, liquidity, at, status, recorded_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  upsertPosition: `insert into positions (venue, symbol, quantity, average_price, realized_pnl, fees, fill_count,
      updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)
    on conflict (venue, symbol) do update set quantity = excluded.quantity, average_price = excluded.average_price,
      realized_pnl = excluded.realized_pnl, fees = excluded.fees, fill_count = excluded.fill_count,
      updated_at = excluded.updated_at`,
  // A new occurrence of an acknowledged anomaly needs the operator again.
  upsertAnomaly: `insert into anomalies (kind, subject, detail, count, first_at, last_at) values (?, ?, ?, 1, ?, ?)
    on conflict (kind, subject) do update set detail = excluded.detail, count = anomalies.count + 1,
      last_at = excluded.last_at, acknowledged_at = null, acknowledged_note = null`,
  setFillStatus: `update fills set status = ? where venue = ? and trade_id = ?`,
  upsertMeta: `insert into meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value`,
} as const;

/** Name of a commit statement. */
export type CommitStatement = keyof typeof COMMIT_STATEMENTS;

/** One statement and the parameter rows it runs with, in order. */
export type CommitStep = [CommitStatement, unknown[][]];

/**
 * A commit as data: the steps in order (each a statement run once per row) and whether the commit must be
 * fsynced (it carries call intents). `updateActor` must change exactly one row per run: that is the
 * revision check. Plain values, so it is posted to the writer thread cheaply.
 */
export interface CommitPlan {
  steps: CommitStep[];
  fullSync: boolean;
}

/** Appends a step of `rows` mapped to parameter rows, if there are any. */
function addStep<T>(
  steps: CommitStep[],
  name: CommitStatement,
  rows: readonly T[],
  map: (row: T) => unknown[],
): void {
  if (rows.length > 0) steps.push([name, rows.map(map)]);
}

/** Turns a CommitSet into its plan. */
export function planCommit(set: CommitSet): CommitPlan {
  const steps: CommitStep[] = [];
  const changed = set.actors.filter((a) => a.baseRev !== 0);
  const created = set.actors.filter((a) => a.baseRev === 0);
  addStep(steps, 'updateActor', changed, (a) => [
    a.version,
    a.rev,
    a.state,
    a.live ? 1 : 0,
    a.snapshot,
    a.at,
    a.id,
    a.baseRev,
  ]);
  addStep(steps, 'insertActor', created, (a) => [
    a.id,
    a.machine,
    a.version,
    a.rev,
    a.state,
    a.live ? 1 : 0,
    a.snapshot,
    a.createdAt,
    a.at,
  ]);
  addStep(steps, 'insertJournal', set.journal, (j) => [
    set.batch,
    j.actorId,
    j.rev,
    j.eventType,
    j.event,
    j.state,
    j.at,
  ]);
  addStep(steps, 'insertOutbox', set.outbox, (o) => [
    o.key,
    o.actorId,
    o.childId,
    o.src,
    o.input,
    o.createdAt,
  ]);
  addStep(steps, 'closeOutbox', set.outboxClosed, (c) => [c.status, c.result, c.closedAt, c.key]);
  addStep(steps, 'deleteTimer', set.timersDeleted, (t) => [t.actorId, t.timerId]);
  addStep(steps, 'upsertTimer', set.timers, (t) => [t.actorId, t.timerId, t.event, t.dueAt]);
  addStep(steps, 'upsertOrder', set.orders, (o) => [
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
    o.fill_gap,
    o.created_at,
    o.updated_at,
  ]);
  addStep(steps, 'insertFill', set.fills, (f) => [
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
  addStep(steps, 'upsertPosition', set.positions, (p) => [
    p.venue,
    p.symbol,
    p.quantity,
    p.average_price,
    p.realized_pnl,
    p.fees,
    p.fill_count,
    p.updated_at,
  ]);
  addStep(steps, 'upsertAnomaly', set.anomalies, (a) => [a.kind, a.subject, a.detail, a.at, a.at]);
  addStep(steps, 'setFillStatus', set.fillStatuses, (f) => [f.status, f.venue, f.tradeId]);
  addStep(steps, 'upsertMeta', set.meta, (m) => [m.key, m.value]);
  return { steps, fullSync: set.outbox.length > 0 };
}
