import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ExpectStatic } from 'vitest';
import { copyDir, digest, rowCount } from '../support/cli-helpers.js';
import { runCliToEnd } from '../support/engine-process.js';
import { tempDir } from '../support/tmp.js';

/**
 * Bad flags and config: exit code 2, one clear error on stderr naming the field, and nothing changed: an
 * existing engine database keeps its bytes and its journal, a new --db path gets no database file.
 */

const ENGINE_FILES = ['e.db', 'e.db-wal', 'e.db-shm'];

interface BadCase {
  name: string;
  /** Flags after `start` (the test adds `--db`). */
  args: (caseDir: string) => string[];
  /** Config file to write first, as `<caseDir>/config.json`. */
  config?: string;
  /** The first line of stderr, exactly (or a matcher for messages that come from Node itself). */
  error: (caseDir: string) => string | RegExp;
  /** Commander usage errors print the usage after the error line; our own errors print one line only. */
  usage?: true;
  /**
   * Detected after the paper venue has opened its own file (beside --db): only the engine database is
   * required to stay untouched.
   */
  afterVenue?: true;
  /** Beyond the required list: checked against an existing database only, to keep the suite fast. */
  extra?: true;
  /** Environment overrides of the child process. */
  env?: NodeJS.ProcessEnv;
}

const cfg = (dir: string) => path.join(dir, 'config.json');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const CASES: BadCase[] = [
  {
    name: '--duration abc',
    args: () => ['--duration', 'abc'],
    error: () => 'steadfast: --duration: must be a positive number of seconds, got "abc"',
  },
  {
    name: '--duration -5',
    args: () => ['--duration', '-5'],
    error: () => 'steadfast: --duration: must be a positive number of seconds, got "-5"',
  },
  {
    name: '--duration 0',
    args: () => ['--duration', '0'],
    error: () => 'steadfast: --duration: must be a positive number of seconds, got "0"',
  },
  {
    name: '--seed x',
    args: () => ['--duration', '1', '--seed', 'x'],
    error: () => 'steadfast: --seed: must be an integer >= 0, got "x"',
  },
  {
    name: '--status-interval -1',
    extra: true,
    args: () => ['--duration', '1', '--status-interval', '-1'],
    error: () => 'steadfast: --status-interval: must be an integer >= 0, got "-1"',
  },
  {
    name: '--durability sometimes',
    args: () => ['--duration', '1', '--durability', 'sometimes'],
    error: () =>
      "error: option '--durability <mode>' argument 'sometimes' is invalid. Allowed choices are intent, normal, full.",
    usage: true,
  },
  {
    name: '--symbol BTCUSDT (not BASE/QUOTE)',
    args: () => ['--duration', '1', '--symbol', 'BTCUSDT'],
    error: () => 'steadfast: symbols[0]: must look like BASE/QUOTE (in flags)',
  },
  {
    name: '--symbol BTC/USDT,ETHUSDT (second symbol bad)',
    extra: true,
    args: () => ['--duration', '1', '--symbol', 'BTC/USDT,ETHUSDT'],
    error: () => 'steadfast: symbols[1]: must look like BASE/QUOTE (in flags)',
  },
  {
    name: '--symbol DOGE/USDT (not traded by the paper venue)',
    args: () => ['--duration', '1', '--symbol', 'DOGE/USDT'],
    error: () => 'steadfast: symbols[0]: DOGE/USDT is not traded at paper',
    afterVenue: true,
  },
  {
    name: '--config <missing file>',
    args: (dir) => ['--duration', '1', '--config', path.join(dir, 'missing.json')],
    error: (dir) => {
      const f = path.join(dir, 'missing.json');
      return `steadfast: --config: cannot read ${f}: ENOENT: no such file or directory, open '${f}'`;
    },
  },
  {
    name: '--config <invalid JSON>',
    config: '{"strategy": {levels: 3}}',
    args: (dir) => ['--duration', '1', '--config', cfg(dir)],
    error: (dir) => new RegExp(`^steadfast: --config: ${escape(cfg(dir))} is not valid JSON: .+$`),
  },
  {
    name: '--config <a JSON array>',
    extra: true,
    config: '[1, 2]',
    args: (dir) => ['--duration', '1', '--config', cfg(dir)],
    error: () => 'steadfast: --config: must hold a JSON object',
  },
  {
    name: '--config {"strategy":{"levels":-1}}',
    config: '{"strategy":{"levels":-1}}',
    args: (dir) => ['--duration', '1', '--config', cfg(dir)],
    error: (dir) => `steadfast: strategy.levels: Too small: expected number to be >=0 (in ${cfg(dir)})`,
  },
  {
    name: '--config {"risk":{"maxOpenOrders":"ten"}}',
    config: '{"risk":{"maxOpenOrders":"ten"}}',
    args: (dir) => ['--duration', '1', '--config', cfg(dir)],
    error: (dir) =>
      `steadfast: risk.maxOpenOrders: Invalid input: expected number, received string (in ${cfg(dir)})`,
  },
  {
    name: '--config {"risk":{"maxOrderNotional":"0"}}',
    config: '{"risk":{"maxOrderNotional":"0"}}',
    args: (dir) => ['--duration', '1', '--config', cfg(dir)],
    error: (dir) => `steadfast: risk.maxOrderNotional: must be > 0 (in ${cfg(dir)})`,
  },
  {
    name: '--config {"risk":{"symbols":{"BTC/USDT":{"maxPosition":"-1"}}}}',
    config: '{"risk":{"symbols":{"BTC/USDT":{"maxPosition":"-1"}}}}',
    args: (dir) => ['--duration', '1', '--config', cfg(dir)],
    error: (dir) => `steadfast: risk.symbols["BTC/USDT"].maxPosition: must be > 0 (in ${cfg(dir)})`,
  },
  {
    name: '--config {"strategy":{"orderSize":0.01}} (a number, not a decimal string)',
    extra: true,
    config: '{"strategy":{"orderSize":0.01}}',
    args: (dir) => ['--duration', '1', '--config', cfg(dir)],
    error: (dir) =>
      `steadfast: strategy.orderSize: Invalid input: expected string, received number (in ${cfg(dir)})`,
  },
  {
    name: '--config with an unknown top-level key',
    config: '{"strategie":{"levels":2}}',
    args: (dir) => ['--duration', '1', '--config', cfg(dir)],
    error: (dir) => `steadfast: strategie: Unrecognized key: "strategie" (in ${cfg(dir)})`,
  },
  {
    name: '--config with an unknown nested key',
    extra: true,
    config: '{"strategy":{"levelz":2}}',
    args: (dir) => ['--duration', '1', '--config', cfg(dir)],
    error: (dir) => `steadfast: strategy.levelz: Unrecognized key: "levelz" (in ${cfg(dir)})`,
  },
  {
    name: 'an unknown flag',
    args: () => ['--duration', '1', '--bogus'],
    error: () => "error: unknown option '--bogus'",
    usage: true,
  },
  {
    name: '--venue binance without API keys',
    args: () => ['--duration', '1', '--venue', 'binance', '--venue-url', 'http://127.0.0.1:9'],
    env: { STEADFAST_API_KEY: '', STEADFAST_API_SECRET: '' },
    error: () =>
      'steadfast: STEADFAST_API_KEY: not set (the binance venue needs an API key pair: set STEADFAST_API_KEY ' +
      'and STEADFAST_API_SECRET, or name a JSON key file in the config as venue.keyFile)',
  },
  {
    name: '--venue kraken',
    extra: true,
    args: () => ['--duration', '1', '--venue', 'kraken'],
    error: () =>
      "error: option '--venue <kind>' argument 'kraken' is invalid. Allowed choices are paper, binance.",
    usage: true,
  },
];

