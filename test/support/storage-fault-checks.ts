import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import { jsonLines } from './cli-helpers.js';
import type { LogLine } from './cli-helpers.js';
import { runCliToEnd } from './engine-process.js';
import { checkInvariants } from './invariants.js';

/** What the storage-fault tests check of an engine that met a fault of its own database. */

/** A quick-quoting config for `dir` (three levels a side, requoting every 50 ms). */
export function config(dir: string): string {
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify({ strategy: { intervalMs: 50, levels: 3 }, statusIntervalMs: 0 }));
  return file;
}

export function files(dir: string) {
  return { db: path.join(dir, 'engine.db'), venue: path.join(dir, 'venue.db'), config: config(dir) };
}

/** The venue's open orders (the paper venue's own file). */
export function venueOpenOrders(venueDb: string): string[] {
  const store = openPaperVenueStore(venueDb);
  try {
    return store.openOrders().map((o) => o.clientOrderId);
  } finally {
    store.close();
  }
}

/** `start` on the paper venue with `f`'s files, stopping by itself after `seconds`. */
export function startArgs(f: ReturnType<typeof files>, seconds: number): string[] {
  const paths = ['--config', f.config, '--db', f.db, '--venue-db', f.venue];
  return ['start', ...paths, '--seed', '5', '--duration', String(seconds)];
}

const line = (lines: readonly LogLine[], code: string) => lines.find((l) => l.code === code);

/** After the repair: a start trades, stops cleanly, and every invariant holds against the venue's records. */
export async function recoversAfterRepair(f: ReturnType<typeof files>): Promise<void> {
  const next = await runCliToEnd(startArgs(f, 3));
  expect(next.code, next.stderr.slice(-2000)).toBe(0);
  expect(await checkInvariants(f.db, f.venue, true)).toEqual([]);
  const replay = await runCliToEnd(['replay', '--verify', '--db', f.db]);
  expect(replay.code, replay.stderr).toBe(0);
}

/** Checks the halt: its one coded line naming the database, the cancels at the venue, exit code 1. */
export function expectHalted(
  result: { code: number | null; stderr: string },
  db: string,
  fault: string,
): void {
  const lines = jsonLines(result.stderr);
  expect(result.code, result.stderr.slice(-3000)).toBe(1);
  expect(result.stderr).not.toContain('second signal');
  const halt = line(lines, fault);
  expect(halt, `no ${fault} line in:\n${result.stderr.slice(-3000)}`).toBeDefined();
  expect(halt!.db).toBe(db);
  const errors = lines.filter(
    (l) => l.level === 50 && /^STORAGE_|^COMMIT_FAILED$|^LEASE_LOST$/.test(String(l.code)),
  );
  expect(errors.map((l) => l.code)).toEqual([fault]);
  const cancelled = line(lines, 'HALT_ORDERS_CANCELLED');
  expect(cancelled, result.stderr.slice(-3000)).toBeDefined();
  expect(cancelled!.found).toBeGreaterThan(0);
  expect(cancelled!.cancelled).toBe(cancelled!.found);
}
