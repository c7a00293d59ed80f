import { readConsistently } from '../../src/persistence/operator-queries.js';
import { openEngineDatabaseReadOnly } from '../../src/persistence/open-database.js';
import { isPostgresUrl } from '../../src/persistence/postgres.js';
import { integrityCheck } from '../../src/persistence/sqlite.js';
import {
  hasEngineSchema,
  journalReplayProblems,
  normalize,
  settledOrderProblems,
  staleTimerProblems,
  signedSum,
} from './invariants.js';
import type { VenueSimState } from './venue-sim.js';

/** A decimal in canonical form (`0.0100` -> `0.01`). */
const canon = (s: string) => normalize(s);
/** `BTC/USDT` -> `BTCUSDT`. */
const venueSymbol = (s: string) => s.replace('/', '');

/**
 * Checks an engine database that traded through ccxt against the simulator's own records
 * (`GET /admin/state`), a SQLite file or a PostgreSQL URL. Returns every violation found (empty when all hold). `final` adds the checks that
 * only hold once the engine stopped gracefully and the venue's market is quiet. `later` (an engine still
 * runs): reads the venue again after the engine database, for the fills.
 */
export async function checkCcxtInvariants(
  engineDb: string,
  venue: VenueSimState,
  final: boolean,
  later?: () => Promise<VenueSimState>,
): Promise<string[]> {
  const problems: string[] = [];
  const sqlite = !isPostgresUrl(engineDb);
  if (sqlite && !(await hasEngineSchema(engineDb))) {
    // Killed before the engine's schema was committed: then nothing may have reached the venue either.
    return venue.orders.map((o) => `venue order ${o.clientOrderId} exists, but no engine database does`);
  }
  const answer = sqlite ? integrityCheck(engineDb) : 'ok';
  if (answer !== 'ok') problems.push(`engine integrity_check: ${answer}`);
  const db = await openEngineDatabaseReadOnly(engineDb).catch((err: unknown) => {
    // PostgreSQL: killed before the migrations committed (they are one transaction).
    if (!sqlite && String(err).includes('no engine database')) return null;
    throw err;
  });
  if (db === null)
    return venue.orders.map((o) => `venue order ${o.clientOrderId} exists, but no engine database does`);
  try {
    // One snapshot of the three (an engine may still be committing: on PostgreSQL, repeatable read).
    const { orders, fills, positions } = await readConsistently(db, async (tx) => ({
      orders: await tx.selectFrom('orders').selectAll().execute(),
      fills: await tx.selectFrom('fills').selectAll().execute(),
      positions: await tx.selectFrom('positions').selectAll().execute(),
    }));
    const byCid = new Map<string, number>();
    for (const o of venue.orders) byCid.set(o.clientOrderId, (byCid.get(o.clientOrderId) ?? 0) + 1);
    for (const [cid, n] of byCid)
      if (n > 1) problems.push(`clientOrderId ${cid} placed ${n} times at the venue`);
    const known = new Set(orders.map((o) => o.client_order_id));
    for (const o of venue.orders) {
      if (!known.has(o.clientOrderId))
        problems.push(`venue order ${o.clientOrderId} has no intent in the engine database`);
    }
    // With an engine still running, fills it recorded after `venue` was read are looked up in a later read.
    const tradesRead = later === undefined ? venue : await later();
    const trades = new Map(tradesRead.trades.map((t) => [String(t.id), t]));
    const seen = new Set<string>();
    for (const f of fills) {
      if (seen.has(f.trade_id)) problems.push(`engine fill ${f.trade_id} recorded twice`);
      seen.add(f.trade_id);
      const t = trades.get(f.trade_id);
      if (t === undefined) problems.push(`engine fill ${f.trade_id} does not exist at the venue`);
      else if (
        canon(t.qty) !== canon(f.quantity) ||
        canon(t.price) !== canon(f.price) ||
        t.side.toLowerCase() !== f.side ||
        t.symbol !== venueSymbol(f.symbol)
      ) {
        problems.push(`engine fill ${f.trade_id} differs from the venue's: ${JSON.stringify({ t, f })}`);
      }
    }
    for (const p of positions) {
      const counted = fills.filter((f) => f.symbol === p.symbol && f.status !== 'quarantined');
      if (normalize(p.quantity) !== signedSum(counted)) {
        problems.push(`position ${p.symbol} ${p.quantity} != sum of its ledger fills ${signedSum(counted)}`);
      }
    }
    if (final) {
      for (const t of venue.trades)
        if (!seen.has(String(t.id))) problems.push(`venue trade ${t.id} never counted`);
      for (const p of positions) {
        const atVenue = signedSum(
          venue.trades
            .filter((t) => t.symbol === venueSymbol(p.symbol))
            .map((t) => ({ side: t.side.toLowerCase(), quantity: t.qty })),
        );
        if (normalize(p.quantity) !== atVenue)
          problems.push(`position ${p.symbol} ${p.quantity} != venue fills ${atVenue}`);
      }
      const open = (s: string) => s === 'NEW' || s === 'PARTIALLY_FILLED';
      const venueOpen = venue.orders.filter((o) => open(o.status)).map((o) => o.clientOrderId);
      problems.push(...settledOrderProblems(venueOpen, orders));
      problems.push(...(await journalReplayProblems(db)));
    }
    problems.push(...(await staleTimerProblems(db)));
  } finally {
    await db.destroy();
  }
  return problems;
}
