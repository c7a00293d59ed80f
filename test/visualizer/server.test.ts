import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AnyStateNode } from 'xstate';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineRegistry } from '../../src/machines/registry.js';
import type {
  IgnoredFactEntry,
  JournalEntry,
  OrderListItem,
  StateCounts,
} from '../../src/persistence/visualizer-query.js';
import { digest, runNpm, withReadOnly } from '../support/cli-helpers.js';
import { runCliToEnd } from '../support/engine-process.js';
import { tempDir } from '../support/tmp.js';
import { runVisualizerToEnd, startVisualizer } from '../support/visualizer-process.js';
import type { VisualizerProcess } from '../support/visualizer-process.js';
import type { Diagram } from '../../visualizer/layout.js';

/**
 * The visualizer server against a database the real engine wrote (a child process run), served by the
 * real CLI (`visualizer/server.ts`) in a child process: its JSON equals what the database says, it binds
 * loopback only, it is read-only (non-GET refused, the file unchanged), and bad input is refused by name.
 */

let tmp: { dir: string; cleanup: () => void };
let db: string;
let viz: VisualizerProcess;
let before: string | null;

/** The WAL file's size: SQLite's readers create an empty one (and the -shm index); they write nothing to it. */
const walBytes = () => (fs.existsSync(`${db}-wal`) ? fs.statSync(`${db}-wal`).size : 0);

async function get<T>(pathAndQuery: string): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(pathAndQuery, viz.url));
  return { status: res.status, body: (await res.json()) as T };
}

/** Dotted path of every state node of a machine, '' for the root (read from xstate, not from the code under test). */
function statePaths(node: AnyStateNode): string[] {
  return [node.path.join('.'), ...Object.values(node.states).flatMap((c) => statePaths(c))];
}

beforeAll(async () => {
  tmp = tempDir('viz-server');
  db = path.join(tmp.dir, 'engine.db');
  const run = await runCliToEnd([
    'start',
    '--duration',
    '3',
    '--seed',
    '11',
    '--db',
    db,
    '--status-interval',
    '0',
  ]);
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
  before = digest(db);
  expect(walBytes()).toBe(0);
  viz = await startVisualizer(['--db', db, '--port', '0']);
}, 40_000);

afterAll(async () => {
  await viz?.stop();
  tmp.cleanup();
});

