import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import { integrityCheck, openSqliteReadOnly } from '../../src/persistence/sqlite.js';
import { journalReplayProblems, normalize, signedSum } from '../support/invariants.js';
import type { VenueSimState } from '../support/venue-sim.js';

/** The audit of an engine database against the venue's own records, each invariant as a count. */
export interface ChaosAudit {
  orders: number;
  fills: number;
  /** clientOrderIds the venue holds more than once. */
  duplicateClientOrderIds: number;
  /** Venue orders the engine database does not know (sent without a committed intent). */
  unknownVenueOrders: number;
  /** Venue trades the ledger does not hold. */
  lostFills: number;
  /** Ledger fills the venue does not have, or counted under a trade id twice. */
  doubleCountedFills: number;
  /** Symbols whose position differs from the venue's trades summed independently. */
  positionMismatches: number;
  /** Orders open at the venue but not locally, or the other way round. */
  openOrderMismatches: number;
  /** Orders left in a waiting state with no call in flight and no timer. */
  stuckOrders: number;
  integrityOk: boolean;
  replayOk: boolean;
  /** The first few violations, in words. */
  problems: string[];
}

/** What the venue's own records say, in the engine's terms. */
export interface VenueView {
  orders: { clientOrderId: string; open: boolean }[];
  trades: { tradeId: string; symbol: string; side: string; quantity: string }[];
}

/** The paper venue's records (its own file). */
export function paperView(venueDb: string): VenueView {
  const venue = openPaperVenueStore(venueDb);
  try {
    const open = new Set(venue.openOrders().map((o) => o.clientOrderId));
    return {
      orders: venue
        .allOrders()
        .map((o) => ({ clientOrderId: o.clientOrderId, open: open.has(o.clientOrderId) })),
      trades: venue
        .allTrades()
        .map((t) => ({ tradeId: t.tradeId, symbol: t.symbol, side: t.side, quantity: t.quantity })),
    };
  } finally {
    venue.close();
  }
}

/** The simulator's records (`GET /admin/state`), its symbols (`BTCUSDT`) named as the engine names them. */
export function simView(state: VenueSimState, symbols: readonly string[]): VenueView {
  const unified = new Map(symbols.map((s) => [s.replace('/', ''), s]));
  return {
    orders: state.orders.map((o) => ({
      clientOrderId: o.clientOrderId,
      open: o.status === 'NEW' || o.status === 'PARTIALLY_FILLED',
    })),
    trades: state.trades.map((t) => ({
      tradeId: String(t.id),
      symbol: unified.get(t.symbol) ?? t.symbol,
      side: t.side.toLowerCase(),
      quantity: t.qty,
    })),
  };
}

/** Audits `engineDb` (a SQLite file, after a graceful stop) against the venue's records. */
export async function audit(engineDb: string, view: VenueView): Promise<ChaosAudit> {
  const problems: string[] = [];
  const db = openSqliteReadOnly(engineDb);
  try {
    const venueOrders = view.orders;
    const venueTrades = view.trades;
    const orders = await db.selectFrom('orders').select(['client_order_id', 'state']).execute();
    const fills = await db
      .selectFrom('fills')
      .select(['trade_id', 'symbol', 'side', 'quantity', 'status'])
      .execute();
    const positions = await db.selectFrom('positions').select(['symbol', 'quantity']).execute();
    const outbox = await db.selectFrom('outbox').select('actor_id').where('status', '=', 'pending').execute();
    const timers = await db.selectFrom('timers').select('actor_id').execute();

    const byCid = new Map<string, number>();
    for (const o of venueOrders) byCid.set(o.clientOrderId, (byCid.get(o.clientOrderId) ?? 0) + 1);
    const duplicates = [...byCid].filter(([, n]) => n > 1);
    const known = new Set(orders.map((o) => o.client_order_id));
    const unknown = venueOrders.filter((o) => !known.has(o.clientOrderId));
    const ledger = new Set(fills.map((f) => f.trade_id));
    const lost = venueTrades.filter((t) => !ledger.has(t.tradeId));
    const atVenue = new Set(venueTrades.map((t) => t.tradeId));
    const seen = new Set<string>();
    const doubled = fills.filter((f) => {
      const twice = seen.has(f.trade_id);
      seen.add(f.trade_id);
      return twice || !atVenue.has(f.trade_id.split('~')[0]!);
    });
    const symbols = new Set([...positions.map((p) => p.symbol), ...venueTrades.map((t) => t.symbol)]);
    const mismatched = [...symbols].filter((s) => {
      const local = positions.find((p) => p.symbol === s)?.quantity ?? '0';
      return normalize(local) !== signedSum(venueTrades.filter((t) => t.symbol === s));
    });
    const venueOpen = new Set(venueOrders.filter((o) => o.open).map((o) => o.clientOrderId));
    const localOpen = new Set(
      orders.filter((o) => o.state === 'open' || o.state === 'partiallyFilled').map((o) => o.client_order_id),
    );
    const openMismatch = [
      ...[...venueOpen].filter((c) => !localOpen.has(c)),
      ...[...localOpen].filter((c) => !venueOpen.has(c)),
    ];
    const waiting = new Set([...outbox.map((r) => r.actor_id), ...timers.map((r) => r.actor_id)]);
    const stuck = orders.filter(
      (o) =>
        ['pendingNew', 'submitting', 'pendingCancel', 'unconfirmed'].some((s) => o.state.startsWith(s)) &&
        !waiting.has(`order/${o.client_order_id}`),
    );
    const integrity = integrityCheck(engineDb);
    const replay = await journalReplayProblems(db);

    for (const [cid, n] of duplicates) problems.push(`clientOrderId ${cid} placed ${n} times`);
    for (const o of unknown) problems.push(`venue order ${o.clientOrderId} unknown to the engine`);
    for (const t of lost) problems.push(`venue trade ${t.tradeId} never counted`);
    for (const f of doubled) problems.push(`ledger fill ${f.trade_id} counted twice or not at the venue`);
    for (const s of mismatched) problems.push(`position ${s} differs from the venue's trades`);
    for (const c of openMismatch) problems.push(`order ${c} open on one side only`);
    for (const o of stuck) problems.push(`order ${o.client_order_id} stuck in ${o.state}`);
    if (integrity !== 'ok') problems.push(`integrity_check: ${integrity}`);
    problems.push(...replay);
    return {
      orders: venueOrders.length,
      fills: venueTrades.length,
      duplicateClientOrderIds: duplicates.length,
      unknownVenueOrders: unknown.length,
      lostFills: lost.length,
      doubleCountedFills: doubled.length,
      positionMismatches: mismatched.length,
      openOrderMismatches: openMismatch.length,
      stuckOrders: stuck.length,
      integrityOk: integrity === 'ok',
      replayOk: replay.length === 0,
      problems: problems.slice(0, 20),
    };
  } finally {
    await db.destroy();
  }
}
