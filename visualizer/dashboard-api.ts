import { z } from 'zod';
import type { DeskState } from '../src/domain/trading-state.js';
import type { DenialCount, DashboardQuery } from '../src/persistence/dashboard-query.js';
import type { DashboardModel } from './dashboard-model.js';
import { bucketStarts, bucketWidth } from './step-series.js';

const DAY = 86_400_000;

/** Query parameters of `/api/dashboard`. */
export const dashboardParams = z
  .strictObject({
    /** How far back the charts reach from the latest journal event (ms). */
    window: z.coerce
      .number()
      .int()
      .min(1000)
      .max(30 * DAY)
      .default(3_600_000),
    /** Most buckets in the window (each series has one value per bucket). */
    points: z.coerce.number().int().min(10).max(500).default(300),
    /** Incremental refresh: only buckets starting at or after `since` (ms), if `bucket` is still the width. */
    since: z.coerce.number().int().min(0).optional(),
    bucket: z.coerce.number().int().min(1).optional(),
  })
  .refine((q) => (q.since === undefined) === (q.bucket === undefined), {
    message: 'give since and bucket together',
    path: ['since'],
  });

/** One symbol's series, one value per bucket of `t` (null: no value yet / no denial in it). */
export interface SymbolCharts {
  symbol: string;
  mid: (string | null)[];
  position: (string | null)[];
  realizedPnl: (string | null)[];
  liveOrders: (number | null)[];
  /** Risk denials per bucket. */
  denials: (number | null)[];
}

/** The answer of `/api/dashboard`. */
export interface DashboardAnswer {
  tradingState: { state: DeskState; reason: string | null; changedAt: number };
  /** False while a first look at a long journal is still catching up (the next polls read on). */
  complete: boolean;
  /**
   * The window `[from, to]` (to: the latest journal event), its bucket width, and whether this answer
   * is the whole window (`full`) or only the buckets from `since` on.
   */
  window: { from: number; to: number; bucketMs: number; full: boolean };
  /** Bucket starts (ms), multiples of `bucketMs`. */
  t: number[];
  symbols: SymbolCharts[];
  /** Risk denials per symbol and rule, over the whole database. */
  denials: DenialCount[];
}

/**
 * Builds the dashboard: reads the journal rows committed since the last call, then samples each series
 * at the end of each bucket. The response has at most `points` + 2 buckets whatever the length of the run.
 */
export async function dashboardAnswer(
  q: z.infer<typeof dashboardParams>,
  query: DashboardQuery,
  model: DashboardModel,
): Promise<DashboardAnswer> {
  const complete = await model.catchUp(query);
  const trading = await query.tradingState();
  const to = model.lastAt ?? 0;
  const from = Math.max(to - q.window, model.firstAt ?? 0);
  const bucketMs = bucketWidth(to - from, q.points);
  const incremental = q.since !== undefined && q.bucket === bucketMs;
  const t =
    model.lastAt === null ? [] : bucketStarts(Math.max(from, incremental ? q.since! : 0), to, bucketMs);
  const denied = t.length === 0 ? [] : await query.denialBuckets(t[0]!, bucketMs);
  const names = new Set([...model.symbols.keys(), ...denied.map((d) => d.symbol)]);
  const symbols = [...names].sort().map((symbol): SymbolCharts => {
    const s = model.symbols.get(symbol);
    const index = new Map(t.map((at, i) => [at, i]));
    const denials: (number | null)[] = t.map(() => null);
    for (const d of denied) {
      const i = index.get(d.at);
      if (d.symbol === symbol && i !== undefined) denials[i] = d.count;
    }
    return {
      symbol,
      mid: s?.mid.sample(t, bucketMs) ?? t.map(() => null),
      position: s?.position.sample(t, bucketMs) ?? t.map(() => null),
      realizedPnl: s?.realizedPnl.sample(t, bucketMs) ?? t.map(() => null),
      liveOrders: s?.liveOrders.sample(t, bucketMs) ?? t.map(() => null),
      denials,
    };
  });
  return {
    tradingState: { state: trading.state, reason: trading.reason, changedAt: trading.changedAt },
    complete,
    window: { from, to, bucketMs, full: !incremental },
    t,
    symbols,
    denials: await query.denialCounts(),
  };
}