describe('visualizer server', () => {
  it('prints the page URL first, on 127.0.0.1 with the port it picked, and serves the page', async () => {
    expect(viz.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(new URL(viz.url).port).not.toBe('0');
    const res = await fetch(viz.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('<script type="module" src="/app.js"></script>');
    const js = await fetch(new URL('/app.js', viz.url));
    expect(js.headers.get('content-type')).toContain('text/javascript');
  });

  it('draws every machine of the registry with every state, nested inside its parent, and named transitions', async () => {
    const { body } = await get<{ machines: Diagram[] }>('/api/machines');
    expect(body.machines.map((m) => m.machine).sort()).toEqual(Object.keys(machineRegistry).sort());
    for (const [id, entry] of Object.entries(machineRegistry)) {
      const diagram = body.machines.find((m) => m.machine === id)!;
      const states = diagram.nodes.filter((n) => n.kind === 'state');
      expect(states.map((n) => n.path).sort()).toEqual(statePaths(entry.machine.root).sort());
      for (const n of states) {
        const parent = diagram.nodes.find((p) => p.id === n.parent);
        if (parent === undefined) continue;
        expect(n.x).toBeGreaterThanOrEqual(parent.x);
        expect(n.y).toBeGreaterThanOrEqual(parent.y);
        expect(n.x + n.width).toBeLessThanOrEqual(parent.x + parent.width);
        expect(n.y + n.height).toBeLessThanOrEqual(parent.y + parent.height);
      }
      for (const e of diagram.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
    }
    const order = body.machines.find((m) => m.machine === 'order')!;
    const events = order.edges.flatMap((e) => e.transitions.map((t) => t.event));
    for (const ev of [
      'SUBMIT',
      'xstate.done.actor.placeOrder',
      'xstate.after.ACK_TIMEOUT.order.submitting',
      'ORDER_FILLED',
    ])
      expect(events).toContain(ev);
    const submit = order.edges.find(
      (e) => e.source === 'order.pendingNew' && e.target === 'order.submitting',
    )!;
    expect(submit.events).toEqual(['SUBMIT']);
  });

  it('reports order counts per state, positions and the last events exactly as the database holds them', async () => {
    const { body } = await get<{
      counts: StateCounts;
      positions: { symbol: string; quantity: string; averagePrice: string; realizedPnl: string }[];
      events: JournalEntry[];
    }>('/api/live?events=20');
    const truth = await withReadOnly(db, async (conn) => ({
      orders: await conn
        .selectFrom('orders')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('state')
        .execute(),
      positions: await conn.selectFrom('positions').selectAll().execute(),
      journal: await conn
        .selectFrom('journal')
        .select(['seq', 'actor_id', 'state'])
        .orderBy('seq', 'desc')
        .limit(20)
        .execute(),
    }));
    expect(truth.orders.length).toBeGreaterThan(0);
    const total = truth.orders.reduce((s, o) => s + Number(o.n), 0);
    expect(body.counts.order?.['']).toBe(total);
    for (const o of truth.orders) expect(body.counts.order?.[o.state]).toBe(Number(o.n));
    expect(body.counts.positionBook?.['']).toBe(1);
    expect(body.counts.adjustOrders?.['']).toBe(1);
    expect(body.positions.map((p) => [p.symbol, p.quantity, p.averagePrice, p.realizedPnl])).toEqual(
      truth.positions.map((p) => [p.symbol, p.quantity, p.average_price, p.realized_pnl]),
    );
    expect(body.events.map((e) => [e.seq, e.actorId, e.state])).toEqual(
      truth.journal.map((j) => [j.seq, j.actor_id, j.state]),
    );
  });

  it('lists orders newest first, filters them, and returns one order journal in revision order', async () => {
    const all = (await get<{ orders: OrderListItem[] }>('/api/orders?limit=1000')).body.orders;
    expect(all.length).toBeGreaterThan(3);
    const created = all.map((o) => o.createdAt);
    expect(created).toEqual([...created].sort((a, b) => b - a));
    const byState = (await get<{ orders: OrderListItem[] }>('/api/orders?state=cancelled')).body.orders;
    expect(byState.length).toBe(all.filter((o) => o.state === 'cancelled').length);
    const pick = all.find((o) => o.state === 'cancelled') ?? all[0]!;
    const found = (
      await get<{ orders: OrderListItem[] }>(`/api/orders?search=${encodeURIComponent(pick.clientOrderId)}`)
    ).body.orders;
    expect(found.map((o) => o.clientOrderId)).toEqual([pick.clientOrderId]);
    const { body } = await get<{ actorId: string; entries: JournalEntry[] }>(
      `/api/journal?order=${pick.clientOrderId}`,
    );
    expect(body.actorId).toBe(`order/${pick.clientOrderId}`);
    expect(body.entries.map((e) => e.rev)).toEqual(body.entries.map((_, i) => i + 1));
    expect(body.entries[0]).toMatchObject({ eventType: 'xstate.init', state: 'pendingNew' });
    expect(body.entries.at(-1)!.state.split('.')[0]).toBe(pick.state);
    expect((body.entries[1]?.event as { type: string }).type).toBe(body.entries[1]?.eventType);
  });

  it("returns, beside an order's journal, the venue facts it did not take, as the database holds them", async () => {
    const rows = await withReadOnly(db, (conn) =>
      conn.selectFrom('ignored_facts').selectAll().orderBy('seq').execute(),
    );
    const all = (await get<{ orders: OrderListItem[] }>('/api/orders?limit=1000')).body.orders;
    // An order that has some, if the run left any, and one that has none.
    const withFacts = all.find((o) => rows.some((r) => r.actor_id === `order/${o.clientOrderId}`));
    const without = all.find((o) => !rows.some((r) => r.actor_id === `order/${o.clientOrderId}`))!;
    for (const o of [withFacts, without]) {
      if (o === undefined) continue;
      const actorId = `order/${o.clientOrderId}`;
      const { body } = await get<{ ignored: IgnoredFactEntry[] }>(`/api/journal?order=${o.clientOrderId}`);
      expect(body.ignored).toEqual(
        rows
          .filter((r) => r.actor_id === actorId)
          .map((r) => ({
            seq: Number(r.seq),
            rev: Number(r.rev),
            eventType: r.event_type,
            event: JSON.parse(r.event) as unknown,
            state: r.state,
            reason: r.reason,
            at: Number(r.at),
          })),
      );
    }
  });

  it('refuses bad query parameters with 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/api/orders?limit=0', 'limit'],
      ['/api/orders?limit=abc', 'limit'],
      ['/api/orders?state=no%20such', 'state'],
      ['/api/orders?bogus=1', 'bogus'],
      ['/api/orders?limit=1&limit=2', 'limit'],
      ['/api/journal', 'order'],
      ['/api/live?events=100000', 'events'],
    ];
    for (const [url, field] of cases) {
      const { status, body } = await get<{ error: string; field: string }>(url);
      expect([url, status, body.field]).toEqual([url, 400, field]);
      expect(body.error).toContain(field);
    }
    expect((await get('/api/nothing')).status).toBe(404);
    expect((await fetch(new URL('/../package.json', viz.url))).status).toBe(404);
  });

  it('is read-only: refuses every method but GET and HEAD, and never changes the database file', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(new URL('/api/live', viz.url), {
        method,
        body: method === 'DELETE' ? null : '{}',
      });
      expect([method, res.status, res.headers.get('allow')]).toEqual([method, 405, 'GET, HEAD']);
    }
    expect((await fetch(new URL('/api/live', viz.url), { method: 'HEAD' })).status).toBe(200);
    expect(digest(db)).toBe(before);
    expect(walBytes()).toBe(0);
  });

  it('binds 127.0.0.1 only, answers loopback host names only, and takes WebSockets on /inspect from its own origin only', async () => {
    const port = Number(new URL(viz.url).port);
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a !== undefined && !a.internal && a.family === 'IPv4');
    if (external !== undefined) {
      const err = await new Promise<NodeJS.ErrnoException>((resolve) =>
        http
          .get({ host: external.address, port, path: '/' }, () => resolve(new Error('answered')))
          .on('error', resolve),
      );
      expect(err.code).toBe('ECONNREFUSED');
    }
    const hostStatus = await new Promise<number>((resolve, reject) =>
      http
        .get(
          { host: '127.0.0.1', port, path: '/api/live', headers: { host: `attacker.example:${port}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on('error', reject),
    );
    expect(hostStatus).toBe(403);
    const upgrade = (url: string, origin?: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url, origin === undefined ? {} : { origin });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.on('error', () => resolve('error'));
      });
    expect(await upgrade(viz.inspectUrl)).toBe('open');
    expect(await upgrade(viz.inspectUrl, viz.url.slice(0, -1))).toBe('open');
    expect(await upgrade(viz.inspectUrl, 'http://attacker.example')).toBe('403');
    expect(await upgrade(viz.inspectUrl.replace('/inspect', '/other'))).toBe('403');
  });

  it('refuses bad flags with exit code 2 and a message naming the flag', async () => {
    const notDb = path.join(tmp.dir, 'not-a-db.txt');
    fs.writeFileSync(notDb, 'hello, I am not SQLite\n'.repeat(100));
    const [file, viaNpm] = await Promise.all([
      runVisualizerToEnd(['--db', notDb, '--port', '0']),
      runNpm(['run', 'visualize', '--silent', '--', '--db', db, '--port', '70000']),
    ]);
    expect([file.code, viaNpm.code]).toEqual([2, 2]);
    expect(viaNpm.stderr).toContain(
      '--port: must be an integer from 0 to 65535 (0 picks a free port), got "70000"',
    );
    expect(file.stderr).toContain(`--db: ${notDb} is not a readable SQLite database`);
    expect(fs.readFileSync(notDb, 'utf8')).toBe('hello, I am not SQLite\n'.repeat(100));
  });
});
