import http from 'node:http';
import path from 'node:path';
import ccxt from 'ccxt';
import { DEMO_CREDENTIALS, startVenueSim } from '../../src/venue-sim/server.js';
import type { VenueSim, VenueSimOptions } from '../../src/venue-sim/server.js';
import { tempDir } from './tmp.js';

export { ccxt };

/** An unmodified `ccxt.pro.binance` instance (REST and WS). */
export type CcxtBinance = InstanceType<typeof ccxt.pro.binance>;

/**
 * Points a ccxt binance client at a venue simulator (binance-subset.md §1): REST public/private URLs, the
 * WS API URL of the user-data stream, an http.Agent (required for `ws://`), and the spot error table merged
 * into the root one (ccxt applies it only to binance.com hosts). Call again after a simulator restart
 * (its port changes) before the next request; open WS connections stay on the old URL until closed.
 */
export function pointCcxtAt(exchange: CcxtBinance, sim: { url: string; wsUrl: string }): void {
  exchange.urls['api']['public'] = `${sim.url}/api/v3`;
  exchange.urls['api']['private'] = `${sim.url}/api/v3`;
  exchange.urls['api']['ws']['ws-api']['spot'] = sim.wsUrl;
  exchange.httpAgent = new http.Agent();
  exchange.exceptions['exact'] = { ...exchange.exceptions['exact'], ...exchange.exceptions['spot']['exact'] };
}

/** Options of a ccxt client for the simulator. */
export interface CcxtClientOptions {
  /** Key pair (default: the simulator's demo pair). */
  credentials?: { apiKey: string; apiSecret: string };
  /** Request timeout, ms (default 3000). */
  timeout?: number;
  /** Extra `options` merged over the defaults below. */
  options?: Record<string, unknown>;
}

/**
 * A new, unmodified `ccxt.pro.binance` configured for a simulator: no rate limiter, spot markets only, no
 * currency/margin calls (loadMarkets makes exactly one request, GET /api/v3/exchangeInfo), no warning on
 * fetchOpenOrders without a symbol.
 */
export function ccxtForVenueSim(sim: { url: string; wsUrl: string }, o: CcxtClientOptions = {}): CcxtBinance {
  const credentials = o.credentials ?? DEMO_CREDENTIALS;
  const exchange = new ccxt.pro.binance({
    apiKey: credentials.apiKey,
    secret: credentials.apiSecret,
    enableRateLimit: false,
    timeout: o.timeout ?? 3000,
    options: {
      fetchMarkets: { types: ['spot'] },
      fetchCurrencies: false,
      fetchMargins: false,
      fetchOpenOrders: { warnWithoutSymbol: false },
      ...o.options,
    },
  });
  pointCcxtAt(exchange, sim);
  return exchange;
}

/** A thin JSON client of the simulator's admin API (`/admin/...`). */
export interface VenueSimAdmin {
  /** POSTs `body` as JSON to `/admin/<route>`; resolves with the JSON reply (throws on non-2xx). */
  post<T = unknown>(route: string, body?: unknown): Promise<T>;
  /** GETs `/admin/<route>` (throws on non-2xx). */
  get<T = unknown>(route: string): Promise<T>;
  /** The simulator's own records (`GET /admin/state`). */
  state(): Promise<VenueSimState>;
}

/** `GET /admin/state` (decimals canonical: `"0.01"`, not `"0.01000000"`). */
export interface VenueSimState {
  orders: {
    orderId: number;
    clientOrderId: string;
    symbol: string;
    side: string;
    type: string;
    timeInForce: string;
    price: string;
    origQty: string;
    executedQty: string;
    cummulativeQuoteQty: string;
    status: string;
    time: number;
    updateTime: number;
  }[];
  trades: {
    id: number;
    orderId: number;
    clientOrderId: string;
    symbol: string;
    side: string;
    qty: string;
    price: string;
    quoteQty: string;
    commission: string;
    commissionAsset: string;
    isMaker: boolean;
    time: number;
    hidden: boolean;
  }[];
  balances: { asset: string; free: string; locked: string }[];
  prices: Record<string, { symbol: string; mid: string; bid: string; ask: string }>;
}

/** An admin client for the simulator at `baseUrl` (read on every call, so it can follow restarts). */
export function venueSimAdmin(baseUrl: () => string): VenueSimAdmin {
  const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl()}/admin/${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} /admin/${route}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    post: (route, body = {}) => call('POST', route, body),
    get: (route) => call('GET', route),
    state: () => call<VenueSimState>('GET', 'state'),
  };
}

/**
 * Moves the simulator's price a random-walk step every `ms` (failures ignored: the simulator may be under a
 * fault plan) until the returned function is called; it resolves once the loop has ended.
 */
export function keepMarketMoving(admin: VenueSimAdmin, ms = 40): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await admin.post('tick').catch(() => {});
      await new Promise((r) => setTimeout(r, ms));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/** A simulator on a temporary SQLite file plus a configured ccxt client and an admin client. */
export interface VenueSimHarness {
  /** The running simulator (replaced by `restart`). */
  sim: VenueSim;
  /** The unmodified ccxt.pro.binance client pointed at it. */
  exchange: CcxtBinance;
  admin: VenueSimAdmin;
  /** The simulator's SQLite file. */
  dbPath: string;
  /** Stops the simulator and starts it again on the same file (new port); repoints `exchange`. */
  restart(): Promise<void>;
  /** Closes the ccxt client and the simulator and removes the temporary directory. */
  close(): Promise<void>;
}

/**
 * Starts a venue simulator on a fresh temporary SQLite file (tickMs 0 unless given: the price moves only
 * through the admin API) and returns it with an unmodified `ccxt.pro.binance` configured for it.
 */
export async function startVenueSimWithCcxt(
  options: Partial<VenueSimOptions> = {},
  client: CcxtClientOptions = {},
): Promise<VenueSimHarness> {
  const tmp = tempDir('venue-sim');
  const dbPath = options.dbPath ?? path.join(tmp.dir, 'venue-sim.db');
  const simOptions = { tickMs: 0, ...options, dbPath };
  let sim = await startVenueSim(simOptions);
  const exchange = ccxtForVenueSim(sim, { credentials: options.credentials, ...client });
  const harness: VenueSimHarness = {
    sim,
    exchange,
    admin: venueSimAdmin(() => harness.sim.url),
    dbPath,
    restart: async () => {
      await exchange.close();
      await sim.close();
      sim = await startVenueSim(simOptions);
      harness.sim = sim;
      pointCcxtAt(exchange, sim);
    },
    close: async () => {
      await exchange.close();
      await sim.close();
      tmp.cleanup();
    },
  };
  return harness;
}

/**
 * An executionReport as Binance sends it (see src/venue-sim/formats.ts): a trade of an order this engine
 * never placed, with `over` merged over it (for `POST /admin/ws/push`).
 */
export function executionReport(over: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now();
  return {
    e: 'executionReport',
    E: now,
    s: 'BTCUSDT',
    c: 'elsewhere-1',
    S: 'BUY',
    o: 'LIMIT',
    f: 'GTC',
    q: '0.01000000',
    p: '59990.50000000',
    C: '',
    x: 'TRADE',
    X: 'PARTIALLY_FILLED',
    r: 'NONE',
    i: 9001,
    l: '0.00400000',
    z: '0.00400000',
    L: '59990.50000000',
    n: '0.00000400',
    N: 'BTC',
    T: now,
    t: 7001,
    w: true,
    m: true,
    O: now,
    ...over,
  };
}
