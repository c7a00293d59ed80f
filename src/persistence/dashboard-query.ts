import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { DENIED_BY_RISK } from '../domain/risk.js';
import type { TradingStateRecord } from '../domain/trading-state.js';
import { isPostgres } from './dialect.js';
import type { Database } from './schema.js';
import { readTradingState } from './trading-state.js';

/** One journal row as the dashboard reads it: the event only for the types whose payload it uses. */
export interface DashboardJournalRow {
  seq: number;
  actorId: string;
  eventType: string;
  state: string;
  at: number;
  /** The committed event (JSON text) for `APPLY_FILL`, `ADJUST_ORDERS` and `xstate.init`; null otherwise. */
  event: string | null;
}

/** Risk denials of one symbol and rule. */
export interface DenialCount {
  symbol: string;
  /** The rule named in the reason (`maxPosition`), or '' when the reason names none. */
  rule: string;
  count: number;
  /** When the latest of them was denied (ms). */
  lastAt: number;
}

/** Denials of one symbol in one time bucket. */
export interface DenialBucket {
  symbol: string;
  /** Start of the bucket (ms, a multiple of the bucket width). */
  at: number;
  count: number;
}

/** Event types whose payload the dashboard reads (fills, desired quotes, order symbols). */
const PAYLOAD_TYPES = ['APPLY_FILL', 'ADJUST_ORDERS', 'xstate.init'];
const MARKER = `${DENIED_BY_RISK}: `;

/**
 * Read-only queries behind the visualizer's dashboard. The journal is read forward from a sequence
 * cursor (it is append-only, and the single writer commits sequence numbers in order, so every row after
 * the cursor is new); denials are counted in SQL, so no answer grows with the length of the run.
 */
export class DashboardQuery {
  constructor(private readonly db: Kysely<Database>) {}

  /** Up to `limit` journal rows after `afterSeq`, in sequence order. */
  async journalAfter(afterSeq: number, limit: number): Promise<DashboardJournalRow[]> {
    const rows = await this.db
      .selectFrom('journal')
      .select([
        'seq',
        'actor_id',
        'event_type',
        'state',
        'at',
        (eb) =>
          eb
            .case()
            .when('event_type', 'in', PAYLOAD_TYPES)
            .then(eb.ref('event'))
            .else(sql<string | null>`null`)
            .end()
            .as('event'),
      ])
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      actorId: r.actor_id,
      eventType: r.event_type,
      state: r.state,
      at: Number(r.at),
      event: r.event,
    }));
  }

  /**
   * The journal bases of long-lived actors whose oldest rows retention archived: where their history in
   * this file starts (a database older than retention has none).
   */
  async journalBases(): Promise<{ actorId: string; snapshot: string; at: number }[]> {
    const rows = await this.db
      .selectFrom('journal_base')
      .select(['actor_id', 'snapshot', 'at'])
      .orderBy('actor_id')
      .execute()
      .catch(() => []);
    return rows.map((r) => ({ actorId: r.actor_id, snapshot: r.snapshot, at: Number(r.at) }));
  }

  /** The desk's trading state; a database without the table (older than trading states) is `active`. */
  async tradingState(): Promise<TradingStateRecord> {
    return readTradingState(this.db).catch(() => ({
      state: 'active' as const,
      reason: null,
      version: 0,
      cancelRequested: false,
      changedAt: 0,
    }));
  }

  /**
   * Orders the pre-trade risk checks denied, per symbol and rule: a terminal `denied` order, or a
   * `rejected` one whose reason says `denied by risk: <rule>`. Their time is when the order last changed.
   */
  async denialCounts(): Promise<DenialCount[]> {
    const rule = ruleExpression(isPostgres(this.db));
    const rows = await this.denied()
      .select([
        'symbol',
        rule.as('rule'),
        (eb) => eb.fn.countAll<number>().as('n'),
        (eb) => eb.fn.max('updated_at').as('last_at'),
      ])
      // By the output column: PostgreSQL does not match a parameterised expression of the select list with
      // its repetition in GROUP BY (each has its own parameters).
      .groupBy(['symbol', sql<string>`rule`])
      .orderBy('symbol')
      .orderBy(sql<string>`rule`)
      .execute();
    return rows.map((r) => ({
      symbol: r.symbol,
      rule: r.rule,
      count: Number(r.n),
      lastAt: Number(r.last_at),
    }));
  }

  /** Denials at or after `from`, counted per symbol in buckets `bucketMs` wide (aligned to multiples). */
  async denialBuckets(from: number, bucketMs: number): Promise<DenialBucket[]> {
    // An integer literal, not a bound parameter: a bound JS number is a REAL, and the division would not
    // truncate to the bucket.
    const width = sql.lit(Math.trunc(bucketMs));
    const bucket = sql<number>`(updated_at / ${width}) * ${width}`;
    const rows = await this.denied()
      .select(['symbol', bucket.as('at'), (eb) => eb.fn.countAll<number>().as('n')])
      .where('updated_at', '>=', from)
      .groupBy(['symbol', bucket])
      .orderBy('symbol')
      .orderBy(bucket)
      .execute();
    return rows.map((r) => ({ symbol: r.symbol, at: Number(r.at), count: Number(r.n) }));
  }

  private denied() {
    // `state IN (...)` lets SQLite use the orders_state index; the reason is checked on those rows only.
    return this.db
      .selectFrom('orders')
      .where('state', 'in', ['denied', 'rejected'])
      .where((eb) =>
        eb.or([eb('state', '=', 'denied'), eb('reason', 'like', sql<string>`${`%${MARKER}%`}`)]),
      );
  }
}

/** The word after `denied by risk: ` in the reason, or '' when the reason has none. */
function ruleExpression(postgres: boolean) {
  // SQLite's instr(text, part) is PostgreSQL's strpos(text, part).
  const find = postgres ? sql.raw('strpos') : sql.raw('instr');
  const rest = sql<string>`substr(reason, ${find}(reason, ${MARKER}) + ${MARKER.length})`;
  return sql<string>`case when ${find}(coalesce(reason, ''), ${MARKER}) = 0 then '' else substr(${rest}, 1, ${find}(${rest} || ' ', ' ') - 1) end`;
}
