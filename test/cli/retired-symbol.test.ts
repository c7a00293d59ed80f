import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_PAPER_MARKETS } from '../../src/cli/config.js';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultVenueDb } from '../../src/cli/start.js';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import { jsonLines, liveOrderCounts } from '../support/cli-helpers.js';
import { runCliToEnd } from '../support/engine-process.js';
import { checkInvariants } from '../support/invariants.js';
import { tempDir } from '../support/tmp.js';

/**
 * A symbol dropped from the configuration while its quotes rest at the venue ("retired") is not forgotten
 * by the next start: its orders are cancelled through its AdjustOrders workflow, its fills are still
 * gap-filled and counted, and `--cancel-all` takes its orders off the book too. The paper venue's own file
 * is the judge.
 */

const tmp = tempDir('cli-retired-symbol');
afterAll(() => tmp.cleanup());

/** The paper venue's open orders, by symbol. */
function venueOpen(venueDb: string): Record<string, number> {
  const venue = openPaperVenueStore(venueDb);
  try {
    const out: Record<string, number> = {};
    for (const o of venue.openOrders()) out[o.symbol] = (out[o.symbol] ?? 0) + 1;
    return out;
  } finally {
    venue.close();
  }
}

/** Orders of the engine database that are not in a terminal state, by symbol. */
const liveInEngine = (db: string) => liveOrderCounts(db, 'symbol');

/** Runs `steadfast <words> --db <db>` to its end, expecting exit code 0. */
async function runOk(db: string, words: string): Promise<{ stdout: string; stderr: string }> {
  const run = await runCliToEnd([...words.split(' '), '--db', db]);
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
  return run;
}

/** Trades both symbols for a few seconds and stops, leaving their quotes at the venue. */
async function tradeBoth(db: string): Promise<void> {
  await runOk(db, 'start --duration 4 --seed 3 --symbol BTC/USDT,ETH/USDT');
  const open = venueOpen(defaultVenueDb(db));
  expect(open['BTC/USDT'] ?? 0, 'BTC/USDT quotes left at the venue').toBeGreaterThan(0);
  expect(open['ETH/USDT'] ?? 0, 'ETH/USDT quotes left at the venue').toBeGreaterThan(0);
}

describe('a symbol dropped from the configuration (retired)', () => {
  it('has its quotes cancelled by the next start, while the configured symbol keeps trading', async () => {
    const db = path.join(tmp.dir, 'a.db');
    await tradeBoth(db);

    const run = await runOk(db, 'start --duration 4 --seed 5 --symbol ETH/USDT');
    const warned = jsonLines(run.stderr).filter((l) => l.msg.startsWith('symbol no longer configured'));
    expect(warned.map((l) => l.symbol)).toEqual(['BTC/USDT']);
    const open = venueOpen(defaultVenueDb(db));
    expect(open['BTC/USDT'], 'BTC/USDT orders still open at the venue').toBeUndefined();
    expect(open['ETH/USDT'] ?? 0, 'ETH/USDT still quoted').toBeGreaterThan(0);
    expect((await liveInEngine(db))['BTC/USDT']).toBeUndefined();
    // Every BTC/USDT fill at the venue, before and during its withdrawal, is in the engine's position.
    expect(await checkInvariants(db, defaultVenueDb(db), true)).toEqual([]);
  }, 90_000);

  it('whose market the venue no longer lists does not stop the start: its orders are reported and left', async () => {
    const db = path.join(tmp.dir, 'c.db');
    await tradeBoth(db);
    const config = path.join(tmp.dir, 'eth-only.json');
    const eth = DEFAULT_PAPER_MARKETS.filter((m) => m.symbol === 'ETH/USDT');
    fs.writeFileSync(config, JSON.stringify({ paper: { markets: eth } }));
    const before = venueOpen(defaultVenueDb(db));

    const run = await runOk(db, `start --duration 3 --seed 6 --symbol ETH/USDT --config ${config}`);
    const warned = jsonLines(run.stderr).filter((l) =>
      l.msg.startsWith('orders of a symbol the venue does not list'),
    );
    expect(warned.map((l) => l.symbol)).toEqual(['BTC/USDT']);
    expect(jsonLines(run.stderr).some((l) => l.msg.startsWith('symbol no longer configured'))).toBe(false);
    expect(venueOpen(defaultVenueDb(db))['BTC/USDT']).toBe(before['BTC/USDT']);
  }, 90_000);

  it('is included by --cancel-all', async () => {
    const db = path.join(tmp.dir, 'b.db');
    await tradeBoth(db);

    const out = await runOk(db, 'start --cancel-all --seed 4 --symbol ETH/USDT');
    expect(JSON.parse(out.stdout.trim())).toEqual({ cancelAll: true, quiet: true, liveOrders: 0 });
    expect(venueOpen(defaultVenueDb(db))).toEqual({});
    expect(await liveInEngine(db)).toEqual({});
    expect(await checkInvariants(db, defaultVenueDb(db), true)).toEqual([]);
  }, 90_000);
});
