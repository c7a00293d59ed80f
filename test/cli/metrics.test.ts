import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsUrl, runCli, runCliToEnd } from '../support/engine-process.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { tempDir } from '../support/tmp.js';

/**
 * `start --metrics-port`, end to end with the real CLI: it logs `metrics ready` with a URL that answers,
 * /readyz turns 200 once the engine is ready, and a bad port is exit 2 naming the flag or key, with no
 * database created.
 */

let tmp: { dir: string; cleanup: () => void };

beforeAll(() => {
  tmp = tempDir('cli-metrics');
});

afterAll(() => tmp.cleanup());

describe('start --metrics-port', () => {
  it('logs metrics ready with a URL that answers, and stops with the engine', async () => {
    const db = path.join(tmp.dir, 'ok.db');
    const engine = runCli([
      'start',
      '--db',
      db,
      '--metrics-port',
      '0',
      '--duration',
      '30',
      '--status-interval',
      '0',
    ]);
    const url = await metricsUrl(engine);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const origin = url.replace(/\/metrics$/, '');
    await engine.ready;
    await engine.until('ready', async () => (await fetch(`${origin}/readyz`)).status === 200);
    expect(await (await fetch(`${origin}/healthz`)).text()).toBe('ok\n');
    await engine.until('events committed', async () => {
      const text = await (await fetch(url)).text();
      return (sampleValue(parsePrometheusText(text), 'steadfast_events_committed_total') ?? 0) > 0;
    });
    engine.child.kill('SIGTERM');
    expect((await engine.exited).code).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });

  it.each([
    [
      '--metrics-port 70000',
      ['--metrics-port', '70000'],
      'steadfast: --metrics-port: must be an integer from 0 to 65535, got "70000"',
    ],
    [
      '--metrics-port abc',
      ['--metrics-port', 'abc'],
      'steadfast: --metrics-port: must be an integer from 0 to 65535, got "abc"',
    ],
  ])('%s: exit 2 naming the flag, nothing created', async (_name, flags, error) => {
    const db = path.join(tmp.dir, `bad-${flags[1]}.db`);
    const run = await runCliToEnd(['start', '--db', db, '--duration', '1', ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(error);
    expect(fs.existsSync(db)).toBe(false);
  });

  it('metrics.port out of range in the config: exit 2 naming the key', async () => {
    const db = path.join(tmp.dir, 'bad-config.db');
    const config = path.join(tmp.dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ metrics: { port: -1 } }));
    const run = await runCliToEnd(['start', '--db', db, '--duration', '1', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(/^steadfast: metrics\.port: /);
    expect(fs.existsSync(db)).toBe(false);
  });

  it('a port already taken: exit 2 naming the flag, nothing created', async () => {
    const db = path.join(tmp.dir, 'taken.db');
    const first = runCli([
      'start',
      '--db',
      path.join(tmp.dir, 'holder.db'),
      '--metrics-port',
      '0',
      '--duration',
      '30',
      '--status-interval',
      '0',
    ]);
    let port = '';
    await first.until('metrics ready', () => {
      const m = /"url":"http:\/\/127\.0\.0\.1:(\d+)\/metrics"/.exec(first.output().stderr);
      port = m?.[1] ?? '';
      return m !== null;
    });
    try {
      const run = await runCliToEnd(['start', '--db', db, '--duration', '1', '--metrics-port', port]);
      expect(run.code).toBe(2);
      expect(run.stderr.split('\n')[0]).toMatch(
        new RegExp(`^steadfast: --metrics-port: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
      );
      expect(fs.existsSync(db)).toBe(false);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });
});
