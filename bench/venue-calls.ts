import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { createPaperVenue } from '../src/adapters/paper/paper-venue.js';
import { openExchangeVenue } from '../src/adapters/venue-factory.js';
import type { VenuePort } from '../src/adapters/venue.js';
import { DEFAULT_PAPER_MARKETS } from '../src/cli/config.js';
import { systemClock } from '../src/domain/clock.js';
import { Dec } from '../src/domain/decimal.js';
import { silentLogger } from '../src/domain/logger.js';
import { summarize } from './durable.js';
import type { ThroughputResult } from './durable.js';

/** Orders placed and acknowledged per second through one venue port, `concurrency` calls in flight. */
async function placeLoop(venue: VenuePort, seconds: number, concurrency: number, tag: string) {
  const ticker = await venue.fetchTicker('BTC/USDT');
  // Resting bids 10 % under the market: every call is a full place + acknowledgement, nothing fills.
  const price = Dec(ticker.bid).times('0.9').round(2, Dec.roundDown).toFixed(2);
  const latencies: number[] = [];
  let placed = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; performance.now() < until; i += 1) {
        const t0 = performance.now();
        await venue.placeOrder({
          clientOrderId: `bench-${tag}-${w}-${i}`,
          symbol: 'BTC/USDT',
          side: 'buy',
          type: 'limit',
          price,
          quantity: '0.001',
        });
        latencies.push(performance.now() - t0);
        placed += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return summarize(placed, elapsed, placed, latencies);
}

/** Starts the venue simulator as its own process (as in production: the venue is not in our process). */
async function startSimulator(dbPath: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/venue-sim/main.ts', '--port', '0', '--db', dbPath, '--tick-ms', '0'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, VENUE_SIM_API_KEY: '', STEADFAST_API_KEY: '' },
    },
  );
  const first = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`venue simulator exited (${code})`)));
  });
  return { url: first.trim(), stop: () => child.kill('SIGKILL') };
}

/** The paper venue's and the ccxt path's place-and-acknowledge rates, in one run. */
export async function runVenueCalls(
  work: string,
  seconds: number,
  concurrency = 8,
): Promise<{ paper: ThroughputResult; ccxt: ThroughputResult }> {
  const paperVenue = createPaperVenue({
    dbPath: path.join(work, 'paper-calls.db'),
    seed: 1,
    clock: systemClock,
    markets: DEFAULT_PAPER_MARKETS,
    latencyMs: { min: 0, max: 0 },
  });
  let paper: ThroughputResult;
  try {
    paper = await placeLoop(paperVenue, seconds, concurrency, 'paper');
  } finally {
    await paperVenue.close();
  }
  const sim = await startSimulator(path.join(work, 'venue-sim.db'));
  try {
    const venue = await openExchangeVenue({
      exchangeId: 'binance',
      url: sim.url,
      recvWindowMs: 5000,
      timeoutMs: 10_000,
      // The bench measures the client path, not our request budget: the budget is set out of the way.
      budget: { requestsPerSecond: 1_000_000, burst: 1_000_000 },
      seed: 1,
      clock: systemClock,
      logger: silentLogger,
      env: { STEADFAST_API_KEY: 'sim-api-key', STEADFAST_API_SECRET: 'sim-api-secret' },
    });
    try {
      return { paper, ccxt: await placeLoop(venue, seconds, concurrency, 'ccxt') };
    } finally {
      await venue.close();
    }
  } finally {
    sim.stop();
  }
}
