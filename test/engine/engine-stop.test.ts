import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPaperVenue } from '../../src/adapters/paper/paper-venue.js';
import type { VenuePort } from '../../src/adapters/venue.js';
import { DEFAULT_PAPER_MARKETS } from '../../src/cli/config.js';
import { systemClock } from '../../src/domain/clock.js';
import { Engine } from '../../src/engine/engine.js';
import { recordingLogger } from '../support/ccxt-venue.js';
import { tempDirPerTest } from '../support/test-dir.js';
import { notWithin } from '../support/wait.js';

const tmp = tempDirPerTest('engine-stop');

/**
 * The paper venue, whose first trade read after `hold()` waits until `release()`. `reads` lists the trade
 * reads after `hold()` in the order they returned: `held` for that one, `other` for the rest.
 */
function holdingVenue() {
  const paper = createPaperVenue({
    dbPath: path.join(tmp.dir, 'venue.db'),
    seed: 1,
    clock: systemClock,
    markets: DEFAULT_PAPER_MARKETS,
  });
  tmp.cleanups.push(() => paper.close());
  let holding = false;
  let watching = false;
  const reads: string[] = [];
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
          const fills = await target.fetchMyTrades(symbol, sinceMs);
          reads.push('held');
          return fills;
        };
      }
      if (key === 'fetchMyTrades' && watching) {
        return async (symbol: string, sinceMs: number) => {
          const fills = await target.fetchMyTrades(symbol, sinceMs);
          reads.push('other');
          return fills;
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as VenuePort;
  const hold = () => {
    holding = true;
    watching = true;
  };
  return { venue, hold, held, release, reads };
}

describe('Engine.stop', () => {
  it('waits for a periodic gap-fill already in flight before it closes the database', async () => {
    const { venue, hold, held, release, reads } = holdingVenue();
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
    const events: string[] = [];
    const stopping = engine.stop({ timeoutMs: 1000 }).then((report) => {
      events.push(...reads.splice(0), 'stopped');
      return report;
    });
    // What a stop that did not wait would do next: its own last gap-fill (another trade read), then resolve.
    await notWithin(
      'stop went on while a gap-fill was in flight',
      () => reads.length + events.length > 0,
      200,
    );
    release();
    expect(await stopping).toEqual({ quiet: true, liveOrders: 0 });
    // The held read returned before stop's last gap-fill read, and both before stop resolved.
    expect(events).toEqual(['held', 'other', 'stopped']);
    const failures = logger.lines.filter((l) => l.level === 'warn' || l.level === 'error');
    expect(failures.map((l) => l.msg)).toEqual([]);
  });
});
