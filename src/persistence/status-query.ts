import type { Kysely, Selectable } from 'kysely';
import { ALERT_KINDS } from '../domain/notices.js';
import { DENIED_BY_RISK } from '../domain/risk.js';
import type { DeskState } from '../domain/trading-state.js';
import { listAlerts } from './alerts.js';
import { readTradingState } from './trading-state.js';
import type { Database, PositionsTable } from './schema.js';

/** One position book as reported (decimals as strings). */
export interface PositionSummary {
  venue: string;
  symbol: string;
  quantity: string;
  averagePrice: string;
  realizedPnl: string;
  fees: Record<string, string>;
  fillCount: number;
}

/** A `positions` row as reported. */
export function toPositionSummary(p: Selectable<PositionsTable>): PositionSummary {
  return {
    venue: p.venue,
    symbol: p.symbol,
    quantity: p.quantity,
    averagePrice: p.average_price,
    realizedPnl: p.realized_pnl,
    fees: JSON.parse(p.fees) as Record<string, string>,
    fillCount: p.fill_count,
  };
}

/** What `npm run status` reports, read straight from the database (the engine need not run). */
export interface StatusReport {
  positions: PositionSummary[];
  /**
   * Order count per state; `denied` counts the orders the engine denied before sending them (state
   * `denied`), and those the pre-trade risk checks denied before that state existed (state `rejected`
   * with the reason `rejected: denied by risk: <rule> ...`, then not counted under `rejected`).
   */
  orders: Record<string, number>;
  /** Fills in the ledger that moved a position (applied to their order, or of an unknown order). */
  fills: number;
  /** Fills held back (overfills, before overfills were applied), not applied. */
  quarantinedFills: number;
  /** Second versions of reused trade ids, not applied until the venue's filled quantity decides. */
  contestedFills: number;
  /** Orders the venue reports more filled than the ledger holds (their trades are being fetched). */
  fillGaps: number;
  /** Alerts no operator has acknowledged (`npm run cli -- ack <id>`), by id `<kind>/<subject>`. */
  alerts: string[];
  /** Venue facts that need a human. */
  anomalies: { kind: string; subject: string; count: number; lastAt: number }[];
  /** Exchange calls whose result is not applied yet. */
  openCalls: number;
  /** Durable timers waiting to fire. */
  timers: number;
  /** Events in the journal. */
  journalEvents: number;
  /** Venue facts an actor did not take, each recorded with the state it met and why (`order <id>` shows them). */
  ignoredFacts: number;
  /** The desk's trading state: `active`, `reducing` (only orders that shrink the position) or `halted`. */
  tradingState: DeskState;
  /** Why the operator set it, or null. */
  tradingStateReason: string | null;
  /** The engine holding the writer lease, if any. */
  lease: { name: string; owner: string; token: number; expiresAt: number } | null;
}

/** Reads the status report. */
export async function readStatus(db: Kysely<Database>): Promise<StatusReport> {
  const positions = await db.selectFrom('positions').selectAll().orderBy('venue').orderBy('symbol').execute();
  const orders = await db
    .selectFrom('orders')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('state')
    .execute();
  const legacyDenied = Number(
    (
      await db
        .selectFrom('orders')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', '=', 'rejected')
        .where('reason', 'like', `%${DENIED_BY_RISK}:%`)
        .executeTakeFirst()
    )?.n ?? 0,
  );
  const orderCounts: Record<string, number> = Object.fromEntries(orders.map((o) => [o.state, Number(o.n)]));
  if (legacyDenied > 0) {
    orderCounts.denied = (orderCounts.denied ?? 0) + legacyDenied;
    const rejected = (orderCounts.rejected ?? 0) - legacyDenied;
    if (rejected > 0) orderCounts.rejected = rejected;
    else delete orderCounts.rejected;
  }
  const fills = await db
    .selectFrom('fills')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const anomalies = await db
    .selectFrom('anomalies')
    .selectAll()
    .orderBy('last_at', 'desc')
    .limit(50)
    .execute();
  const count = async (table: 'outbox' | 'timers' | 'journal' | 'ignored_facts', pendingOnly = false) => {
    let q = db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
    if (pendingOnly) q = q.where('status' as never, '=', 'pending' as never);
    return Number((await q.executeTakeFirst())?.n ?? 0);
  };
  const lease = await db.selectFrom('leases').selectAll().executeTakeFirst();
  // A database no engine or operator command has migrated since trading states came has none: active.
  const trading = await readTradingState(db).catch(() => null);
  const fillCount = (statuses: string[]) =>
    fills.filter((f) => statuses.includes(f.status)).reduce((sum, f) => sum + Number(f.n), 0);
  return {
    positions: positions.map(toPositionSummary),
    orders: orderCounts,
    fills: fillCount(['applied', 'orphan']),
    quarantinedFills: fillCount(['quarantined']),
    contestedFills: fillCount(['contested']),
    fillGaps: Number(
      (
        await db
          .selectFrom('orders')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('fill_gap', 'is not', null)
          .executeTakeFirst()
      )?.n ?? 0,
    ),
    alerts: (await listAlerts(db, ALERT_KINDS, false)).map((a) => a.id),
    anomalies: anomalies.map((a) => ({
      kind: a.kind,
      subject: a.subject,
      count: a.count,
      lastAt: a.last_at,
    })),
    openCalls: await count('outbox', true),
    timers: await count('timers'),
    journalEvents: await count('journal'),
    // A database no engine has migrated since ignored facts are recorded has none.
    ignoredFacts: await count('ignored_facts').catch(() => 0),
    tradingState: trading?.state ?? 'active',
    tradingStateReason: trading?.reason ?? null,
    lease:
      lease === undefined || Number(lease.expires_at) === 0 // released by a graceful stop
        ? null
        : {
            name: lease.name,
            owner: lease.owner,
            token: Number(lease.token),
            expiresAt: Number(lease.expires_at),
          },
  };
}
