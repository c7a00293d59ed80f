import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Dec, fmt } from '../../src/domain/decimal.js';
import type { StatusReport } from '../../src/persistence/status-query.js';
import { startVenueSim } from '../../src/venue-sim/server.js';
import type { VenueSim } from '../../src/venue-sim/server.js';
import { checkCcxtInvariants } from '../support/ccxt-invariants.js';
import { waitFor } from '../support/wait.js';
import { jsonLines, rowCount, runNpm } from '../support/cli-helpers.js';
import { runCli, runCliToEnd } from '../support/engine-process.js';
import { tempDir } from '../support/tmp.js';
import { venueSimAdmin } from '../support/venue-sim.js';

/**
 * The engine through the ccxt adapter against the Binance-compatible simulator (in this process), with
 * the command-line contract other checks rely on: `npm start -- --venue binance --venue-url URL
 * --symbol BTC/USDT --duration --seed --db`, keys from STEADFAST_API_KEY / STEADFAST_API_SECRET.
 */

const KEYS = { STEADFAST_API_KEY: 'sim-api-key', STEADFAST_API_SECRET: 'sim-api-secret' };

let tmp: { dir: string; cleanup: () => void };
/** Each test gets its own simulator (its records are the invariants' reference). */
let sim: VenueSim;
const admin = venueSimAdmin(() => sim.url);

beforeAll(() => {
  tmp = tempDir('cli-binance');
});

beforeEach(async (ctx) => {
  sim = await startVenueSim({ dbPath: path.join(tmp.dir, `sim-${ctx.task.id}.db`), seed: 5, tickMs: 0 });
});

afterEach(async () => {
  await sim.close();
});

afterAll(() => {
  tmp.cleanup();
});

