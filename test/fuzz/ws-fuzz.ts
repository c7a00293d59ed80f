import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/persistence/schema.js';
import { simDesk } from '../support/engine-on-sim.js';
import type { SimDesk } from '../support/engine-on-sim.js';
import type { LogRecord } from '../support/ccxt-venue.js';
import { executionReport } from '../support/venue-sim.js';
import { waitFor } from '../support/wait.js';
import { hostileValue } from './hostile-values.js';

/**
 * Hostile executionReports pushed by the venue simulator over its WebSocket user-data stream to the real
 * ccxt client, through the CcxtVenue into an engine on a real SQLite file: an order report (a new order,
 * no trade) or a trade report, each of an order this engine never placed and with ids of its own, with one
 * field deleted, replaced by a hostile value or nested deeply; or the frame truncated; or a whole frame
 * that is no event at all. After each, a marker frame (itself unreadable, naming `fzm<n>`) shows the case
 * was taken in. Per case:
 * - no crash: no error line, no dropped stream, nothing thrown;
 * - each refusal (a VENUE_UPDATE_MALFORMED line) recorded once: the `refused-venue-report` anomaly
 *   occurrences grow by exactly the number of refusals;
 * - no partial write: an order report never changes the ledger or a position; a trade report adds at most
 *   its own fill, and none when its trade part was refused;
 * - nothing dropped without a trace: a case that was neither refused nor taken in (an anomaly of an unknown
 *   order or fill) counts as `untraced`.
 */
export interface WsFuzzReport {
  runs: number;
  crashes: number;
  partialWrites: number;
  anomalies: number;
  untraced: number;
  problems: string[];
  /** The first few untraced cases. */
  untracedCases: string[];
}

/** A case: which report, and what is done to it. */
type Mutation =
  | { kind: 'set'; key: string; value: unknown }
  | { kind: 'delete'; key: string }
  | { kind: 'deep'; key: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'frame'; value: unknown };
interface Case {
  base: 'order' | 'trade';
  mutation: Mutation;
}

/** The case's executionReport: a trade, or a new order with no trade, each with the case's own ids. */
function report(base: Case['base'], n: number): Record<string, unknown> {
  const ids = { c: `fz${n}`, i: 900_000_000 + n, t: 900_000_000 + n };
  if (base === 'trade') return executionReport(ids);
  const none = { l: '0.00000000', z: '0.00000000', L: '0.00000000', n: '0', N: null };
  return executionReport({ ...ids, ...none, x: 'NEW', X: 'NEW', t: -1, w: true, m: false });
}
const KEYS = Object.keys(report('trade', 0));

const cases: fc.Arbitrary<Case> = fc.record({
  base: fc.constantFrom('order' as const, 'trade' as const),
  mutation: fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('set' as const),
        key: fc.constantFrom(...KEYS),
        value: hostileValue,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('deep' as const), key: fc.constantFrom(...KEYS) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat({ max: 400 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('frame' as const), value: hostileValue }) },
  ),
});

/** What the admin API pushes for a case: an event (the simulator wraps it) or a frame's whole text. */
function push(c: Case, n: number): { event: Record<string, unknown> } | { text: string } {
  const event = report(c.base, n);
  const m = c.mutation;
  switch (m.kind) {
    case 'set':
      return { event: { ...event, [m.key]: m.value } };
    case 'delete': {
      const { [m.key]: _, ...rest } = event;
      return { event: rest };
    }
    case 'deep': {
      let deep: unknown = 'x';
      for (let i = 0; i < 200; i += 1) deep = { deep };
      return { event: { ...event, [m.key]: deep } };
    }
    case 'truncate': {
      const text = JSON.stringify({ subscriptionId: 0, event });
      return { text: text.slice(0, m.at % text.length) };
    }
    case 'frame':
      return { text: JSON.stringify(m.value) ?? 'undefined' };
  }
}

