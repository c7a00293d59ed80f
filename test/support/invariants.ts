import fs from 'node:fs';
import { sql } from 'kysely';
import {
  listActorIds,
  readActor,
  readJournal,
  readLedgerCheck,
} from '../../src/persistence/operator-queries.js';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import { openEngineDatabaseReadOnly } from '../../src/persistence/open-database.js';
import { isPostgresUrl } from '../../src/persistence/postgres.js';
import { integrityCheck, openSqliteReadOnly } from '../../src/persistence/sqlite.js';
import { ledgerProblems, verifyActor } from '../../src/runtime/verify-replay.js';

/** Signed sum of fill quantities, as a normalized decimal string, computed with BigInt (independent of big.js). */
export function signedSum(fills: readonly { side: string; quantity: string }[]): string {
  const SCALE = 18;
  let total = 0n;
  for (const f of fills) {
    const [int, frac = ''] = f.quantity.split('.');
    const units = BigInt(int! + frac.padEnd(SCALE, '0'));
    total += f.side === 'buy' ? units : -units;
  }
  const neg = total < 0n;
  const digits = (neg ? -total : total).toString().padStart(SCALE + 1, '0');
  const int = digits.slice(0, -SCALE);
  const frac = digits.slice(-SCALE).replace(/0+$/, '');
  const out = frac ? `${int}.${frac}` : int;
  return neg && out !== '0' ? `-${out}` : out;
}

/** A signed decimal string in signedSum's normal form. */
export const normalize = (s: string) =>
  signedSum([{ side: s.startsWith('-') ? 'sell' : 'buy', quantity: s.replace(/^-/, '') }]);

/**
 * Durable timers of actors that are terminal: a state that armed a timer and was left must have disarmed
 * it in the same transaction (else it fires, for nothing, at every start).
 */
export async function staleTimerProblems(db: ReturnType<typeof openSqliteReadOnly>): Promise<string[]> {
  const rows = await db
    .selectFrom('timers')
    .innerJoin('actors', 'actors.id', 'timers.actor_id')
    .select(['timers.actor_id', 'timers.timer_id', 'actors.state'])
    .where('actors.live', '=', 0)
    .execute();
  return rows.map((r) => `timer ${r.timer_id} of ${r.actor_id} is still set in terminal state ${r.state}`);
}

/**
 * Every actor whose journal, replayed from the start through its machine, does not give its stored
 * snapshot (or does not reach the journal's state at some revision): what `replay --verify` checks.
 */
export async function journalReplayProblems(db: ReturnType<typeof openSqliteReadOnly>): Promise<string[]> {
  const problems: string[] = [];
  for (const id of await listActorIds(db)) {
    const actor = await readActor(db, id);
    if (actor === null) continue;
    const d = verifyActor(actor, await readJournal(db, id));
    if (d !== null) problems.push(`actor ${d.actorId} at rev ${d.rev} (event ${d.eventType}): ${d.reason}`);
  }
  return problems;
}

/**
 * After a graceful stop: local open orders must equal the venue's open orders (by clientOrderId), and no
 * order may be left waiting for an answer.
 */
export function settledOrderProblems(
  venueOpenIds: readonly string[],
  orders: readonly { client_order_id: string; state: string }[],
): string[] {
  const problems: string[] = [];
  const venueOpen = new Set(venueOpenIds);
  const localOpen = new Set(
    orders.filter((o) => o.state === 'open' || o.state === 'partiallyFilled').map((o) => o.client_order_id),
  );
  for (const cid of venueOpen)
    if (!localOpen.has(cid)) problems.push(`venue open order ${cid} is not open locally`);
  for (const cid of localOpen)
    if (!venueOpen.has(cid)) problems.push(`local open order ${cid} is not open at the venue`);
  for (const o of orders) {
    if (['pendingNew', 'submitting', 'pendingCancel', 'unconfirmed'].includes(o.state)) {
      problems.push(`order ${o.client_order_id} left unsettled in ${o.state}`);
    }
  }
  return problems;
}

/** True once the engine database exists with its migrated schema (a kill may come before that). */
export async function hasEngineSchema(engineDb: string): Promise<boolean> {
  if (!fs.existsSync(engineDb)) return false;
  const db = openSqliteReadOnly(engineDb);
  try {
    const { rows } = await sql<{
      n: number;
    }>`select count(*) as n from sqlite_master where name = 'orders'`.execute(db);
    return rows[0]?.n === 1;
  } finally {
    await db.destroy();
  }
}

