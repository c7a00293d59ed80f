import fs from 'node:fs';
import path from 'node:path';
import { createActor } from 'xstate';
import type { InspectionEvent } from 'xstate';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_INSPECT_URL, parseInspectUrls } from '../../src/inspect/inspect-option.js';
import type { StatelyInspectionEvent } from '../../src/inspect/stately-wire.js';
import { ScriptedEffects, newClock } from '../support/engine-harness.js';
import { openEngine } from '../support/engine-harness.js';
import { positionBookMachine } from '../../src/machines/position-book.machine.js';
import type { JournalEntry } from '../../src/persistence/visualizer-query.js';
import { inspectRuntime } from '../../src/runtime/inspection.js';
import { runCliToEnd } from '../support/engine-process.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { startVisualizer } from '../support/visualizer-process.js';
import type { VisualizerProcess } from '../support/visualizer-process.js';

/**
 * `start --inspect [url]`: the durable runtime publishes XState inspection events after each commit, in
 * the shapes a live `createActor(…, { inspect })` produces, and the CLI streams them over WebSocket in
 * `@statelyai/inspect`'s protocol to the visualizer's `/inspect` relay.
 */

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('viz-inspect');
});
afterAll(() => tmp.cleanup());

const FILLS = [
  { tradeId: 't1', side: 'buy', price: '100', quantity: '2', fee: '0.1', feeCurrency: 'USDT', at: 1 },
  { tradeId: 't2', side: 'sell', price: '110', quantity: '3', fee: '0.1', feeCurrency: 'USDT', at: 2 },
] as const;

/** What a comparison needs of one inspection event. */
function essence(e: InspectionEvent) {
  const base = { type: e.type, session: e.actorRef.sessionId === e.rootId };
  if (e.type === '@xstate.event') return { ...base, event: e.event.type, source: e.sourceRef };
  if (e.type === '@xstate.snapshot') {
    const s = e.snapshot as unknown as { value: unknown; context: unknown; status: string };
    return { ...base, event: e.event.type, value: s.value, context: s.context, status: s.status };
  }
  return base;
}

describe('inspection events from the durable runtime', () => {
  it('match what a live XState actor of the same machine emits for the same events', async () => {
    const input = { venue: 'paper', symbol: 'BTC/USDT', at: 0 };
    const live: InspectionEvent[] = [];
    const actor = createActor(positionBookMachine, { input, inspect: (e) => live.push(e) }).start();
    for (const f of FILLS) actor.send({ type: 'APPLY_FILL', ...f });
    const seen = live.length; // (stopping a live actor adds xstate.stop events; a durable actor never stops)
    actor.stop();

    const engine = await openEngine({
      file: path.join(tmp.dir, 'rt.db'),
      clock: newClock(),
      effects: new ScriptedEffects(() => 'hang'),
    });
    const durable: InspectionEvent[] = [];
    const stop = inspectRuntime(engine.runtime, (e) => durable.push(e));
    await engine.runtime.spawn('book/paper/BTC/USDT', 'positionBook', input);
    for (const f of FILLS) await engine.runtime.send('book/paper/BTC/USDT', { type: 'APPLY_FILL', ...f });
    stop();
    await engine.close();

    const relevant = live
      .slice(0, seen)
      .filter((e) => e.type !== '@xstate.microstep' && e.type !== '@xstate.action');
    expect(durable.map(essence)).toEqual(relevant.map(essence));
    expect(durable.map((e) => Object.keys(e).sort())).toEqual(relevant.map((e) => Object.keys(e).sort()));
    expect(
      durable.every((e) => e.rootId === 'book/paper/BTC/USDT' && e.actorRef.sessionId === e.rootId),
    ).toBe(true);
    const first = durable[0]!.actorRef as unknown as { logic: unknown; getSnapshot(): { value: unknown } };
    expect(first.logic).toBe(positionBookMachine);
    expect(first.getSnapshot().value).toBe('short');
  });
});

