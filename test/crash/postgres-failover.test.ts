import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/adapters/paper/rng.js';
import { startVenueSim } from '../../src/venue-sim/server.js';
import { checkCcxtInvariants } from '../support/ccxt-invariants.js';
import { jsonLines } from '../support/cli-helpers.js';
import { dialects, newEngineTarget } from '../support/dialects.js';
import { runCli } from '../support/engine-process.js';
import type { EngineProcess } from '../support/engine-process.js';
import { tempDir } from '../support/tmp.js';
import { keepMarketMoving, venueSimAdmin } from '../support/venue-sim.js';
import { waitFor } from '../support/wait.js';

const SEED = Number(process.env.STEADFAST_TEST_SEED ?? 20261207);
const KILLS = Number(process.env.STEADFAST_FAILOVER_KILLS ?? 20);
/** lease.ttlMs of every engine: a standby takes over once the holder has not renewed for this long. */
const TTL_MS = 1500;
const KEYS = { STEADFAST_API_KEY: 'sim-api-key', STEADFAST_API_SECRET: 'sim-api-secret' };
const postgres = dialects.find((d) => d.name === 'postgres')!;

const STANDING_BY = 'standby: another engine holds the lease; waiting to take over';
const TOOK_OVER = 'standby took the lease over: first event committed';

/** The `time` of the first log line of `p` with message `msg`, or undefined. */
function loggedAt(p: EngineProcess, msg: string): number | undefined {
  const line = jsonLines(
    p
      .output()
      .stderr.split('\n')
      .filter((l) => l.startsWith('{'))
      .join('\n'),
  ).find((l) => l.msg === msg);
  return line === undefined ? undefined : Number(line.time);
}

/** The q-quantile of `xs` (nearest rank). */
function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * Engines on one PostgreSQL database (one schema) trading one simulator account through ccxt: one holds
 * the lease, another waits as a hot standby. The holder is SIGKILLed at seeded random moments; each time
 * the standby takes over, recovers from PostgreSQL, reconciles and trades, and a new standby is started.
 * Once the holder is SIGSTOPped past its lease instead, then SIGCONTed: its fencing token is stale, so it
 * must write nothing more and exit 1. At the end the crash invariants hold against the simulator's records.
 */
