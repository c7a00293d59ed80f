import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/adapters/paper/rng.js';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import { dialects, newEngineTarget } from '../support/dialects.js';
import { runCli } from '../support/engine-process.js';
import { checkInvariants } from '../support/invariants.js';
import { tempDir } from '../support/tmp.js';

const SEED = Number(process.env.STEADFAST_TEST_SEED ?? 20261125);
const KILLS = Number(process.env.STEADFAST_CRASH_KILLS ?? 22);

/** `STEADFAST_CRASH_FAULTS=heavy`: 4–5× the fault rates and twice the quoting rate (for soaks). */
const HEAVY = process.env.STEADFAST_CRASH_FAULTS === 'heavy';

/**
 * A fast, faulty market on two symbols (each with its own AdjustOrders workflow and position book):
 * fills, timeouts after acceptance, lost and duplicated updates, rejections.
 */
const crashConfig = {
  symbols: ['BTC/USDT', 'ETH/USDT'],
  paper: {
    tickMs: 20,
    latencyMs: { min: 5, max: 60 },
    requestWindowMs: 400,
    faults: HEAVY
      ? {
          timeoutAfterAccept: 0.25,
          failBeforeVenue: 0.2,
          reject: 0.1,
          duplicateUpdate: 0.3,
          lateUpdate: 0.3,
          dropUpdate: 0.2,
          maxLateMs: 800,
        }
      : {
          timeoutAfterAccept: 0.05,
          failBeforeVenue: 0.05,
          reject: 0.02,
          duplicateUpdate: 0.1,
          lateUpdate: 0.1,
          dropUpdate: 0.05,
          maxLateMs: 300,
        },
  },
  strategy: HEAVY
    ? { intervalMs: 50, levels: 4, requoteBps: '0' }
    : { intervalMs: 100, levels: 2, requoteBps: '1' },
  orders: { ackTimeoutMs: 250, cancelTimeoutMs: 250, lookupRetryMs: 100, maxAttempts: 3 },
  reconcile: { gapFillIntervalMs: 300 },
  statusIntervalMs: 0,
  stopTimeoutMs: 15_000,
};

describe.each(dialects)(
  `crash recovery on $name (seed ${SEED}; rerun with STEADFAST_TEST_SEED=${SEED})`,
  (dialect) => {
    const tmp = tempDir('crash');
    const where = newEngineTarget(dialect, path.join(tmp.dir, 'engine.db'));
    afterAll(async () => {
      await where.drop();
      tmp.cleanup();
    });
    const db = where.target;
    const venueDb = path.join(tmp.dir, 'venue.db');
    const config = path.join(tmp.dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify(crashConfig));
    const args = (i: number) => [
      'start',
      '--config',
      config,
      '--db',
      db,
      '--venue-db',
      venueDb,
      '--seed',
      String(SEED + i),
    ];

    it.skipIf(!dialect.runs)(
      `loses and duplicates nothing across ${KILLS} SIGKILLs at random moments`,
      async () => {
        const rng = new Rng(SEED);
        const killedAfter: string[] = [];
        let resumedCalls = 0;
        let withdrawals = 0;
        for (let i = 0; i < KILLS; i += 1) {
          // Most runs trade both symbols; some only one, so that the other is retired (its quotes withdrawn,
          // its fills still counted) by a run that may itself be killed at any moment.
          const symbols = ['BTC/USDT,ETH/USDT', 'BTC/USDT,ETH/USDT', 'BTC/USDT', 'ETH/USDT'][rng.int(0, 3)]!;
          const run = runCli([...args(i), '--symbol', symbols]);
          // A quarter of the kills land during start-up (recovery itself); the rest after trading-ready, so
          // that every run trades before it dies however long start-up takes on this machine.
          const duringStartup = rng.chance(0.25);
          const delay = duringStartup ? rng.int(150, 2000) : rng.int(100, 2000);
          if (!duringStartup) await Promise.race([run.ready.catch(() => {}), run.exited]);
          await Promise.race([new Promise((r) => setTimeout(r, delay)), run.exited]);
          const alive = run.child.exitCode === null;
          run.child.kill('SIGKILL');
          const { signal } = await run.exited;
          expect(
            alive && signal === 'SIGKILL',
            `run ${i} should still run when killed (seed ${SEED}):\n${run.output().stderr.slice(-1500)}`,
          ).toBe(true);
          killedAfter.push(`${delay} ms ${duringStartup ? 'after spawn' : 'after ready'}`);
          for (const m of run.output().stderr.matchAll(/"resumedCalls":(\d+)/g)) resumedCalls += Number(m[1]);
          withdrawals += run.output().stderr.split('symbol no longer configured').length - 1;
          const problems = await checkInvariants(db, venueDb, false);
          expect(problems, `after kill ${i}, ${killedAfter.at(-1)} (seed ${SEED})`).toEqual([]);
        }
        const last = runCli([...args(KILLS), '--duration', '3']);
        const { code } = await last.exited;
        for (const m of last.output().stderr.matchAll(/"resumedCalls":(\d+)/g)) resumedCalls += Number(m[1]);
        const early = killedAfter.filter((k) => k.endsWith('after spawn')).length;
        console.log(
          `crash test: ${KILLS} kills (${early} during start-up), ${resumedCalls} in-flight calls resumed, ` +
            `${withdrawals} dropped symbols withdrawn (seed ${SEED})`,
        );
        expect(code, `final run (seed ${SEED}):\n${last.output().stderr.slice(-3000)}`).toBe(0);
        const problems = await checkInvariants(db, venueDb, true);
        expect(problems, `final invariants (seed ${SEED})`).toEqual([]);

        // The test must have exercised what it claims: real trading, lost replies, resends avoided.
        const venue = openPaperVenueStore(venueDb);
        try {
          expect(venue.allTrades().length, 'venue fills').toBeGreaterThan(20);
          for (const symbol of crashConfig.symbols) {
            const n = venue.allTrades().filter((t) => t.symbol === symbol).length;
            expect(n, `venue fills of ${symbol}`).toBeGreaterThan(5);
          }
          expect(
            venue.requests().filter((r) => r.replyLost).length,
            'replies lost after acceptance',
          ).toBeGreaterThan(0);
          expect(killedAfter.length).toBeGreaterThanOrEqual(20);
          expect(resumedCalls, 'calls in flight at a kill, resumed by recovery').toBeGreaterThan(0);
        } finally {
          venue.close();
        }
      },
      300_000,
    );
  },
);