/** Runs `runs` cases from `seed` against one engine on one simulator; resolves with what they found. */
export async function runWsFuzz(options: {
  runs: number;
  seed: number;
  dir?: string;
}): Promise<WsFuzzReport> {
  const out: WsFuzzReport = {
    runs: 0,
    crashes: 0,
    partialWrites: 0,
    anomalies: 0,
    untraced: 0,
    problems: [],
    untracedCases: [],
  };
  const problem = (what: string, c: unknown) => {
    if (out.problems.length < 10) out.problems.push(`${what}: ${JSON.stringify(c)?.slice(0, 300)}`);
  };
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'steadfast-ws-fuzz-'));
  let desk: SimDesk | null = null;
  const escaped: unknown[] = [];
  const onEscape = (err: unknown) => void escaped.push(err);
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  try {
    desk = await simDesk(dir);
    const admin = desk.h.admin;
    const e = await desk.open('ws-fuzz.db', { gapFillIntervalMs: 600_000 }, false);
    await waitFor('the first subscription', () =>
      e.logger.lines.some((l) => l.msg === 'gap-fill after subscription done'),
    );
    const db = e.engine.database.db;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        n += 1;
        out.runs += 1;
        const before = await watched(db);
        const lines = { venue: e.venueLogger.lines.length, engine: e.logger.lines.length };
        await admin.post('ws/push', push(c, n));
        // The marker: unreadable too, and named, so its own refusal is told apart.
        await admin.post('ws/push', { event: { c: `fzm${n}` } });
        const marked = await waitUntil(async () => (await refusalsOf(db, `fzm${n}`)) === 1);
        await e.engine.runtime.settle(5000);
        await new Promise((r) => setTimeout(r, 20));
        const after = await watched(db);
        const venueLines = e.venueLogger.lines.slice(lines.venue);
        const engineLines = e.logger.lines.slice(lines.engine);
        const refusals = venueLines.filter((l) => l.obj.code === 'VENUE_UPDATE_MALFORMED').length - 1;
        out.anomalies += Math.max(0, refusals);

        const crashed = [...venueLines, ...engineLines].filter(
          (l) => l.level === 'error' || l.obj.code === 'VENUE_STREAM_DOWN',
        );
        if (!marked || crashed.length > 0 || escaped.length > 0) {
          out.crashes += 1;
          problem(`${marked ? '' : 'the marker never arrived; '}${describe(crashed, escaped.splice(0))}`, c);
          return true;
        }
        if (after.refused - before.refused - 1 !== refusals) {
          out.partialWrites += 1;
          problem(`${refusals} refusals, ${after.refused - before.refused - 1} recorded`, c);
        }
        const newFills = after.fills.filter((f) => !before.fills.includes(f));
        const tradeRefused = venueLines.some((l) => String(l.obj.field ?? '').startsWith('fill.'));
        const fillsOk =
          c.base === 'order'
            ? newFills.length === 0
            : newFills.length === 0 || (newFills.length === 1 && !tradeRefused);
        const positionsMoved = after.positions !== before.positions;
        const applied = newFills.filter((f) => !f.endsWith(' contested')).length > 0;
        if (!fillsOk || positionsMoved !== applied) {
          out.partialWrites += 1;
          problem(`new fills ${JSON.stringify(newFills)}, positions moved ${positionsMoved}`, c);
        }
        const taken = after.others !== before.others || newFills.length > 0;
        if (refusals === 0 && !taken) {
          out.untraced += 1;
          if (out.untracedCases.length < 10) out.untracedCases.push(JSON.stringify(c).slice(0, 300));
        }
        return true;
      }),
      { numRuns: options.runs, seed: options.seed },
    );
  } finally {
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
    await desk?.close();
    if (options.dir === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** What a case may change: refusal occurrences, other anomalies, the ledger's trade ids, positions. */
async function watched(db: Kysely<Database>) {
  const anomalies = await db.selectFrom('anomalies').select(['kind', 'subject', 'count']).execute();
  const refused = anomalies
    .filter((a) => a.kind === 'refused-venue-report')
    .reduce((sum, a) => sum + Number(a.count), 0);
  const others = JSON.stringify(anomalies.filter((a) => a.kind !== 'refused-venue-report'));
  const fills = (await db.selectFrom('fills').select(['trade_id', 'status']).execute()).map(
    (f) => `${f.trade_id} ${f.status}`,
  );
  const positions = JSON.stringify(await db.selectFrom('positions').selectAll().orderBy('symbol').execute());
  return { refused, others, fills, positions };
}

async function refusalsOf(db: Kysely<Database>, clientOrderId: string): Promise<number> {
  const row = await db
    .selectFrom('anomalies')
    .select('count')
    .where('kind', '=', 'refused-venue-report')
    .where('subject', '=', `binance:${clientOrderId}`)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

async function waitUntil(done: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await done()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

function describe(lines: LogRecord[], escaped: unknown[]): string {
  return [...lines.map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.obj)}`), ...escaped.map(String)]
    .join('; ')
    .slice(0, 400);
}
