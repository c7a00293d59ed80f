import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import { SteadfastError } from '../domain/errors.js';
import type { CommitSet } from './commit-set.js';
import type { Database } from './schema.js';

/**
 * Multi-row writes of a commit, each ONE fixed statement whose rows travel as a single JSON parameter
 * (`json_each`). The SQL text never changes, so the prepared statement is reused, and no per-row query
 * tree is built: per batch this is a handful of statements whatever its size. SQLite dialect; the
 * PostgreSQL store uses `jsonb_array_elements` the same way.
 */
export async function bulkWrite(trx: Transaction<Database>, set: CommitSet): Promise<void> {
  let actorsWritten = 0;
  const created = set.actors.filter((a) => a.baseRev === 0);
  const changed = set.actors.filter((a) => a.baseRev !== 0);
  if (changed.length > 0) {
    // Optimistic concurrency: a row is only updated if it is still at the revision the batch started from.
    const rows = changed.map((a) => [
      a.id,
      a.baseRev,
      a.version,
      a.rev,
      a.state,
      a.live ? 1 : 0,
      a.snapshot,
      a.at,
    ]);
    const result = await sql`
      update actors set version = j.value ->> 2, rev = j.value ->> 3, state = j.value ->> 4, live = j.value ->> 5,
        snapshot = j.value ->> 6, updated_at = j.value ->> 7
      from json_each(${JSON.stringify(rows)}) as j
      where actors.id = j.value ->> 0 and actors.rev = j.value ->> 1`.execute(trx);
    actorsWritten += Number(result.numAffectedRows ?? 0);
  }
  if (created.length > 0) {
    // A plain insert: an actor that already exists (another writer, or a stale id) fails the transaction.
    const rows = created.map((a) => [
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
      from json_each(${JSON.stringify(rows)}) as j`.execute(trx);
    actorsWritten += Number(result.numAffectedRows ?? 0);
  }
  if (actorsWritten !== set.actors.length) {
    throw new SteadfastError(
      'REVISION_CONFLICT',
      'an actor was changed by another writer; refusing to overwrite',
    );
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
      on conflict (client_order_id) do update set venue = excluded.venue, symbol = excluded.symbol,
        side = excluded.side, type = excluded.type, price = excluded.price, quantity = excluded.quantity,
        filled_quantity = excluded.filled_quantity, state = excluded.state, venue_order_id = excluded.venue_order_id,
        level = excluded.level, owner = excluded.owner, reason = excluded.reason, anomalies = excluded.anomalies,
        created_at = excluded.created_at, updated_at = excluded.updated_at`.execute(trx);
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
}
