import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startVenueSim } from '../../src/venue-sim/server.js';
import { digest } from '../support/cli-helpers.js';
import { runCli, runCliToEnd } from '../support/engine-process.js';
import { checkCcxtInvariants } from '../support/ccxt-invariants.js';
import {
  config,
  expectHalted,
  files,
  recoversAfterRepair,
  startArgs,
  venueOpenOrders,
} from '../support/storage-fault-checks.js';
import { repoRoot, tempDir } from '../support/tmp.js';
import { keepMarketMoving, venueSimAdmin } from '../support/venue-sim.js';
import type { VenueSimState } from '../support/venue-sim.js';

/**
 * Faults of the engine's own database, on real files: a full disk (the engine process started under a
 * file-size limit, so its writes fail with EFBIG as on a full filesystem), a database locked by another
 * process past the busy timeout, and a damaged file at start. Each time: one line with a stable code
 * naming the database, the engine's open orders cancelled at the venue (outcome logged), exit code 1
 * (never 130), nothing sent that was not committed; and after the repair the next start recovers with
 * every invariant holding.
 */

const tmp = tempDir('storage-faults');
afterAll(() => tmp.cleanup());

/** A new directory under the test's own. */
function sub(name: string): string {
  const dir = path.join(tmp.dir, name);
  fs.mkdirSync(dir);
  return dir;
}

/** The simulator's open orders. */
const openAt = (state: VenueSimState) =>
  state.orders
    .filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED')
    .map((o) => o.clientOrderId);

/** Whether this process may mount a filesystem of its own (root, with the capability): the full-disk case needs one. */
const canMountTmpfs = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'steadfast-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
})();
if (!canMountTmpfs)
  console.log('storage faults: cannot mount a tmpfs here (needs root): skipping the full-disk case');

const KEYS = { STEADFAST_API_KEY: 'sim-api-key', STEADFAST_API_SECRET: 'sim-api-secret' };

