import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Rng } from '../../src/adapters/paper/rng.js';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import { checkCcxtInvariants } from '../support/ccxt-invariants.js';
import { checkInvariants } from '../support/invariants.js';
import { keepMarketMoving, venueSimAdmin } from '../support/venue-sim.js';
import { paperView, simView } from './chaos-audit.js';
import type { VenueView } from './chaos-audit.js';

/** The venue a chaos run trades on, with what the run needs of it. */
export interface ChaosVenue {
  /** The config's venue part. */
  config: object;
  /** Extra `start` flags and environment. */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Places the venue accepted, and fills it made, so far (the kill windows watch them). */
  accepted(): Promise<number>;
  fills(): Promise<number>;
  /** Before each run (the simulator draws its faults anew). */
  beforeRun(i: number): Promise<void>;
  view(): Promise<VenueView>;
  /** The crash invariants that hold at any moment (test/support), checked between kills. */
  check(): Promise<string[]>;
  /** Stops the venue's market moving (before the final graceful stop). */
  quiet(): Promise<void>;
  /** Faults injected, by kind. */
  faults(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** What both venues are built from. */
export interface ChaosVenueOptions {
  /** The run's own directory (venue files). */
  work: string;
  /** The engine database: a SQLite file or a PostgreSQL URL. */
  engineDb: string;
  seed: number;
  /** The fault rate (0 to 0.4). */
  rate: number;
  symbols: readonly string[];
}

/** The API key pair the simulator accepts and the engine signs with (test values, not secrets). */
const KEYS = { STEADFAST_API_KEY: 'sim-api-key', STEADFAST_API_SECRET: 'sim-api-secret' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The embedded paper venue, its own SQLite file, every fault class at `rate`. */
export function paperVenue(o: ChaosVenueOptions): ChaosVenue {
  const venueDb = path.join(o.work, 'venue.db');
  const { rate } = o;
  const accepted = counter(
    venueDb,
    "select count(*) as n from requests where kind = 'place' and outcome = 'accepted'",
  );
  const fills = counter(venueDb, 'select count(*) as n from trades');
  return {
    config: {
      paper: {
        tickMs: 20,
        latencyMs: { min: 5, max: 60 },
        requestWindowMs: 400,
        faults: {
          timeoutAfterAccept: rate,
          failBeforeVenue: rate,
          reject: rate / 2,
          duplicateUpdate: Math.min(1, rate * 2),
          lateUpdate: Math.min(1, rate * 2),
          dropUpdate: rate,
          maxLateMs: 300,
        },
      },
      orders: { ackTimeoutMs: 250, cancelTimeoutMs: 250, lookupRetryMs: 100, maxAttempts: 3 },
      reconcile: { gapFillIntervalMs: 300 },
    },
    args: ['--venue-db', venueDb],
    env: {},
    accepted: () => Promise.resolve(accepted()),
    fills: () => Promise.resolve(fills()),
    beforeRun: () => Promise.resolve(),
    view: () => Promise.resolve(paperView(venueDb)),
    check: () => checkInvariants(o.engineDb, venueDb, false),
    faults: () => {
      const venue = openPaperVenueStore(venueDb);
      try {
        const requests = venue.requests();
        return Promise.resolve({
          'reply lost after acceptance': requests.filter((r) => r.replyLost).length,
          'failed before the venue': requests.filter((r) => r.outcome === 'failedBeforeVenue').length,
          rejected: requests.filter((r) => r.outcome === 'rejected').length,
        });
      } finally {
        venue.close();
      }
    },
    quiet: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/** The Binance-compatible simulator as its own process, its price walking, its user-data socket dropping. */
export async function simVenue(o: ChaosVenueOptions, root: string): Promise<ChaosVenue> {
  const { rate, seed } = o;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/venue-sim/main.ts',
      '--port',
      '0',
      '--db',
      path.join(o.work, 'sim.db'),
      '--tick-ms',
      '0',
      '--seed',
      String(seed),
      '--log-level',
      'warn',
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, VENUE_SIM_API_KEY: '', VENUE_SIM_API_SECRET: '', ...KEYS },
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!.trim());
    });
    child.once('exit', (code) => reject(new Error(`the venue simulator exited (${code})`)));
  });
  const admin = venueSimAdmin(() => url);
  // The market moves until the final run is to stop (a fill after the engine's last look would be lost).
  const stopMarket = keepMarketMoving(admin);
  let dropping = true;
  const dropRng = new Rng(seed ^ 0x5eed);
  const drops = (async () => {
    while (dropping) {
      await sleep(dropRng.int(400, 2500));
      if (dropping) await admin.post('ws/disconnect').catch(() => {});
    }
  })();
  const faultRng = new Rng(seed ^ 0xfa17);
  return {
    config: {
      venue: { kind: 'binance', url, recvWindowMs: 1000, timeoutMs: 800 },
      orders: { ackTimeoutMs: 1000, cancelTimeoutMs: 1000, lookupRetryMs: 150, maxAttempts: 3 },
      reconcile: { gapFillIntervalMs: 400 },
    },
    args: [],
    env: KEYS,
    accepted: async () => (await admin.state()).orders.length,
    fills: async () => (await admin.state()).trades.length,
    beforeRun: async (i) => {
      const plan = {
        latencyMs: { min: 0, max: 40 },
        http5xx: rate * 0.6,
        rateLimit: { probability: rate * 0.4, retryAfterSec: 1 },
        ban418: { probability: rate * 0.06, retryAfterSec: 1 },
        acceptThenDrop: { probability: rate * 1.2, holdMs: faultRng.chance(0.5) ? 0 : 1000 },
        duplicateReports: Math.min(1, rate * 2),
        reorderReports: Math.min(1, rate * 2),
        reorderHoldMs: 150,
        seed: seed + i,
      };
      await admin.post('faults', plan);
    },
    view: async () => simView(await admin.state(), o.symbols),
    check: async () => checkCcxtInvariants(o.engineDb, await admin.state(), false),
    faults: async () => {
      const fired = await admin.get<{ injected?: Record<string, number> }>('faults').catch(() => ({}));
      const injected = (fired as { injected?: Record<string, number> }).injected ?? {};
      return Object.fromEntries(Object.entries(injected).map(([k, v]) => [k, Number(v)]));
    },
    quiet: stopMarket,
    close: async () => {
      dropping = false;
      await Promise.all([stopMarket(), drops]);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    },
  };
}

/** A count read from a SQLite file by another process (0 while the file or table does not exist yet). */
function counter(file: string, sql: string): () => number {
  let conn: Database.Database | null = null;
  return () => {
    try {
      conn ??= new Database(file, { readonly: true, fileMustExist: true });
      return Number((conn.prepare(sql).get() as { n: number }).n);
    } catch {
      conn?.close();
      conn = null;
      return 0;
    }
  };
}
