import path from 'node:path';
import { createCcxtClient } from '../../src/adapters/ccxt/ccxt-client.js';
import { ApiCredentials } from '../../src/adapters/ccxt/credentials.js';
import { CcxtVenue } from '../../src/adapters/ccxt/ccxt-venue.js';
import type { VenueEvent } from '../../src/adapters/venue.js';
import { systemClock } from '../../src/domain/clock.js';
import type { Logger } from '../../src/domain/logger.js';
import { DEMO_CREDENTIALS, startVenueSim } from '../../src/venue-sim/server.js';
import type { VenueSim, VenueSimOptions } from '../../src/venue-sim/server.js';
import { tempDir } from './tmp.js';
import { venueSimAdmin } from './venue-sim.js';
import type { VenueSimAdmin } from './venue-sim.js';

/** A log line captured by `recordingLogger`. */
export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  obj: Record<string, unknown>;
}

/** A Logger that keeps every line (to assert on what the adapter reported, and that no secret leaked). */
export function recordingLogger(): Logger & { lines: LogRecord[] } {
  const lines: LogRecord[] = [];
  const at = (level: LogRecord['level']) => (obj: object, msg?: string) =>
    void lines.push({ level, msg: msg ?? '', obj: obj as Record<string, unknown> });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Options of a CcxtVenue on a simulator. */
export interface VenueOnSimOptions {
  /** Key pair the adapter uses (default: the simulator's demo pair). */
  credentials?: { apiKey: string; secret: string };
  /** Extra ccxt options (e.g. `timeDifference` to fake a skewed clock). */
  ccxtOptions?: Record<string, unknown>;
  recvWindowMs?: number;
  timeoutMs?: number;
  backoffMs?: { min: number; max: number };
  budget?: { requestsPerSecond: number; burst: number };
}

/** A simulator, a CcxtVenue on it and everything a test inspects. */
export interface VenueOnSim {
  sim: VenueSim;
  admin: VenueSimAdmin;
  venue: CcxtVenue;
  logger: ReturnType<typeof recordingLogger>;
  /** Every pushed event since `listen()`, in arrival order. */
  events: VenueEvent[];
  /** Subscribes a listener that records into `events`. */
  listen(): () => void;
  /** Opens another CcxtVenue on the same simulator. */
  openVenue(o?: VenueOnSimOptions): Promise<{ venue: CcxtVenue; logger: ReturnType<typeof recordingLogger> }>;
  close(): Promise<void>;
}

/** Starts a simulator on a temporary file (price moves only through the admin API) and a CcxtVenue on it. */
export async function startVenueOnSim(
  simOptions: Partial<VenueSimOptions> = {},
  o: VenueOnSimOptions = {},
): Promise<VenueOnSim> {
  const tmp = tempDir('ccxt-venue');
  const sim = await startVenueSim({
    tickMs: 0,
    seed: 7,
    ...simOptions,
    dbPath: path.join(tmp.dir, 'sim.db'),
  });
  const venues: CcxtVenue[] = [];
  const openVenue = async (v: VenueOnSimOptions = {}) => {
    const keys = v.credentials ?? { apiKey: DEMO_CREDENTIALS.apiKey, secret: DEMO_CREDENTIALS.apiSecret };
    const credentials = new ApiCredentials(keys.apiKey, keys.secret, 'test');
    const recvWindowMs = v.recvWindowMs ?? 5000;
    const exchange = await createCcxtClient({
      exchangeId: 'binance',
      credentials,
      url: sim.url,
      recvWindowMs,
      timeoutMs: v.timeoutMs ?? 2000,
      keepAliveMs: 20_000,
      ccxtOptions: v.ccxtOptions,
    });
    const logger = recordingLogger();
    const venue = new CcxtVenue({
      exchange,
      credentials,
      clock: systemClock,
      logger,
      recvWindowMs,
      budget: v.budget ?? { requestsPerSecond: 200, burst: 100 },
      seed: 11,
      backoffMs: v.backoffMs ?? { min: 50, max: 500 },
    });
    venues.push(venue);
    return { venue, logger };
  };
  const { venue, logger } = await openVenue(o);
  const events: VenueEvent[] = [];
  return {
    sim,
    admin: venueSimAdmin(() => sim.url),
    venue,
    logger,
    events,
    listen: () => venue.subscribe((e) => void events.push(e as VenueEvent)),
    openVenue,
    close: async () => {
      for (const v of venues) await v.close();
      await sim.close();
      tmp.cleanup();
    },
  };
}
