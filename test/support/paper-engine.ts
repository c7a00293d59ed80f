import path from 'node:path';
import { createPaperVenue } from '../../src/adapters/paper/paper-venue.js';
import type { PaperVenue } from '../../src/adapters/paper/paper-venue.js';
import { DEFAULT_PAPER_MARKETS } from '../../src/cli/config.js';
import { systemClock } from '../../src/domain/clock.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import { recordingLogger } from './ccxt-venue.js';

/** A paper venue in `dir` (closed by the caller's cleanups), seeded. */
export function paperVenueIn(dir: string, seed: number, cleanups: (() => unknown)[]): PaperVenue {
  const venue = createPaperVenue({
    dbPath: path.join(dir, 'venue.db'),
    seed,
    clock: systemClock,
    markets: DEFAULT_PAPER_MARKETS,
  });
  cleanups.push(() => venue.close());
  return venue;
}

/** Options of an engine quoting two levels on `symbol` at a paper venue, its database in `dir`. */
export function paperEngineOptions(
  dir: string,
  venue: PaperVenue,
  symbol: string,
  installId: string,
): EngineOptions {
  return {
    dbPath: path.join(dir, 'engine.db'),
    durability: 'normal',
    venue,
    clock: systemClock,
    logger: recordingLogger(),
    symbols: [symbol],
    strategy: {
      levels: 2,
      spreadBps: '1',
      levelSpacingBps: '1',
      orderSize: '0.01',
      maxPosition: '0.05',
      skewBps: '4',
      requoteBps: '1',
    },
    strategyIntervalMs: 100,
    maxOpenOrders: 10,
    timeouts: { ackMs: 5000, cancelMs: 5000, lookupRetryMs: 500, absenceProofMs: 10_000 },
    maxAttempts: 3,
    gapFillIntervalMs: 1000,
    unknownOrders: 'report',
    newInstallId: () => installId,
  };
}
