import type { Kysely } from 'kysely';
import pg from 'pg';
import { openEngineDatabaseReadOnly } from '../../src/persistence/open-database.js';
import { isPostgresUrl, postgresTarget } from '../../src/persistence/postgres.js';
import type { Database } from '../../src/persistence/schema.js';
import { integrityCheck } from '../../src/persistence/sqlite.js';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import { canonical, fifoRealizedPnl } from './fifo-pnl.js';
import type { FifoStart } from './fifo-pnl.js';
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
  /** Symbols whose position, or realized PnL, differs from the venue's trades recomputed independently. */
  positionMismatches: number;
  /** Of which realized PnL (or a fill the book applied unlike the venue's). */
  realizedPnlMismatches: number;
  /** Orders open at the venue but not locally, or the other way round. */
  openOrderMismatches: number;
  /** Orders left in a waiting state with no call in flight and no timer. */
  stuckOrders: number;
  /** integrity_check on SQLite, amcheck on PostgreSQL; null when amcheck is not available. */
  integrityOk: boolean | null;
  replayOk: boolean;
  /** The first few violations, in words. */
  problems: string[];
}

/** What the venue's own records say, in the engine's terms. */
export interface VenueView {
  orders: { clientOrderId: string; open: boolean }[];
  trades: { tradeId: string; symbol: string; side: string; price: string; quantity: string }[];
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
      trades: venue.allTrades().map((t) => ({
        tradeId: t.tradeId,
        symbol: t.symbol,
        side: t.side,
        price: t.price,
        quantity: t.quantity,
      })),
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
      price: t.price,
      quantity: t.qty,
    })),
  };
}

/** Audits `engineDb` (a SQLite file or a PostgreSQL URL, after a graceful stop) against the venue's records. */
export async function audit(engineDb: string, view: VenueView): Promise<ChaosAudit> {
  const problems: string[] = [];
  const db = await openEngineDatabaseReadOnly(engineDb);
  try {
    const venueOrders = view.orders;
    const venueTrades = view.trades;
    const orders = await db.selectFrom('orders').select(['client_order_id', 'state']).execute();
    const fills = await db
      .selectFrom('fills')
      .select(['trade_id', 'symbol', 'side', 'quantity', 'status'])
      .execute();
    const positions = await db
      .selectFrom('positions')
      .select(['venue', 'symbol', 'quantity', 'realized_pnl'])
      .execute();
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
    const pnl = await pnlProblems(db, positions, venueTrades);
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
    const integrity = isPostgresUrl(engineDb) ? await postgresIntegrity(engineDb) : integrityCheck(engineDb);
    const replay = await journalReplayProblems(db);

    for (const [cid, n] of duplicates) problems.push(`clientOrderId ${cid} placed ${n} times`);
    for (const o of unknown) problems.push(`venue order ${o.clientOrderId} unknown to the engine`);
    for (const t of lost) problems.push(`venue trade ${t.tradeId} never counted`);
    for (const f of doubled) problems.push(`ledger fill ${f.trade_id} counted twice or not at the venue`);
    for (const s of mismatched) problems.push(`position ${s} differs from the venue's trades`);
    problems.push(...pnl);
    for (const c of openMismatch) problems.push(`order ${c} open on one side only`);
    for (const o of stuck) problems.push(`order ${o.client_order_id} stuck in ${o.state}`);
    if (integrity !== 'ok' && integrity !== null) problems.push(`integrity check: ${integrity}`);
    problems.push(...replay);
    return {
      orders: venueOrders.length,
      fills: venueTrades.length,
      duplicateClientOrderIds: duplicates.length,
      unknownVenueOrders: unknown.length,
      lostFills: lost.length,
      doubleCountedFills: doubled.length,
      positionMismatches: mismatched.length + pnl.length,
      realizedPnlMismatches: pnl.length,
      openOrderMismatches: openMismatch.length,
      stuckOrders: stuck.length,
      integrityOk: integrity === null ? null : integrity === 'ok',
      replayOk: replay.length === 0,
      problems: problems.slice(0, 20),
    };
  } finally {
    await db.destroy();
  }
}

/**
 * Each position book's realized PnL against a recomputation from the venue's own trades, taken in the order
 * the book applied them (its journal's APPLY_FILL events; FIFO is path dependent, and a fill learned late
 * is applied when learned), from its archived journal base if it has one. A journal fill whose side,
 * price or quantity differs from the venue's trade is a problem too.
 */
async function pnlProblems(
  db: Kysely<Database>,
  positions: readonly { venue: string; symbol: string; realized_pnl: string }[],
  venueTrades: VenueView['trades'],
): Promise<string[]> {
  const problems: string[] = [];
  const trades = new Map(venueTrades.map((t) => [t.tradeId, t]));
  for (const p of positions) {
    const book = `book/${p.venue}/${p.symbol}`;
    const base = await db
      .selectFrom('journal_base')
      .select(['rev', 'snapshot'])
      .where('actor_id', '=', book)
      .executeTakeFirst();
    const events = await db
      .selectFrom('journal')
      .select('event')
      .where('actor_id', '=', book)
      .where('event_type', '=', 'APPLY_FILL')
      .where('rev', '>', base?.rev ?? 0)
      .orderBy('rev')
      .execute();
    const applied: { side: string; price: string; quantity: string }[] = [];
    for (const { event } of events) {
      const fill = JSON.parse(event) as { tradeId: string; side: string; price: string; quantity: string };
      const trade = trades.get(fill.tradeId.split('~')[0]!);
      if (trade === undefined) continue; // counted by doubleCountedFills
      const same =
        trade.side === fill.side &&
        canonical(trade.price) === canonical(fill.price) &&
        canonical(trade.quantity) === canonical(fill.quantity);
      if (!same) problems.push(`${book} applied trade ${fill.tradeId} unlike the venue's`);
      applied.push(trade);
    }
    const start =
      base === undefined ? undefined : (JSON.parse(base.snapshot) as { context: FifoStart }).context;
    const expected = fifoRealizedPnl(applied, start);
    if (canonical(p.realized_pnl) !== expected) {
      problems.push(`${book} realized PnL ${p.realized_pnl}, the venue's trades give ${expected}`);
    }
  }
  return problems;
}

/**
 * PostgreSQL's counterpart of `PRAGMA integrity_check`: amcheck over every table (verify_heapam) and B-tree
 * index (bt_index_check, heap included) of the engine's schema. Installs amcheck when it may; null when it
 * cannot (then the audit says the check was not made).
 */
async function postgresIntegrity(target: string): Promise<string | null> {
  const { url, schema = 'public' } = postgresTarget(target);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    try {
      await client.query('create extension if not exists amcheck');
    } catch {
      return null;
    }
    const heap = await client.query<{ relname: string; msg: string }>(
      `select c.relname, v.msg from pg_class c join pg_namespace n on n.oid = c.relnamespace,
         lateral verify_heapam(c.oid) v where n.nspname = $1 and c.relkind = 'r'`,
      [schema],
    );
    await client.query(
      `select bt_index_check(c.oid, true) from pg_index i join pg_class c on c.oid = i.indexrelid
         join pg_namespace n on n.oid = c.relnamespace join pg_am a on a.oid = c.relam
         where n.nspname = $1 and a.amname = 'btree'`,
      [schema],
    );
    return heap.rows.length === 0 ? 'ok' : heap.rows.map((r) => `${r.relname}: ${r.msg}`).join('; ');
  } catch (err) {
    return String(err);
  } finally {
    await client.end();
  }
}
