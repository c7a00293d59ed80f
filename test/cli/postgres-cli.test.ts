import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openEngineDatabaseReadOnly } from '../../src/persistence/open-database.js';
import { VisualizerQuery } from '../../src/persistence/visualizer-query.js';
import type { StatusReport } from '../../src/persistence/status-query.js';
import { jsonLines } from '../support/cli-helpers.js';
import { dialects, newEngineTarget } from '../support/dialects.js';
import { metricsUrl, runCli, runCliToEnd } from '../support/engine-process.js';
import { denyingConfig } from '../support/engine-runs.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { tempDir } from '../support/tmp.js';

/**
 * The command-line contract on PostgreSQL: `--db postgres://…` for start, status, the operator commands and
 * the visualizer's queries; the password never shown; an unreachable server retried then refused naming
 * the host; a connection lost while running halts the engine, and the next start recovers.
 */

const postgres = dialects.find((d) => d.name === 'postgres')!;
const PASSWORD = 'pw-never-shown-7f3a';

/** A TCP proxy to the PostgreSQL server that the test can cut (every connection at once) and restore. */
async function proxyTo(
  target: URL,
): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const listen = (port: number) =>
    new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  let server = await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return {
    port,
    cut: close,
    restore: async () => {
      server = await listen(port);
    },
  };
}