let tmp: { dir: string; cleanup: () => void };
/** An engine database (and its paper venue file) made by a real run, copied for each case. */
let template: string;

beforeAll(async () => {
  tmp = tempDir('cli-bad');
  template = path.join(tmp.dir, 'template');
  const made = await runCliToEnd([
    'start',
    '--duration',
    '1',
    '--seed',
    '3',
    '--db',
    path.join(template, 'e.db'),
  ]);
  if (made.code !== 0) throw new Error(`could not create the template database:\n${made.stderr}`);
}, 30_000);

afterAll(() => tmp.cleanup());

function checkOutput(
  expect: ExpectStatic,
  c: BadCase,
  dir: string,
  out: { code: number | null; stdout: string; stderr: string },
) {
  expect(out.code).toBe(2);
  expect(out.stdout).toBe('');
  const [firstLine, ...rest] = out.stderr.split('\n');
  const wanted = c.error(dir);
  if (typeof wanted === 'string') expect(firstLine).toBe(wanted);
  else expect(firstLine).toMatch(wanted);
  if (c.usage) expect(rest).toContain('Usage: steadfast start [options]');
  else expect(rest).toEqual(['']);
}

/** Bytes of every engine database file (and of the venue file unless the case opens the venue). */
function fingerprint(dir: string, c: BadCase): Record<string, string | null> {
  const names = c.afterVenue ? ENGINE_FILES : [...ENGINE_FILES, 'e.paper-venue.db'];
  return Object.fromEntries(names.map((n) => [n, digest(path.join(dir, n))]));
}

describe.concurrent('start with bad input exits 2 and changes nothing', () => {
  CASES.forEach((c, i) => {
    it(`${c.name}: existing database untouched`, async ({ expect }) => {
      const dir = path.join(tmp.dir, `existing-${i}`);
      copyDir(template, dir);
      if (c.config !== undefined) fs.writeFileSync(cfg(dir), c.config);
      const db = path.join(dir, 'e.db');
      const journal = await rowCount(db, 'journal');
      expect(journal).toBeGreaterThan(0);
      const before = fingerprint(dir, c);
      const out = await runCliToEnd(['start', ...c.args(dir), '--db', db], c.env);
      checkOutput(expect, c, dir, out);
      expect(fingerprint(dir, c)).toEqual(before);
      expect(await rowCount(db, 'journal')).toBe(journal);
    });

    if (c.extra) return;
    it(`${c.name}: no database created for a new --db path`, async ({ expect }) => {
      const dir = path.join(tmp.dir, `fresh-${i}`);
      fs.mkdirSync(dir);
      if (c.config !== undefined) fs.writeFileSync(cfg(dir), c.config);
      const dbDir = path.join(dir, 'data');
      const out = await runCliToEnd(['start', ...c.args(dir), '--db', path.join(dbDir, 'e.db')], c.env);
      checkOutput(expect, c, dir, out);
      for (const name of ENGINE_FILES) expect(fs.existsSync(path.join(dbDir, name))).toBe(false);
      // Rejected before the venue opens: not even the directory of --db is created.
      if (!c.afterVenue) expect(fs.existsSync(dbDir)).toBe(false);
    });
  });
});
