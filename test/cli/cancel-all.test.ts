import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultVenueDb } from '../../src/cli/start.js';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import { liveOrderCounts } from '../support/cli-helpers.js';
import { runCliToEnd } from '../support/engine-process.js';
import { checkInvariants } from '../support/invariants.js';
import { tempDir } from '../support/tmp.js';

/**
 * `start --cancel-all`: one command that takes everything off the book. The engine recovers and reconciles
 * as usual, trades nothing, cancels every open order through AdjustOrders and exits once the venue
 * answered; the paper venue's own file is the judge.
 */

let tmp: { dir: string; cleanup: () => void };
let db: string;
let venueDb: string;

beforeAll(() => {
  tmp = tempDir('cli-cancel-all');
  db = path.join(tmp.dir, 'e.db');
  venueDb = defaultVenueDb(db);
});

afterAll(() => tmp.cleanup());

/** The paper venue's open orders and how many orders it ever received. */
function venueOrders(): { open: string[]; all: number } {
  const venue = openPaperVenueStore(venueDb);
  try {
    return { open: venue.openOrders().map((o) => o.clientOrderId), all: venue.allOrders().length };
  } finally {
    venue.close();
  }
}

/** Orders of the engine database that are not in a terminal state, by state. */
const liveInEngine = () => liveOrderCounts(db, 'state');

describe('npm start -- --cancel-all', () => {
  it('cancels every order left open by an earlier run, places nothing, and exits 0', async () => {
    const trading = await runCliToEnd(['start', '--duration', '3', '--seed', '3', '--db', db]);
    expect(trading.code, trading.stderr.slice(-2000)).toBe(0);
    const before = venueOrders();
    expect(before.open.length, 'orders resting at the venue after a plain stop').toBeGreaterThan(0);
    expect(Object.values(await liveInEngine()).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    const out = await runCliToEnd(['start', '--cancel-all', '--seed', '4', '--db', db]);
    expect(out.code, out.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(out.stdout.trim())).toEqual({ cancelAll: true, quiet: true, liveOrders: 0 });
    const after = venueOrders();
    expect(after.open).toEqual([]);
    expect(after.all, 'no order placed by --cancel-all').toBe(before.all);
    expect(await liveInEngine()).toEqual({});
    expect(await checkInvariants(db, venueDb, true)).toEqual([]);
  }, 60_000);

  it('refuses to be combined with --exit-when-ready, naming the flag (exit 2)', async () => {
    const out = await runCliToEnd(['start', '--cancel-all', '--exit-when-ready', '--db', db]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--cancel-all: cannot be combined with --exit-when-ready/);
  });
});