describe.skipIf(!postgres.runs)(
  `failover on PostgreSQL (seed ${SEED}; rerun with STEADFAST_TEST_SEED=${SEED})`,
  () => {
    const tmp = tempDir('pg-failover');
    afterAll(() => tmp.cleanup());

    it(`a standby takes over after each of ${KILLS} SIGKILLs and one SIGSTOP; nothing lost, nothing twice`, async () => {
      const rng = new Rng(SEED);
      const where = newEngineTarget(postgres, '');
      const db = where.target;
      const config = path.join(tmp.dir, 'config.json');
      const sim = await startVenueSim({ dbPath: path.join(tmp.dir, 'sim.db'), seed: SEED, tickMs: 0 });
      const admin = venueSimAdmin(() => sim.url);
      fs.writeFileSync(
        config,
        JSON.stringify({
          venue: { kind: 'binance', url: sim.url, recvWindowMs: 1000, timeoutMs: 800 },
          symbols: ['BTC/USDT'],
          strategy: { intervalMs: 100, levels: 2, requoteBps: '1' },
          orders: { ackTimeoutMs: 1000, cancelTimeoutMs: 1000, lookupRetryMs: 150, maxAttempts: 3 },
          reconcile: { gapFillIntervalMs: 400 },
          lease: { ttlMs: TTL_MS },
          statusIntervalMs: 0,
          stopTimeoutMs: 15_000,
        }),
      );
      const stopMarket = keepMarketMoving(admin);
      let started = 0;
      const all: EngineProcess[] = [];
      const start = (extra: string[] = []): EngineProcess => {
        started += 1;
        const p = runCli(
          ['start', '--config', config, '--db', db, '--seed', String(SEED + started), ...extra],
          KEYS,
        );
        all.push(p);
        return p;
      };
      const standingBy = (p: EngineProcess) =>
        p.until('the new engine to stand by', () => loggedAt(p, STANDING_BY) !== undefined, 30_000);
      const takeovers: number[] = [];
      try {
        let holder = start();
        await holder.ready;
        let standby = start();
        await standingBy(standby);
        for (let i = 0; i < KILLS; i += 1) {
          await new Promise((r) => setTimeout(r, rng.int(200, 2500)));
          expect(
            holder.child.exitCode,
            `holder before kill ${i}:\n${holder.output().stderr.slice(-2000)}`,
          ).toBe(null);
          const killedAt = Date.now();
          holder.child.kill('SIGKILL');
          await holder.exited;
          await standby.until(
            `takeover after kill ${i}`,
            () => loggedAt(standby, TOOK_OVER) !== undefined,
            30_000,
          );
          takeovers.push(loggedAt(standby, TOOK_OVER)! - killedAt);
          await standby.ready;
          holder = standby;
          standby = start();
          await standingBy(standby);
          const problems = await checkCcxtInvariants(db, await admin.state(), false, () => admin.state());
          expect(problems, `after kill ${i} (seed ${SEED})`).toEqual([]);
        }

        // A holder paused past its lease: the standby takes over; the old one, resumed, must not write.
        await new Promise((r) => setTimeout(r, rng.int(200, 1500)));
        holder.child.kill('SIGSTOP');
        await standby.until(
          'takeover from the paused holder',
          () => loggedAt(standby, TOOK_OVER) !== undefined,
          30_000,
        );
        await standby.ready;
        const paused = holder;
        holder = standby;
        await new Promise((r) => setTimeout(r, 1000)); // the new holder trades meanwhile
        paused.child.kill('SIGCONT');
        const resumed = await Promise.race([
          paused.exited,
          new Promise<null>((r) => setTimeout(() => r(null), 30_000)),
        ]);
        expect(
          resumed,
          `the resumed holder exits by itself:\n${paused.output().stderr.slice(-2000)}`,
        ).not.toBeNull();
        expect(resumed!.code, paused.output().stderr.slice(-2000)).toBe(1);
        expect(paused.output().stderr).toMatch(/"code":"(LEASE_LOST|COMMIT_FAILED)"/);

        // Trade on until a fill made after the last takeover is recorded, then stop gracefully.
        const before = new Set((await admin.state()).trades.map((t) => String(t.id)));
        await waitFor(
          'a fill after the last takeover',
          async () => (await admin.state()).trades.some((t) => !before.has(String(t.id))),
          30_000,
        );
        await stopMarket();
        await new Promise((r) => setTimeout(r, 1000));
        holder.child.kill('SIGTERM');
        const { code } = await holder.exited;
        expect(code, holder.output().stderr.slice(-3000)).toBe(0);
        const state = await admin.state();
        expect(await checkCcxtInvariants(db, state, true), `final invariants (seed ${SEED})`).toEqual([]);
        console.log(
          `PostgreSQL failover: ${KILLS} SIGKILLs + 1 SIGSTOP, lease.ttlMs ${TTL_MS}: takeover (kill to the ` +
            `standby's first commit) p50 ${quantile(takeovers, 0.5)} ms, p99 ${quantile(takeovers, 0.99)} ms, ` +
            `max ${Math.max(...takeovers)} ms; ${state.orders.length} venue orders, ${state.trades.length} fills ` +
            `(seed ${SEED})`,
        );
        expect(state.trades.length, 'venue fills').toBeGreaterThan(10);
      } finally {
        await stopMarket();
        for (const p of all) {
          if (p.child.exitCode === null && p.child.signalCode === null) {
            p.child.kill('SIGCONT');
            p.child.kill('SIGKILL');
            await p.exited;
          }
        }
        await sim.close();
        await where.drop();
      }
    }, 600_000);
  },
);
