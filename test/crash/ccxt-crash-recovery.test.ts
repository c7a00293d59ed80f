import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/adapters/paper/rng.js';
import { openEngineDatabaseReadOnly } from '../../src/persistence/open-database.js';
import { startVenueSim } from '../../src/venue-sim/server.js';
import { checkCcxtInvariants } from '../support/ccxt-invariants.js';
import { jsonLines } from '../support/cli-helpers.js';
import { dialects, newEngineTarget } from '../support/dialects.js';
import { runCli } from '../support/engine-process.js';
import type { EngineProcess } from '../support/engine-process.js';
import { tempDir } from '../support/tmp.js';
import { venueSimAdmin } from '../support/venue-sim.js';

const SEED = Number(process.env.STEADFAST_TEST_SEED ?? 20261126);
const KILLS = Number(process.env.STEADFAST_CRASH_KILLS ?? 20);
/** Two symbols: two AdjustOrders workflows, two position books, one user-data stream. */
const SYMBOLS = ['BTC/USDT', 'ETH/USDT'];
const KEYS = { STEADFAST_API_KEY: 'sim-api-key', STEADFAST_API_SECRET: 'sim-api-secret' };

/** Every fault class of the simulator at once; acceptThenDrop alternates between a closed socket and a timeout. */
const faultPlan = (i: number, rng: Rng) => ({
  latencyMs: { min: 0, max: 40 },
  http5xx: 0.03,
  rateLimit: { probability: 0.02, retryAfterSec: 1 },
  ban418: { probability: 0.003, retryAfterSec: 1 },
  acceptThenDrop: { probability: 0.06, holdMs: rng.chance(0.5) ? 0 : 1000 },
  duplicateReports: 0.1,
  reorderReports: 0.1,
  reorderHoldMs: 150,
  seed: SEED + i,
});

