import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import type { CommitSet } from './commit-set.js';
import type { Database } from './schema.js';

/**
 * Multi-row writes of a commit, each ONE fixed statement whose rows travel as a single JSON parameter
 * (`json_each`). The SQL text never changes, so the prepared statement is reused, and no per-row query
 * tree is built: per batch this is a handful of statements whatever its size. SQLite dialect; the
 * PostgreSQL store uses `jsonb_array_elements` the same way.
 */
export async function bulkWrite(
  trx: Transaction<Database>,
  set: CommitSet,
): Promise<{ actorsWritten: number }> {
  let actorsWritten = 0;
  if (set.actors.length > 0) {
    const rows = set.actors.map((a) => [
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
    const result = await sql`
      insert into actors (id, machine, version, rev, state, live, snapshot, created_at, updated_at)
      select j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5,
             j.value ->> 6, j.value ->> 7, j.value ->> 8
      from json_each(${JSON.stringify(rows)}) as j where true
      on conflict (id) do update set version = excluded.version, rev = excluded.rev, state = excluded.state,
        live = excluded.live, snapshot = excluded.snapshot, updated_at = excluded.updated_at
      where actors.rev < excluded.rev`.execute(trx);
    actorsWritten = Number(result.numAffectedRows ?? 0);
  }
  if (set.journal.length > 0) {
    const rows = set.journal.map((j) => [j.actorId, j.rev, j.eventType, j.event, j.state, j.at]);
    await sql`
      insert into journal (batch, actor_id, rev, event_type, event, state, at)
      select ${set.batch}, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5
      from json_each(${JSON.stringify(rows)}) as j`.execute(trx);
  }
  if (set.outbox.length > 0) {
    const rows = set.outbox.map((o) => [o.key, o.actorId, o.childId, o.src, o.input, o.createdAt]);
    await sql`
      insert into outbox (key, actor_id, child_id, src, input, status, created_at)
      select j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, 'pending', j.value ->> 5
      from json_each(${JSON.stringify(rows)}) as j`.execute(trx);
  }
  if (set.outboxClosed.length > 0) {
    const rows = set.outboxClosed.map((c) => [c.key, c.status, c.result, c.closedAt]);
    await sql`
      update outbox set status = j.value ->> 1, result = j.value ->> 2, closed_at = j.value ->> 3
      from json_each(${JSON.stringify(rows)}) as j where outbox.key = j.value ->> 0`.execute(trx);
  }
  if (set.orders.length > 0) {
    const rows = set.orders.map((o) => [
      o.client_order_id,
      o.venue,
      o.symbol,
      o.side,
      o.type,
      o.price,
      o.quantity,
      o.filled_quantity,
      o.state,
      o.venue_order_id,
      o.level,
      o.owner,
      o.reason,
      o.anomalies,
      o.created_at,
      o.updated_at,
    ]);
    await sql`
      insert into orders (client_order_id, venue, symbol, side, type, price, quantity, filled_quantity, state,
        venue_order_id, level, owner, reason, anomalies, created_at, updated_at)
      select j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5,
             j.value ->> 6, j.value ->> 7, j.value ->> 8, j.value ->> 9, j.value ->> 10, j.value ->> 11,
             j.value ->> 12, j.value ->> 13, j.value ->> 14, j.value ->> 15
      from json_each(${JSON.stringify(rows)}) as j where true
      on conflict (client_order_id) do update set filled_quantity = excluded.filled_quantity,
        state = excluded.state, venue_order_id = excluded.venue_order_id, reason = excluded.reason,
        anomalies = excluded.anomalies, updated_at = excluded.updated_at`.execute(trx);
  }
  if (set.fills.length > 0) {
    const rows = set.fills.map((f) => [
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
    await sql`
      insert into fills (venue, trade_id, client_order_id, venue_order_id, symbol, side, price, quantity, fee,
        fee_currency, liquidity, at, status, recorded_at)
      select j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5,
             j.value ->> 6, j.value ->> 7, j.value ->> 8, j.value ->> 9, j.value ->> 10, j.value ->> 11,
             j.value ->> 12, j.value ->> 13
      from json_each(${JSON.stringify(rows)}) as j`.execute(trx);
  }
  return { actorsWritten };
}