/**
 * Checks the engine database against the paper venue's own records. Returns every violation found (empty
 * when all hold). `final` adds the checks that only hold once the engine has stopped gracefully.
 */
export async function checkInvariants(engineDb: string, venueDb: string, final: boolean): Promise<string[]> {
  const sqlite = !isPostgresUrl(engineDb);
  const db = sqlite
    ? null
    : await openEngineDatabaseReadOnly(engineDb).catch((err: unknown) => {
        // Killed before the migrations committed (one transaction on PostgreSQL).
        if (String(err).includes('no engine database')) return null;
        throw err;
      });
  if (sqlite ? !(await hasEngineSchema(engineDb)) : db === null) {
    // Killed before its schema was committed: then the engine cannot have sent anything.
    if (!fs.existsSync(venueDb)) return [];
    const venue = openPaperVenueStore(venueDb);
    try {
      const n = venue.allOrders().length;
      return n === 0 ? [] : [`the venue has ${n} orders but the engine database has no schema yet`];
    } finally {
      venue.close();
    }
  }
  const problems: string[] = [];
  for (const [name, file] of [
    ...(sqlite ? [['engine', engineDb] as const] : []),
    ['venue', venueDb] as const,
  ]) {
    const answer = integrityCheck(file);
    if (answer !== 'ok') problems.push(`${name} integrity_check: ${answer}`);
  }
  const venue = openPaperVenueStore(venueDb);
  const engine = db ?? (await openEngineDatabaseReadOnly(engineDb));
  try {
    const venueOrders = venue.allOrders();
    const venueTrades = venue.allTrades();
    const orders = await engine.selectFrom('orders').selectAll().execute();
    const fills = await engine.selectFrom('fills').selectAll().execute();
    const positions = await engine.selectFrom('positions').selectAll().execute();
    const byCid = new Map<string, number>();
    for (const o of venueOrders) byCid.set(o.clientOrderId, (byCid.get(o.clientOrderId) ?? 0) + 1);
    for (const [cid, n] of byCid)
      if (n > 1) problems.push(`clientOrderId ${cid} placed ${n} times at the venue`);
    const accepted = new Set<string>();
    for (const r of venue.requests()) {
      if (r.kind !== 'place' || r.clientOrderId === null || r.outcome === 'failedBeforeVenue') continue;
      if (accepted.has(r.clientOrderId))
        problems.push(`place ${r.clientOrderId} re-sent although the venue had it (${r.outcome})`);
      if (r.outcome === 'accepted') accepted.add(r.clientOrderId);
    }
    const known = new Set(orders.map((o) => o.client_order_id));
    for (const o of venueOrders) {
      if (!known.has(o.clientOrderId))
        problems.push(`venue order ${o.clientOrderId} has no intent in the engine database`);
    }
    const trades = new Map(venueTrades.map((t) => [t.tradeId, t]));
    for (const f of fills) {
      const t = trades.get(f.trade_id);
      if (t === undefined) problems.push(`engine fill ${f.trade_id} does not exist at the venue`);
      else if (t.quantity !== f.quantity || t.price !== f.price || t.side !== f.side) {
        problems.push(`engine fill ${f.trade_id} differs from the venue's`);
      }
    }
    for (const p of positions) {
      const counted = fills.filter((f) => f.symbol === p.symbol && f.status !== 'quarantined');
      if (normalize(p.quantity) !== signedSum(counted)) {
        problems.push(`position ${p.symbol} ${p.quantity} != sum of its ledger fills ${signedSum(counted)}`);
      }
    }
    problems.push(...ledgerProblems(await readLedgerCheck(engine)));
    problems.push(...(await staleTimerProblems(engine)));
    if (final) {
      const recorded = new Set(fills.map((f) => f.trade_id));
      for (const t of venueTrades)
        if (!recorded.has(t.tradeId)) problems.push(`venue trade ${t.tradeId} never counted`);
      for (const p of positions) {
        const atVenue = signedSum(venueTrades.filter((t) => t.symbol === p.symbol));
        if (normalize(p.quantity) !== atVenue)
          problems.push(`position ${p.symbol} ${p.quantity} != venue fills ${atVenue}`);
      }
      problems.push(
        ...settledOrderProblems(
          venue.openOrders().map((o) => o.clientOrderId),
          orders,
        ),
      );
      problems.push(...(await journalReplayProblems(engine)));
    }
  } finally {
    venue.close();
    await engine.destroy();
  }
  return problems;
}