/** A database path and a config file holding `config`, both named after the test. */
function configured(name: string, config: object): { db: string; config: string } {
  const file = path.join(tmp.dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  return { db: path.join(tmp.dir, `${name}.db`), config: file };
}

/** Moves the simulator's price a random-walk step every `ms` until stopped. */
function ticking(ms: number): () => Promise<void> {
  let on = true;
  const loop = (async () => {
    while (on) {
      await admin.post('tick');
      await new Promise((r) => setTimeout(r, ms));
    }
  })();
  return async () => {
    on = false;
    await loop;
  };
}

describe('npm start --venue binance (ccxt) against the simulator', () => {
  it('runs the contract command, stops by itself, and `status --json` reads the ccxt-traded database', async () => {
    const db = path.join(tmp.dir, 'contract.db');
    const stop = ticking(40);
    Object.assign(process.env, KEYS); // runNpm passes process.env (this test file runs in its own fork)
    const run = await runNpm([
      'start',
      '--',
      '--venue',
      'binance',
      '--venue-url',
      sim.url,
      '--symbol',
      'BTC/USDT',
      '--duration',
      '5',
      '--seed',
      '9',
      '--db',
      db,
    ]);
    await stop();
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    const logs = jsonLines(
      run.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .join('\n'),
    );
    expect(logs.some((l) => l.msg === 'venue account ready')).toBe(true);
    expect(logs.some((l) => l.msg === 'user-data stream subscribed')).toBe(true);
    expect(run.stderr).not.toContain('sim-api-secret');
    // Nor do the keys reach the database (snapshots, journal, outbox, ledger): its files, byte for byte
    // (the scan does see what the engine wrote: its order snapshots name the symbol).
    expect(fs.readFileSync(db).includes('"symbol":"BTC/USDT"')).toBe(true);
    for (const file of [db, `${db}-wal`].filter((f) => fs.existsSync(f))) {
      const bytes = fs.readFileSync(file);
      expect(bytes.includes('sim-api-secret'), file).toBe(false);
      expect(bytes.includes('sim-api-key'), file).toBe(false);
    }
    const status = await runNpm(['run', 'status', '--', '--db', db, '--json']);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout.trim().split('\n').at(-1)!) as StatusReport;
    const state = await admin.state();
    expect(Object.values(report.orders).reduce((a, b) => a + b, 0)).toBe(state.orders.length);
    expect(report.fills).toBeLessThanOrEqual(state.trades.length);
    for (const p of report.positions) expect(p.venue).toBe('binance');
    expect(await checkCcxtInvariants(db, state, false)).toEqual([]);
  }, 90_000);

  it('exits 2 with a clear error naming the key variable when keys are missing or refused', async () => {
    const db = path.join(tmp.dir, 'nokeys', 'e.db');
    const args = ['start', '--venue', 'binance', '--venue-url', sim.url, '--duration', '1', '--db', db];
    const missing = await runCliToEnd(args, { STEADFAST_API_KEY: '', STEADFAST_API_SECRET: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^steadfast: STEADFAST_API_KEY: not set/);
    const wrong = await runCliToEnd(args, { ...KEYS, STEADFAST_API_SECRET: 'not-the-secret-42' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      /steadfast: STEADFAST_API_KEY\/STEADFAST_API_SECRET: .* refused the API key pair from environment: .*Signature/,
    );
    expect(wrong.stderr).not.toContain('not-the-secret-42');
    expect(fs.existsSync(path.dirname(db))).toBe(false);
  }, 60_000);

  it('a stale timestamp (requests slower than recvWindow) fails the start with a message about the clock', async () => {
    const config = path.join(tmp.dir, 'stale.json');
    fs.writeFileSync(config, JSON.stringify({ venue: { kind: 'binance', url: sim.url, recvWindowMs: 100 } }));
    await admin.post('faults', { latencyMs: 400 }); // every request reaches the venue 400 ms after signing
    const out = await runCliToEnd(
      ['start', '--config', config, '--duration', '1', '--db', path.join(tmp.dir, 'stale.db')],
      KEYS,
    );
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /steadfast: cannot use the account at .*timestamp.*check this machine's clock.*-1021/,
    );
  }, 60_000);

  it('a venue failing every request at start is retried until it answers, or for venue.startupRetryMs', async () => {
    await admin.post('faults', { http5xx: 1 }); // every request: 503
    const args = (name: string) => [
      'start',
      '--venue',
      'binance',
      '--venue-url',
      sim.url,
      '--db',
      path.join(tmp.dir, name),
    ];
    const run = runCli([...args('outage.db'), '--duration', '2'], KEYS);
    await waitFor(
      'three retry warnings',
      () => (run.output().stderr.match(/venue read failed at start; retrying/g) ?? []).length >= 3,
      20_000,
    );
    expect(run.child.exitCode, 'still starting while the venue fails').toBeNull();
    await admin.post('faults', {});
    await run.ready;
    const { code } = await run.exited;
    expect(code, run.output().stderr.slice(-2000)).toBe(0);
    const warning = jsonLines(
      run
        .output()
        .stderr.split('\n')
        .filter((l) => l.startsWith('{'))
        .join('\n'),
    ).find((l) => l.msg === 'venue read failed at start; retrying');
    expect(warning).toMatchObject({ what: 'account check', attempt: 1 });
    expect(String(warning?.err)).toContain('503');
    // The warnings carry the venue's error text, never the key pair.
    expect(run.output().stderr).not.toContain(KEYS.STEADFAST_API_KEY);
    expect(run.output().stderr).not.toContain(KEYS.STEADFAST_API_SECRET);

    const config = path.join(tmp.dir, 'impatient.json');
    fs.writeFileSync(
      config,
      JSON.stringify({ venue: { kind: 'binance', url: sim.url, startupRetryMs: 500 } }),
    );
    await admin.post('faults', { http5xx: 1 });
    const impatient = await runCliToEnd(
      [...args('impatient.db'), '--config', config, '--duration', '1'],
      KEYS,
    );
    expect(impatient.code).toBe(1);
    expect(impatient.stderr).toMatch(/steadfast: cannot use the account at .*503/);
  }, 60_000);

  it('refuses a symbol the venue does not list, naming it (exit 2)', async () => {
    const db = path.join(tmp.dir, 'symbol.db');
    const out = await runCliToEnd(
      [
        'start',
        '--venue',
        'binance',
        '--venue-url',
        sim.url,
        '--symbol',
        'DOGE/USDT',
        '--duration',
        '1',
        '--db',
        db,
      ],
      KEYS,
    );
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/steadfast: symbols\[0\]: DOGE\/USDT is not traded at binance/);
  }, 60_000);

  it('a socket dropped during fills: the fills are found by the reconnect gap-fill and counted once', async () => {
    const { db, config } = configured('drop', {
      venue: { kind: 'binance', url: sim.url, recvWindowMs: 1000, timeoutMs: 1000 },
      // The periodic gap-fill is off for this run: only the engine's gap-fill after each resubscription of
      // the stream can find the lost fills.
      reconcile: { gapFillIntervalMs: 600_000 },
      strategy: { intervalMs: 100, levels: 2 },
      statusIntervalMs: 0,
    });
    const engine = runCli(['start', '--config', config, '--db', db, '--seed', '4'], KEYS);
    await engine.ready;
    const tradesBefore = (await admin.state()).trades.length;
    const openAt = async () =>
      (await admin.state()).orders.filter((o) => o.status === 'NEW' && o.clientOrderId.startsWith('sf'));
    for (let round = 0; round < 4; round += 1) {
      await waitFor('resting bids and asks', async () => {
        const open = await openAt();
        return open.some((o) => o.side === 'BUY') && open.some((o) => o.side === 'SELL');
      });
      const mid = new Dec((await admin.state()).prices.BTCUSDT!.mid);
      // Drop the socket, then cross every resting order on one side while it is down.
      await admin.post('ws/disconnect');
      const price = round % 2 === 0 ? mid.minus('40') : mid.plus('40');
      await admin.post('price', { symbol: 'BTC/USDT', price: fmt(price.round(2)) });
    }
    const state = await admin.state();
    expect(state.trades.length).toBeGreaterThan(tradesBefore);
    // While the engine still runs (its periodic gap-fill is off), every fill reaches its database.
    await waitFor(
      'every venue fill in the engine database',
      async () => (await rowCount(db, 'fills')) >= state.trades.length,
      20_000,
    );
    const logs = jsonLines(engine.output().stderr);
    const missed = logs
      .filter((l) => l.msg === 'gap-fill after subscription done')
      .reduce((n, l) => n + Number(l.missedFills ?? 0), 0);
    expect(missed, 'fills the stream lost and the reconnect gap-fill found').toBeGreaterThan(0);
    engine.child.kill('SIGTERM');
    const { code } = await engine.exited;
    expect(code, engine.output().stderr.slice(-2000)).toBe(0);
    expect(await checkCcxtInvariants(db, await admin.state(), true)).toEqual([]);
  }, 90_000);

  it('a venue outage while trading: no order beyond the limit, quoting resumes after it, nothing lost', async () => {
    const { db, config } = configured('outage', {
      venue: { kind: 'binance', url: sim.url, recvWindowMs: 1000, timeoutMs: 800 },
      strategy: { intervalMs: 100, levels: 2, requoteBps: '1' },
      orders: { ackTimeoutMs: 1000, cancelTimeoutMs: 1000, lookupRetryMs: 150, maxAttempts: 3 },
      risk: { maxOpenOrders: 4 },
      reconcile: { gapFillIntervalMs: 400 },
      statusIntervalMs: 0,
    });
    const stop = ticking(40);
    const engine = runCli(['start', '--config', config, '--db', db, '--seed', '6'], KEYS);
    let mostOpen = 0;
    let overLimit: unknown[] = []; // the venue's open orders the first time they exceeded the limit
    const openNow = async () => {
      const state = await admin.state();
      const open = state.orders.filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED');
      if (open.length > 4 && overLimit.length === 0) overLimit = open;
      mostOpen = Math.max(mostOpen, open.length);
      return state;
    };
    const seconds = async (n: number) => {
      for (let i = 0; i < n * 4; i += 1) {
        await new Promise((r) => setTimeout(r, 250));
        await openNow();
      }
    };
    try {
      await engine.ready;
      await seconds(2);
      await admin.post('faults', { http5xx: 1 }); // every REST request: 503, for 5 s
      await admin.post('ws/disconnect');
      const placedBefore = (await openNow()).orders.length;
      await seconds(5);
      expect((await openNow()).orders.length, 'nothing placed while the venue is down').toBe(placedBefore);
      await admin.post('reset-faults');
      await waitFor('quoting to resume', async () => (await openNow()).orders.length > placedBefore, 15_000);
      await seconds(2);
    } finally {
      await stop();
    }
    engine.child.kill('SIGTERM');
    const { code } = await engine.exited;
    expect(code, engine.output().stderr.slice(-2000)).toBe(0);
    if (mostOpen > 4) {
      // Explain the breach: the venue's open orders then, each one's journal here, and the engine's log.
      const journals = await Promise.all(
        overLimit.map(async (o) => {
          const id = (o as { clientOrderId: string }).clientOrderId;
          return (await runCliToEnd(['order', id, '--db', db, '--json'])).stdout.trim().split('\n').at(-1);
        }),
      );
      const why = JSON.stringify({ overLimit, journals }, null, 1);
      expect.fail(
        `open orders at the venue: ${mostOpen} > risk.maxOpenOrders 4\n${why}\n${engine.output().stderr}`,
      );
    }
    // Every strategy tick failed during the outage (~50 ticks): a few warnings, not one per tick.
    const logs = jsonLines(engine.output().stderr);
    const failedTicks = logs.filter((l) => l.msg === 'strategy tick failed');
    expect(failedTicks.length).toBeGreaterThan(0);
    expect(failedTicks.length).toBeLessThanOrEqual(3);
    expect(logs.some((l) => l.msg === 'strategy tick recovered' && Number(l.failures) > 10)).toBe(true);
    expect(logs.filter((l) => l.msg === 'engine gap-fill failed').length).toBeLessThanOrEqual(3);
    expect(logs.some((l) => l.msg === 'engine gap-fill recovered')).toBe(true);
    expect(mostOpen).toBeGreaterThan(0);
    expect(await checkCcxtInvariants(db, await admin.state(), true)).toEqual([]);
  }, 90_000);
});
