import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, newEngineTarget } from '../support/dialects.js';
import { repoRoot, tempDir } from '../support/tmp.js';

/**
 * The crash tests: short runs of `npm run chaos` (the command a user runs against their own setup) on each
 * venue and each dialect. The engine bundle is SIGKILLed at seeded moments (start-up, right after an
 * intent's commit, after the venue accepted a place, after a fill, random), restarted each time on a venue
 * injecting every fault class, the invariants checked after every kill, then stopped gracefully and
 * audited against the venue's own records. Each run must also have exercised what it claims.
 */
const SEED = Number(process.env.STEADFAST_TEST_SEED ?? 20261207);
/** Kills per run: `STEADFAST_CRASH_KILLS`, else 20 on the paper venue and 16 through ccxt (slower to restart). */
const killsOf = (venue: 'paper' | 'sim') =>
  Number(process.env.STEADFAST_CRASH_KILLS ?? (venue === 'paper' ? 20 : 16));

const KEYS = [
  'kills',
  'restarts',
  'orders',
  'fills',
  'duplicateClientOrderIds',
  'unknownVenueOrders',
  'lostFills',
  'doubleCountedFills',
  'positionMismatches',
  'openOrderMismatches',
  'stuckOrders',
  'integrityOk',
  'replayOk',
  'ok',
];

/** What `--report` writes (run-chaos.ts). */
interface ChaosReport extends Record<string, unknown> {
  ok: boolean;
  killedIn: Record<string, number>;
  faults: Record<string, number>;
  fillsBySymbol: Record<string, number>;
  resumedCalls: number;
  streamReconnects: number;
  withdrawnSymbols: number;
  during: string[];
}

/** The crash test of one venue, on each dialect. */
export function chaosSuite(venue: 'paper' | 'sim'): void {
  const KILLS = killsOf(venue);
  describe.each(dialects)(
    `npm run chaos -- --venue ${venue} on $name (seed ${SEED}; rerun with STEADFAST_TEST_SEED=${SEED})`,
    (dialect) => {
      const tmp = tempDir('chaos');
      afterAll(() => tmp.cleanup());

      it.skipIf(!dialect.runs)(
        `${KILLS} SIGKILLs, nothing lost or duplicated, every invariant as a count of 0`,
        async () => {
          const where = newEngineTarget(dialect, path.join(tmp.dir, `${venue}.db`));
          const reportFile = path.join(tmp.dir, `${venue}-report.json`);
          try {
            const child = spawn(
              process.execPath,
              [
                '--import',
                'tsx',
                'test/chaos/run-chaos.ts',
                ...['--venue', venue, '--kills', String(KILLS), '--seed', String(SEED)],
                ...['--db', where.target, '--report', reportFile, '--json', '--no-build'],
              ],
              { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
            );
            let stdout = '';
            let stderr = '';
            child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
            child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
            const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
            console.log(`chaos ${venue} on ${dialect.name} (seed ${SEED}):\n${stdout}`);
            expect(code, `${stdout}\n${stderr.slice(-3000)}`).toBe(0);
            const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
            expect(Object.keys(summary)).toEqual(KEYS);
            expect(summary).toMatchObject({
              kills: KILLS,
              restarts: KILLS,
              duplicateClientOrderIds: 0,
              unknownVenueOrders: 0,
              lostFills: 0,
              doubleCountedFills: 0,
              positionMismatches: 0,
              openOrderMismatches: 0,
              stuckOrders: 0,
              integrityOk: true,
              replayOk: true,
              ok: true,
            });

            // The run must have exercised what it claims: trading on both symbols, lost replies, calls in
            // flight at a kill resumed by recovery, kills during start-up, a symbol withdrawn by a run
            // without it, and on the simulator dropped sockets.
            const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as ChaosReport;
            expect(report.during).toEqual([]);
            expect(Number(summary.fills), 'venue fills').toBeGreaterThan(20);
            for (const symbol of ['BTC/USDT', 'ETH/USDT'])
              expect(report.fillsBySymbol[symbol] ?? 0, `venue fills of ${symbol}`).toBeGreaterThan(5);
            const lostReplies = venue === 'paper' ? 'reply lost after acceptance' : 'acceptThenDrop';
            expect(report.faults[lostReplies] ?? 0, 'replies lost after acceptance').toBeGreaterThan(0);
            expect(report.resumedCalls, 'calls in flight at a kill, resumed by recovery').toBeGreaterThan(0);
            expect(report.killedIn.startup ?? 0, 'kills during start-up').toBeGreaterThan(0);
            expect(report.withdrawnSymbols, 'symbols withdrawn by a run without them').toBeGreaterThan(0);
            if (venue === 'sim') expect(report.streamReconnects, 'stream reconnects').toBeGreaterThan(0);
          } finally {
            await where.drop();
          }
        },
        600_000,
      );
    },
  );
}
