import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { repoRoot } from '../support/tmp.js';

const SEED = Number(process.env.STEADFAST_TEST_SEED ?? 20261207);

it.each(['paper', 'sim'])(
  `npm run chaos -- --venue %s: a short run kills and restarts the engine, audits it against the venue, and says ok (seed ${SEED}; rerun with STEADFAST_TEST_SEED=${SEED})`,
  async (venue) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/chaos/run-chaos.ts',
        '--venue',
        venue,
        '--kills',
        '4',
        '--seed',
        String(SEED),
        '--json',
        '--no-build',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, `${stdout}\n${stderr.slice(-2000)}`).toBe(0);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual([
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
    ]);
    expect(report).toMatchObject({ kills: 4, restarts: 4, ok: true, integrityOk: true, replayOk: true });
    expect(report.orders).toBeGreaterThan(0);
  },
  180_000,
);