describe.skipIf(!postgres.runs)('the engine and its CLI on PostgreSQL', () => {
  const tmp = tempDir('pg-cli');
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const d of drops) await d();
    tmp.cleanup();
  });

  /** A new engine database on the test server, its URL carrying a password (trust auth ignores it). */
  const newDb = (): string => {
    const where = newEngineTarget(postgres, '');
    drops.push(where.drop);
    const url = new URL(where.target);
    url.password = PASSWORD;
    return url.toString();
  };

  describe('a trading run, then every read and operator command on its URL', () => {
    let db: string;
    let outputs = '';
    beforeAll(async () => {
      db = newDb();
      const venueDb = path.join(tmp.dir, 'run.paper-venue.db');
      const args = ['start', '--config', denyingConfig(path.join(tmp.dir, 'run.db')), '--db', db];
      const run = await runCliToEnd([...args, '--venue-db', venueDb, '--duration', '5', '--seed', '11']);
      outputs += run.stdout + run.stderr;
      expect(run.code, run.stderr.slice(-2000)).toBe(0);
    }, 60_000);

    const cli = async (args: string[]) => {
      const r = await runCliToEnd([...args, '--db', db]);
      outputs += r.stdout + r.stderr;
      return r;
    };
    const json = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

    it('status --json reads positions, orders and the trading state from PostgreSQL', async () => {
      const r = await cli(['status', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const status = json(r.stdout) as unknown as StatusReport;
      expect(status.positions.length).toBeGreaterThan(0);
      expect(status.journalEvents).toBeGreaterThan(0);
      expect(status.tradingState).toBe('active');
      expect(status.lease).toBeNull(); // released by the graceful stop
    });

    it('replay --verify rebuilds every actor and checks the ledger', async () => {
      const r = await cli(['replay', '--verify', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(json(r.stdout)).toMatchObject({ divergences: 0, ledgerProblems: [] });
      expect(Number(json(r.stdout).actors)).toBeGreaterThan(2);
    });

    it('orders, order and fills list what the run wrote', async () => {
      const orders =
        (json((await cli(['orders', '--json'])).stdout).orders as { clientOrderId: string }[]) ?? [];
      expect(orders.length).toBeGreaterThan(0);
      // clientOrderIds carry the lease's fencing token after `T`
      expect(orders[0]!.clientOrderId).toMatch(/^sf[0-9a-z]{6}-[0-9a-z]+T[0-9a-z]+-/);
      const one = await cli(['order', orders[0]!.clientOrderId, '--json']);
      expect(one.code, one.stderr).toBe(0);
      expect((json(one.stdout).journal as unknown[]).length).toBeGreaterThan(0);
      const fills = await cli(['fills', '--json']);
      expect(fills.code).toBe(0);
    });

    it('halt, reduce and resume write the trading state; status shows it', async () => {
      expect((await cli(['halt', '--reason', 'desk review', '--json'])).code).toBe(0);
      expect(json((await cli(['status', '--json'])).stdout)).toMatchObject({
        tradingState: 'halted',
        tradingStateReason: 'desk review',
      });
      const cancel = await cli(['halt', '--reason', 'again', '--cancel', '--json']);
      expect(cancel.code).toBe(1); // no engine holds the lease: nothing can cancel now
      expect(cancel.stderr).toContain('no engine is running on postgres://postgres:***@');
      expect((await cli(['resume', '--json'])).code).toBe(0);
      expect(json((await cli(['status', '--json'])).stdout)).toMatchObject({ tradingState: 'active' });
    });

    it("the visualizer's queries answer on PostgreSQL, risk denials by rule included", async () => {
      const query = await VisualizerQuery.open(db);
      try {
        const orders = await query.orders({ limit: 5 });
        expect(orders.length).toBe(5);
        const counts = await query.stateCounts();
        expect(counts.order?.['']).toBeGreaterThan(0);
        const denials = await query.dashboard.denialCounts();
        expect(denials.length).toBeGreaterThan(0);
        expect(denials.every((d) => d.rule !== '')).toBe(true);
        expect((await query.dashboard.journalAfter(0, 10)).length).toBe(10);
      } finally {
        await query.close();
      }
    });

    it('archive --now refuses PostgreSQL naming --db', async () => {
      const r = await cli(['archive', '--now']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--db');
    });

    afterAll(() => {
      expect(outputs).not.toContain(PASSWORD);
      expect(outputs).not.toContain(encodeURIComponent(PASSWORD));
    });
  });

  it("serves metrics on PostgreSQL: the database size is the schema's tables, and no password", async () => {
    const db = newDb();
    const venueDb = path.join(tmp.dir, 'metrics.paper-venue.db');
    const engine = runCli([
      'start',
      '--db',
      db,
      '--venue-db',
      venueDb,
      '--metrics-port',
      '0',
      '--duration',
      '30',
    ]);
    try {
      const url = await metricsUrl(engine);
      await engine.ready;
      let text = '';
      await engine.until('events committed', async () => {
        text = await (await fetch(url)).text();
        return (sampleValue(parsePrometheusText(text), 'steadfast_events_committed_total') ?? 0) > 0;
      });
      expect(sampleValue(parsePrometheusText(text), 'steadfast_database_bytes')).toBeGreaterThan(100_000);
      expect(text).not.toContain(PASSWORD);
    } finally {
      engine.child.kill('SIGTERM');
      expect((await engine.exited).code).toBe(0);
    }
    expect(engine.output().stdout + engine.output().stderr).not.toContain(PASSWORD);
  }, 60_000);

  it('an unreachable server is retried with a warning, then start exits 1 naming the host', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/test`;
    const r = await runCliToEnd([
      'start',
      '--db',
      url,
      '--duration',
      '1',
      '--venue-db',
      path.join(tmp.dir, 'x.db'),
    ]);
    expect(r.code).toBe(1);
    const logged = r.stderr.split('\n').filter((l) => l.startsWith('{'));
    const warnings = jsonLines(logged.join('\n')).filter((l) => l.code === 'DATABASE_CONNECT_RETRY');
    expect(warnings.length).toBeGreaterThan(1);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  }, 60_000);

  describe('a connection lost while running', () => {
    let cut: (() => Promise<void>) | null = null;
    afterEach(async () => {
      await cut?.();
    });

    it('halts the engine (exit 1, nothing more committed), and the next start recovers', async () => {
      const db = new URL(newDb());
      const proxy = await proxyTo(new URL(db.toString()));
      cut = proxy.cut;
      db.host = `127.0.0.1:${proxy.port}`;
      const venueDb = path.join(tmp.dir, 'lost.paper-venue.db');
      const run = runCli(['start', '--db', db.toString(), '--venue-db', venueDb, '--seed', '12']);
      await run.ready;
      await new Promise((r) => setTimeout(r, 1500));
      await proxy.cut();
      const ended = await run.exited;
      expect(ended.code, run.output().stderr.slice(-2000)).toBe(1);
      expect(run.output().stderr).toMatch(/"code":"(COMMIT_FAILED|LEASE_LOST)"/);
      const direct = new URL(db.toString());
      direct.host = new URL(newEngineTarget(postgres, '').target).host;
      const reader = await openEngineDatabaseReadOnly(direct.toString());
      const journal = async () =>
        Number(
          (
            await reader
              .selectFrom('journal')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirst()
          )?.n,
        );
      try {
        const rows = await journal();
        expect(rows).toBeGreaterThan(0);
        await new Promise((r) => setTimeout(r, 500));
        expect(await journal(), 'nothing committed after the halt').toBe(rows);
      } finally {
        await reader.destroy();
      }
      await proxy.restore();
      const again = await runCliToEnd([
        'start',
        '--db',
        db.toString(),
        '--venue-db',
        venueDb,
        '--seed',
        '13',
        '--duration',
        '3',
      ]);
      expect(again.code, again.stderr.slice(-2000)).toBe(0);
      const ready = jsonLines(
        again.stderr
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .join('\n'),
      ).find((l) => l.msg === 'trading-ready')!;
      expect(Number(ready.actors)).toBeGreaterThan(0); // recovered what the halted engine left
      expect(again.stdout + again.stderr + run.output().stderr).not.toContain(PASSWORD);
    }, 90_000);
  });
});