describe.each(dialects)(
  `crash recovery through ccxt on $name (seed ${SEED}; rerun with STEADFAST_TEST_SEED=${SEED})`,
  (dialect) => {
    const tmp = tempDir('ccxt-crash');
    afterAll(() => tmp.cleanup());
    const config = path.join(tmp.dir, 'config.json');

    it.skipIf(!dialect.runs)(
      `loses and duplicates nothing across ${KILLS} SIGKILLs while the simulator keeps running`,
      async () => {
        const rng = new Rng(SEED);
        const where = newEngineTarget(dialect, path.join(tmp.dir, 'engine.db'));
        const db = where.target;
        const sim = await startVenueSim({ dbPath: path.join(tmp.dir, 'sim.db'), seed: SEED, tickMs: 0 });
        const admin = venueSimAdmin(() => sim.url);
        fs.writeFileSync(
          config,
          JSON.stringify({
            venue: { kind: 'binance', url: sim.url, recvWindowMs: 1000, timeoutMs: 800 },
            symbols: SYMBOLS,
            strategy: { intervalMs: 100, levels: 2, requoteBps: '1' },
            orders: { ackTimeoutMs: 1000, cancelTimeoutMs: 1000, lookupRetryMs: 150, maxAttempts: 3 },
            reconcile: { gapFillIntervalMs: 400 },
            statusIntervalMs: 0,
            stopTimeoutMs: 15_000,
          }),
        );
        // The market keeps moving and the user-data socket keeps dropping, engine alive or not.
        let running = true;
        const market = (async () => {
          while (running) {
            await admin.post('tick').catch(() => {});
            await new Promise((r) => setTimeout(r, 40));
          }
        })();
        const dropRng = new Rng(SEED ^ 0x5eed);
        const drops = (async () => {
          while (running) {
            await new Promise((r) => setTimeout(r, dropRng.int(400, 2500)));
            if (running) await admin.post('ws/disconnect').catch(() => {});
          }
        })();
        const stderrs: string[] = [];
        const start = (i: number, extra: string[] = []): EngineProcess =>
          runCli(['start', '--config', config, '--db', db, '--seed', String(SEED + i), ...extra], KEYS);
        try {
          let duringStartup = 0;
          for (let i = 0; i < KILLS; i += 1) {
            await admin.post('faults', faultPlan(i, rng));
            const run = start(i);
            if (rng.chance(0.25)) {
              duringStartup += 1;
              await Promise.race([new Promise((r) => setTimeout(r, rng.int(300, 4000))), run.exited]);
            } else {
              await Promise.race([run.ready, run.exited]);
              const delay = rng.int(100, 2500);
              await Promise.race([new Promise((r) => setTimeout(r, delay)), run.exited]);
            }
            const alive = run.child.exitCode === null;
            run.child.kill('SIGKILL');
            const { signal } = await run.exited;
            stderrs.push(run.output().stderr);
            expect(
              alive && signal === 'SIGKILL',
              `run ${i} should still run when killed (seed ${SEED}):\n${run.output().stderr.slice(-2000)}`,
            ).toBe(true);
            const problems = await checkCcxtInvariants(db, await admin.state(), false);
            expect(problems, `after kill ${i} (seed ${SEED})`).toEqual([]);
          }
          // Final run: trade until a fill made after it was ready is recorded, then freeze the market and let it
          // stop gracefully by itself.
          await admin.post('faults', faultPlan(KILLS, rng));
          const last = start(KILLS, ['--duration', '6']);
          await Promise.race([last.ready, last.exited]);
          const before = new Set((await admin.state()).trades.map((t) => String(t.id)));
          await last.until(
            'a fill made at the venue during the final run, in the engine database',
            async () => {
              const fresh = (await admin.state()).trades
                .map((t) => String(t.id))
                .filter((id) => !before.has(id));
              if (fresh.length === 0) return false;
              const reader = await openEngineDatabaseReadOnly(db);
              try {
                const recorded = await reader
                  .selectFrom('fills')
                  .select('trade_id')
                  .where('trade_id', 'in', fresh)
                  .execute();
                return recorded.length > 0;
              } finally {
                await reader.destroy();
              }
            },
          );
          running = false;
          await Promise.all([market, drops]);
          const { code } = await last.exited;
          stderrs.push(last.output().stderr);
          expect(code, `final run (seed ${SEED}):\n${last.output().stderr.slice(-3000)}`).toBe(0);
          const state = await admin.state();
          expect(await checkCcxtInvariants(db, state, true), `final invariants (seed ${SEED})`).toEqual([]);

          // The run must have exercised what it claims.
          const logs = stderrs.flatMap((s) =>
            jsonLines(
              s
                .split('\n')
                .filter((l) => l.startsWith('{'))
                .join('\n'),
            ),
          );
          const resumed = logs
            .filter((l) => l.msg === 'trading-ready')
            .reduce((n, l) => n + Number(l.resumedCalls), 0);
          const missed = logs
            .filter((l) => l.msg === 'gap-fill after subscription done')
            .reduce((n, l) => n + Number(l.missedFills ?? 0), 0);
          const reconnects = logs.filter(
            (l) => l.msg === 'user-data stream subscribed' && l.reconnect,
          ).length;
          console.log(
            `ccxt crash test: ${KILLS} kills (${duringStartup} during startup), ${state.orders.length} venue orders, ` +
              `${state.trades.length} fills, ${resumed} in-flight calls resumed, ${reconnects} stream reconnects, ` +
              `${missed} fills recovered by reconnect gap-fills (seed ${SEED})`,
          );
          expect(state.trades.length, 'venue fills').toBeGreaterThan(20);
          for (const symbol of SYMBOLS) {
            const n = state.trades.filter((t) => t.symbol === symbol.replace('/', '')).length; // Binance's BTCUSDT
            expect(n, `venue fills of ${symbol}`).toBeGreaterThan(5);
          }
          expect(resumed, 'calls in flight at a kill, resumed by recovery').toBeGreaterThan(0);
          expect(reconnects, 'stream reconnects after dropped sockets').toBeGreaterThan(0);
        } finally {
          running = false;
          await Promise.all([market, drops]);
          await sim.close();
          await where.drop();
        }
      },
      360_000,
    );
  },
);
