import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPaperVenue } from '../../src/adapters/paper/paper-venue.js';
import type { VenuePort } from '../../src/adapters/venue.js';
import { DEFAULT_PAPER_MARKETS } from '../../src/cli/config.js';
import { systemClock } from '../../src/domain/clock.js';
import { Engine } from '../../src/engine/engine.js';
import { recordingLogger } from '../support/ccxt-venue.js';
import { tempDirPerTest } from '../support/test-dir.js';

const tmp = tempDirPerTest('engine-stop');

/** The paper venue, whose first trade read after `hold()` waits until `release()`. */
function holdingVenue() {
  const paper = createPaperVenue({
    dbPath: path.join(tmp.dir, 'venue.db'),
    seed: 1,
    clock: systemClock,
    markets: DEFAULT_PAPER_MARKETS,
  });
  tmp.cleanups.push(() => paper.close());
  let holding = false;
  let entered!: () => void;
  let release!: () => void;
  const held = new Promise<void>((r) => (entered = r));
  const released = new Promise<void>((r) => (release = r));
  const venue = new Proxy(paper, {
    get(target, key) {
      if (key === 'fetchMyTrades' && holding) {
        holding = false;
        return async (symbol: string, sinceMs: number) => {
          entered();
          await released;
          return target.fetchMyTrades(symbol, sinceMs);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as VenuePort;
  return { venue, hold: () => (holding = true), held, release };
}

describe('Engine.stop', () => {
  it('waits for a periodic gap-fill already in flight before it closes the database', async () => {
    const { venue, hold, held, release } = holdingVenue();
    const logger = recordingLogger();
    const engine = await Engine.open({
      dbPath: path.join(tmp.dir, 'engine.db'),
      durability: 'normal',
      venue,
      clock: systemClock,
      logger,
      symbols: ['BTC/USDT'],
      strategy: {
        levels: 0,
        spreadBps: '1',
        levelSpacingBps: '1',
        orderSize: '0.01',
        maxPosition: '1',
        skewBps: '0',
        requoteBps: '1',
      },
      strategyIntervalMs: 60_000,
      maxOpenOrders: 10,
      timeouts: { ackMs: 5000, cancelMs: 5000, lookupRetryMs: 500, absenceProofMs: 10_000 },
      maxAttempts: 3,
      gapFillIntervalMs: 10,
      unknownOrders: 'report',
      newInstallId: () => 'stop0',
    });
    hold();
    engine.startTrading();
    await held; // the periodic gap-fill is now waiting for the venue
    let stopped = false;
    const stopping = engine.stop({ timeoutMs: 1000 }).then((report) => {
      stopped = true;
      return report;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);
    release();
    expect(await stopping).toEqual({ quiet: true, liveOrders: 0 });
    await new Promise((r) => setTimeout(r, 50));
    const failures = logger.lines.filter((l) => l.level === 'warn' || l.level === 'error');
    expect(failures.map((l) => l.msg)).toEqual([]);
  });
});
