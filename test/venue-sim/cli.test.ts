import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ccxtForVenueSim, venueSimAdmin } from '../support/venue-sim.js';
import { repoRoot, tempDir } from '../support/tmp.js';

/** A running simulator CLI child. */
interface SimProcess {
  child: ChildProcess;
  /** Resolves with the first stdout line. */
  firstLine: Promise<string>;
  output(): { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signals the process and, when started through npm, every process under it (npm's children outlive it). */
  kill(signal: NodeJS.Signals): void;
}

/** Runs `npm run -s venue-sim -- <args>` (or tsx directly) with extra env. */
function runSim(args: string[], env: NodeJS.ProcessEnv = {}, viaNpm = false): SimProcess {
  const cmd = viaNpm ? 'npm' : process.execPath;
  const argv = viaNpm
    ? ['run', '-s', 'venue-sim', '--', ...args]
    : ['--import', 'tsx', 'src/venue-sim/main.ts', ...args];
  const clean = { ...process.env };
  for (const k of ['VENUE_SIM_API_KEY', 'VENUE_SIM_API_SECRET', 'STEADFAST_API_KEY', 'STEADFAST_API_SECRET'])
    delete clean[k];
  const child = spawn(cmd, argv, {
    cwd: repoRoot,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: viaNpm,
  });
  const kill = (signal: NodeJS.Signals) => {
    if (!viaNpm) return void child.kill(signal);
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  let stdout = '';
  let stderr = '';
  let gotLine: (line: string) => void = () => {};
  let failed: (err: Error) => void = () => {};
  const firstLine = new Promise<string>((resolve, reject) => {
    gotLine = resolve;
    failed = reject;
  });
  firstLine.catch(() => {});
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('\n')) gotLine(stdout.split('\n')[0]!);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      failed(new Error(`exited (${code ?? signal}) before printing its URL:\n${stderr}`));
      resolve({ code, signal });
    }),
  );
  return { child, firstLine, output: () => ({ stdout, stderr }), exited, kill };
}

describe('venue simulator: command line', () => {
  const tmp = tempDir('venue-sim-cli');
  const db = path.join(tmp.dir, 'sim.db');
  const children: SimProcess[] = [];
  const start = (args: string[], env?: NodeJS.ProcessEnv, viaNpm = false) => {
    const p = runSim(args, env, viaNpm);
    children.push(p);
    return p;
  };

  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    tmp.cleanup();
  });

  it('`npm run -s venue-sim -- --port 0` prints its URL first, warns about demo credentials, serves ccxt', async () => {
    const p = start(['--port', '0', '--db', db, '--tick-ms', '0'], {}, true);
    const url = await p.firstLine;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const sim = { url, wsUrl: `${url.replace('http', 'ws')}/ws-api/v3` };
    const ex = ccxtForVenueSim(sim);
    try {
      const o = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 49000, { clientOrderId: 'cli-1' });
      expect(o).toMatchObject({ status: 'open', clientOrderId: 'cli-1' });
    } finally {
      await ex.close();
    }
    expect(p.output().stderr).toContain("using the demo credentials (api key 'sim-api-key')");
    expect(p.output().stderr + p.output().stdout).not.toContain('sim-api-secret');
    p.kill('SIGKILL'); // a crash: the next start must still have the order
    expect((await p.exited).signal).toBe('SIGKILL');
  });

  it('after SIGKILL a new process on the same file has the order; env credentials; SIGTERM exits 0', async () => {
    const env = { VENUE_SIM_API_KEY: 'env-key', VENUE_SIM_API_SECRET: 'env-secret-42' };
    const p = start(['--port', '0', '--db', db, '--seed', '9', '--tick-ms', '50'], env);
    const url = await p.firstLine;
    const sim = { url, wsUrl: `${url.replace('http', 'ws')}/ws-api/v3` };
    const ex = ccxtForVenueSim(sim, { credentials: { apiKey: 'env-key', apiSecret: 'env-secret-42' } });
    try {
      const o = await ex.fetchOrder(undefined as unknown as string, 'BTC/USDT', { clientOrderId: 'cli-1' });
      expect(o).toMatchObject({ clientOrderId: 'cli-1', amount: 0.01, price: 49000 });
      const state = await venueSimAdmin(() => url).state();
      expect(state.orders.map((x) => x.clientOrderId)).toEqual(['cli-1']);
    } finally {
      await ex.close();
    }
    const { stdout, stderr } = p.output();
    expect(stderr).not.toContain('demo credentials');
    expect(stdout + stderr).not.toContain('env-secret-42');
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it.concurrent.each([
    [['--port', 'abc'], {}, 'venue-sim: --port: must be an integer in [0, 65535], got "abc"'],
    [['--tick-ms', '-5'], {}, 'venue-sim: --tick-ms: must be an integer in [0, 3600000], got "-5"'],
    [['--symbol', 'BTCUSDT'], {}, 'venue-sim: symbols[0]: must look like BASE/QUOTE, got "BTCUSDT"'],
    [
      [],
      { VENUE_SIM_API_KEY: 'k' },
      'venue-sim: VENUE_SIM_API_KEY/VENUE_SIM_API_SECRET: set both or neither',
    ],
  ])('bad input %j exits 2 naming the field, creating no file', async (args, env, message) => {
    const file = path.join(tmp.dir, 'never.db');
    const p = start(['--db', file, ...args], env as NodeJS.ProcessEnv);
    expect((await p.exited).code).toBe(2);
    expect(p.output().stderr.trim().split('\n').at(-1)).toBe(message);
    expect(p.output().stdout).toBe('');
    expect(fs.existsSync(file)).toBe(false);
  });
});