describe('--inspect [url]', () => {
  it('reads a URL list, the default, and refuses anything else naming --inspect', () => {
    expect(parseInspectUrls(undefined)).toBeNull();
    expect(parseInspectUrls(true)).toEqual([DEFAULT_INSPECT_URL]);
    expect(parseInspectUrls('http://127.0.0.1:9/inspect,wss://relay.example/x#frag')).toEqual([
      'ws://127.0.0.1:9/inspect',
      'wss://relay.example/x',
    ]);
    for (const bad of ['ftp://x/', 'not a url', 'ws://user:pw@127.0.0.1:1/', 'ws://127.0.0.1:1/,'])
      expect(() => parseInspectUrls(bad)).toThrow(/^--inspect: /);
  });

  it('exits 2 on a bad URL before touching anything', async () => {
    const db = path.join(tmp.dir, 'never.db');
    const run = await runCliToEnd(['start', '--duration', '1', '--db', db, '--inspect', 'ftp://127.0.0.1/x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--inspect: must be a ws://, wss://, http:// or https:// URL, got "ftp://127.0.0.1/x"',
    );
    expect(fs.existsSync(db)).toBe(false);
  });

  describe('streaming to the visualizer', () => {
    let viz: VisualizerProcess;
    const db = () => path.join(tmp.dir, 'engine.db');
    const received: StatelyInspectionEvent[] = [];
    let run: { code: number | null; stderr: string };
    const relayStats = async () => {
      const res = await fetch(new URL('/api/inspect?limit=1', viz.url));
      return ((await res.json()) as { stats: { clients: number; received: number; rejected: number } }).stats;
    };

    beforeAll(async () => {
      // The visualizer starts first, before the engine has created its database, and waits for it.
      viz = await startVisualizer(['--db', db(), '--port', '0']);
      const receiver = new WebSocket(viz.inspectUrl);
      receiver.on('message', (data) => received.push(JSON.parse(data.toString()) as StatelyInspectionEvent));
      await new Promise((resolve) => receiver.on('open', resolve));
      const args = ['start', '--duration', '2', '--seed', '5', '--db', db(), '--status-interval', '0'];
      run = await runCliToEnd([...args, '--inspect', viz.url + 'inspect']);
      // The engine's connection is closed at the relay (only the receiver is left), so the relay has
      // taken every event it will get; the receiver then holds all of them once the counts agree.
      await waitFor('the relay to have passed every event of the closed engine connection on', async () => {
        const { clients, received: relayed } = await relayStats();
        return clients === 1 && received.length === relayed;
      });
      receiver.close();
    }, 40_000);
    afterAll(() => viz?.stop());

    it('delivers actor, event and snapshot events in @statelyai/inspect shapes, with the machine definition', () => {
      expect(run.code, run.stderr.slice(-2000)).toBe(0);
      const types = new Set(received.map((e) => e.type));
      expect([...types].sort()).toEqual(['@xstate.actor', '@xstate.event', '@xstate.snapshot']);
      for (const e of received) {
        expect(e.rootId).toBe(e.sessionId);
        expect(e._version).toBe('0.7.2');
        expect(Number(e.createdAt)).toBeGreaterThan(0);
      }
      const orderActor = received.find((e) => e.type === '@xstate.actor' && e.name === 'order');
      if (orderActor?.type !== '@xstate.actor') throw new Error('no order actor registered');
      const definition = JSON.parse(orderActor.definition ?? '{}') as {
        id: string;
        states: Record<string, unknown>;
      };
      expect(definition.id).toBe('order');
      expect(Object.keys(definition.states)).toContain('unconfirmed');
      expect(received.some((e) => /apiKey|"secret"/i.test(JSON.stringify(e)))).toBe(false);
    });

    it('streams each order exactly as its committed journal: one event then one snapshot per journal row', async () => {
      const orderIds = [
        ...new Set(received.filter((e) => e.sessionId.startsWith('order/')).map((e) => e.sessionId)),
      ];
      expect(orderIds.length).toBeGreaterThan(2);
      for (const id of orderIds.slice(0, 5)) {
        const res = await fetch(new URL(`/api/journal?actor=${encodeURIComponent(id)}`, viz.url));
        const { entries } = (await res.json()) as { entries: JournalEntry[] };
        const mine = received.filter((e) => e.sessionId === id && e.type !== '@xstate.actor');
        const pairs = entries.map((j) => [
          ['@xstate.event', j.eventType],
          ['@xstate.snapshot', j.eventType, j.state],
        ]);
        const stream = mine.map((e) =>
          e.type === '@xstate.snapshot'
            ? [e.type, e.event.type, statePath((e.snapshot as { value: unknown }).value)]
            : [e.type, e.type === '@xstate.event' ? e.event.type : ''],
        );
        expect(stream).toEqual(pairs.flat());
      }
      expect(await relayStats()).toMatchObject({ received: received.length, rejected: 0 });
    });
  });
});

function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0]!;
  return `${key}.${statePath(inner)}`;
}
