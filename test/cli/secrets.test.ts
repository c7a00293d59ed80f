import fs from 'node:fs';
import path from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { startVenueSim } from '../../src/venue-sim/server.js';
import { metricsUrl, runCli, runCliToEnd } from '../support/engine-process.js';
import { tempDir } from '../support/tmp.js';
import { keepMarketMoving, venueSimAdmin } from '../support/venue-sim.js';
import { startVisualizer } from '../support/visualizer-process.js';

/**
 * The engine trades through ccxt against the simulator with API credentials of its own, at debug log
 * level (the most it logs), with metrics, an inspection stream and the visualizer on: the key and the secret are then in no
 * byte of the database's files (journal included), the logs, the operator commands' output, the metrics,
 * the visualizer's page and API answers, or the inspection stream.
 */

const tmp = tempDir('secrets');
afterAll(() => tmp.cleanup());

// Distinctive, so that no other text can contain them by chance.
const API_KEY = 'KEYq7Zr2nW8sTe4vLx9bM3cD6fG1hJ5k';
const API_SECRET = 'SECRETp4Xw8Qm2Rt6Yn9Bv3Lc7Zk1Hs5Jd';

/** Every place a needle was found in `text` (named `where`). */
function leaks(where: string, text: string | Buffer): string[] {
  const found: string[] = [];
  const hay = typeof text === 'string' ? Buffer.from(text) : text;
  for (const [name, needle] of [
    ['API key', API_KEY],
    ['API secret', API_SECRET],
  ] as const) {
    for (const form of [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'utf16le')]) {
      if (hay.includes(form)) found.push(`${name} in ${where}`);
    }
  }
  return found;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('secrets', () => {
  it('the API key and secret reach no database file, log, report, metric, page or inspection event', async () => {
    const dir = path.join(tmp.dir, 'desk');
    fs.mkdirSync(dir);
    const db = path.join(dir, 'engine.db');
    const sim = await startVenueSim({
      dbPath: path.join(tmp.dir, 'sim.db'),
      seed: 5,
      tickMs: 0,
      credentials: { apiKey: API_KEY, apiSecret: API_SECRET },
    });
    const admin = venueSimAdmin(() => sim.url);
    const moving = keepMarketMoving(admin);
    const viz = await startVisualizer(['--db', db, '--port', '0']);
    const inspected: string[] = [];
    const receiver = new WebSocket(viz.inspectUrl);
    receiver.on('message', (data) => inspected.push(data.toString()));
    await new Promise((resolve) => receiver.on('open', resolve));
    const found: string[] = [];
    try {
      const engine = runCli(
        [
          'start',
          '--venue',
          'binance',
          '--venue-url',
          sim.url,
          '--symbol',
          'BTC/USDT',
          '--db',
          db,
          '--seed',
          '5',
          '--duration',
          '8',
          '--log-level',
          'debug',
          '--metrics-port',
          '0',
          '--inspect',
          `${viz.url}inspect`,
        ],
        { STEADFAST_API_KEY: API_KEY, STEADFAST_API_SECRET: API_SECRET },
      );
      const metrics = await metricsUrl(engine);
      await engine.ready;
      await engine.until('a fill', async () => (await admin.state()).trades.length > 0, 20_000);
      found.push(...leaks('/metrics', await (await fetch(metrics)).text()));
      for (const route of [
        '',
        'api/live',
        'api/orders',
        'api/dashboard',
        'api/machines',
        'api/inspect?limit=1000',
      ]) {
        const res = await fetch(new URL(route, viz.url));
        found.push(...leaks(`visualizer /${route}`, await res.text()));
      }
      const orders = (await (await fetch(new URL('api/orders?limit=5', viz.url))).json()) as {
        orders: { clientOrderId: string }[];
      };
      const one = orders.orders[0]?.clientOrderId;
      expect(one, 'the visualizer lists the orders').toBeDefined();
      found.push(
        ...leaks(
          'visualizer /api/journal',
          await (await fetch(new URL(`api/journal?order=${one}`, viz.url))).text(),
        ),
      );
      const { code } = await engine.exited;
      const { stdout, stderr } = engine.output();
      expect(code, stderr.slice(-2000)).toBe(0);
      found.push(...leaks('engine stdout', stdout), ...leaks('engine log (stderr)', stderr));
      // The run was real: signed requests reached the venue, and the log told where the keys came from.
      expect((await admin.state()).orders.length).toBeGreaterThan(0);
      expect(stderr).toContain('"keys":"environment"');

      for (const args of [
        ['status', '--db', db, '--json'],
        ['orders', '--db', db, '--json'],
        ['order', one!, '--db', db, '--json'],
        ['fills', '--db', db, '--json'],
        ['alerts', '--db', db, '--json'],
        ['replay', '--verify', '--db', db],
      ]) {
        const r = await runCliToEnd(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
        found.push(...leaks(`${args[0]} output`, r.stdout + r.stderr));
      }
      await new Promise((r) => setTimeout(r, 500));
      found.push(...leaks('the inspection stream', inspected.join('\n')));
      expect(inspected.length, 'the inspection stream carried events').toBeGreaterThan(0);
      const files = filesUnder(dir);
      expect(files).toContain(db);
      for (const file of files) found.push(...leaks(path.relative(tmp.dir, file), fs.readFileSync(file)));
      expect(found).toEqual([]);
    } finally {
      receiver.close();
      await viz.stop();
      await moving();
      await sim.close();
    }
  });
});