describe('storage faults', () => {
  /**
   * Runs the engine through ccxt against the simulator in this process, so that the engine process's only
   * growing files are its database's, in `dir` and under `launcher`; expects it to halt on `fault`; then
   * `repair()`, and the next start recovers, trades and stops with every invariant holding.
   */
  async function haltsOnSimThenRecovers(
    dir: string,
    launcher: string[],
    fault: string,
    repair: () => void,
  ): Promise<void> {
    const db = path.join(dir, 'engine.db');
    const sim = await startVenueSim({
      dbPath: path.join(tmp.dir, `${path.basename(dir)}-sim.db`),
      seed: 5,
      tickMs: 0,
    });
    const admin = venueSimAdmin(() => sim.url);
    const moving = keepMarketMoving(admin);
    try {
      const args = [
        'start',
        '--config',
        config(dir),
        '--db',
        db,
        '--venue',
        'binance',
        '--venue-url',
        sim.url,
      ];
      const engine = runCli(
        [...args, '--symbol', 'BTC/USDT', '--seed', '5', '--duration', '120'],
        KEYS,
        launcher,
      );
      const result = await engine.exited;
      expectHalted({ code: result.code, stderr: engine.output().stderr }, db, fault);
      expect(openAt(await admin.state())).toEqual([]);
      // Nothing left the engine that its database does not know.
      expect(await checkCcxtInvariants(db, await admin.state(), false)).toEqual([]);

      repair();
      const next = runCli([...args, '--symbol', 'BTC/USDT', '--seed', '5', '--duration', '3'], KEYS);
      await next.ready;
      // The market goes quiet before the run's last look (a fill after it would be one it never saw).
      await moving();
      const { code } = await next.exited;
      expect(code, next.output().stderr.slice(-2000)).toBe(0);
      expect(await checkCcxtInvariants(db, await admin.state(), true)).toEqual([]);
      const replay = await runCliToEnd(['replay', '--verify', '--db', db]);
      expect(replay.code, replay.stderr).toBe(0);
    } finally {
      await moving();
      await sim.close();
    }
  }

  it('a write that fails with an I/O error: STORAGE_IO_ERROR, quotes cancelled at the venue, exit 1; then it recovers', async () => {
    // Started under a 1 MiB file-size limit, the engine writes past it within seconds: the write fails
    // (EFBIG), which SQLite reports as an I/O error. Without the limit, the next start recovers.
    await haltsOnSimThenRecovers(
      sub('ioerr'),
      ['bash', '-c', 'ulimit -f 1024 && exec "$@"', 'bash'],
      'STORAGE_IO_ERROR',
      () => {},
    );
  });

  it.skipIf(!canMountTmpfs)(
    'a full disk: STORAGE_FULL, quotes cancelled at the venue, exit 1; after space is freed the next start recovers',
    async () => {
      // A 3 MiB filesystem of its own, nearly filled: the engine's database outgrows it within seconds.
      const mount = sub('full');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mount]);
      try {
        const filler = path.join(mount, 'filler');
        fs.writeFileSync(filler, Buffer.alloc(1900 * 1024));
        const dir = path.join(mount, 'engine');
        fs.mkdirSync(dir);
        await haltsOnSimThenRecovers(dir, [], 'STORAGE_FULL', () => fs.rmSync(filler));
      } finally {
        execFileSync('umount', ['-l', mount]);
      }
    },
  );

  it.skipIf(!canMountTmpfs)(
    'a database on a filesystem turned read-only: the start refuses with STORAGE_READ_ONLY and changes nothing; writable again, it recovers',
    async () => {
      const mount = sub('readonly');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mount]);
      try {
        const f = { db: path.join(mount, 'engine.db'), venue: path.join(tmp.dir, 'readonly-venue.db') };
        const cfg = config(tmp.dir);
        const run = (seconds: number) => runCliToEnd(startArgs({ ...f, config: cfg }, seconds));
        const first = await run(2);
        expect(first.code, first.stderr.slice(-2000)).toBe(0);
        execFileSync('mount', ['-o', 'remount,ro', mount]);
        const before = fs.readdirSync(mount).map((n) => [n, digest(path.join(mount, n))]);

        const refused = await run(2);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`STORAGE_READ_ONLY: the database became read-only (${f.db})`);
        expect(fs.readdirSync(mount).map((n) => [n, digest(path.join(mount, n))])).toEqual(before);

        execFileSync('mount', ['-o', 'remount,rw', mount]);
        await recoversAfterRepair({ db: f.db, venue: f.venue, config: cfg });
      } finally {
        execFileSync('umount', ['-l', mount]);
      }
    },
  );

  it('a database locked by another process past the busy timeout: STORAGE_BUSY, quotes cancelled, exit 1; then it recovers', async () => {
    const f = files(sub('busy'));
    const engine = runCli(startArgs(f, 120));
    await engine.ready;
    await engine.until('orders resting at the venue', () => venueOpenOrders(f.venue).length > 0);
    // Another process takes the write lock and keeps it 8 s (the engine waits 5 s for it).
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(${JSON.stringify(f.db)}); db.pragma('busy_timeout = 10000');
         db.exec('BEGIN IMMEDIATE'); console.log('locked'); setTimeout(() => { db.exec('ROLLBACK'); db.close(); }, 8000);`,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const holderDone = new Promise((resolve) => holder.on('close', resolve));
    const result = await engine.exited;
    await holderDone;
    expectHalted({ code: result.code, stderr: engine.output().stderr }, f.db, 'STORAGE_BUSY');
    expect(venueOpenOrders(f.venue)).toEqual([]);
    await recoversAfterRepair(f);
  });

  it.each([
    ['overwritten with other bytes', (file: string) => fs.writeFileSync(file, Buffer.alloc(8192, 7))],
    ['cut to half its size', (file: string) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2))],
  ])('a database file %s is refused at start, naming it, and nothing is changed', async (how, damage) => {
    const dir = sub(`damaged-${how.split(' ')[0]!}`);
    const f = files(dir);
    const first = await runCliToEnd(['start', '--db', f.db, '--venue-db', f.venue, '--duration', '2']);
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    damage(f.db);
    fs.rmSync(f.venue);
    const before = new Map(fs.readdirSync(dir).map((n) => [n, fs.readFileSync(path.join(dir, n))]));

    const start = await runCliToEnd(['start', '--db', f.db, '--venue-db', f.venue, '--duration', '2']);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`the engine database ${f.db} is damaged`);
    expect(start.stderr).toContain('nothing was changed');
    const after = new Map(fs.readdirSync(dir).map((n) => [n, fs.readFileSync(path.join(dir, n))]));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [name, bytes] of before) expect(after.get(name)!.equals(bytes), name).toBe(true);
  });
});
