import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/engine-process.js';
import { buildFaultShim, withFaultShim } from '../support/fault-shim.js';
import { checkInvariants } from '../support/invariants.js';
import {
  expectHalted,
  files,
  recoversAfterRepair,
  startArgs,
  venueOpenOrders,
} from '../support/storage-fault-checks.js';
import { tempDir } from '../support/tmp.js';

/**
 * Storage that fails under a running engine, through a file wrapper (test/support/fault-shim.c, loaded
 * with LD_PRELOAD): once the engine quotes at the venue, every write and sync of its database file fails,
 * with EIO as on a failing device, or with EROFS as on a filesystem the kernel turned read-only (which
 * cannot be remounted so while the engine holds the file open for writing). Each time: one coded line
 * naming the database, its quotes cancelled at the venue, exit 1, nothing at the venue the database does
 * not know; once the storage is back, the next start recovers with every invariant holding.
 */
const tmp = tempDir('storage-faults-running');
afterAll(() => tmp.cleanup());
const shim = buildFaultShim(tmp.dir);
if ('missing' in shim) console.log(`storage faults under a running engine: ${shim.missing}; skipping`);

describe.skipIf('missing' in shim)('storage failing under a running engine (a file wrapper)', () => {
  it.each([
    ['EIO', 'a failing device', 'STORAGE_IO_ERROR'],
    ['EROFS', 'a filesystem turned read-only', 'STORAGE_READ_ONLY'],
  ] as const)(
    'writes failing with %s (%s) while it trades: %s, quotes cancelled at the venue, exit 1; then it recovers',
    async (errno, _, fault) => {
      const dir = path.join(tmp.dir, errno);
      fs.mkdirSync(dir);
      const f = files(dir);
      const trigger = path.join(dir, 'fail-now');
      const engine = runCli(
        startArgs(f, 120),
        {},
        withFaultShim((shim as { so: string }).so, f.db, trigger, errno),
      );
      await engine.ready;
      await engine.until('quotes at the venue', () => venueOpenOrders(f.venue).length > 0);
      fs.writeFileSync(trigger, '');
      const result = await engine.exited;
      expectHalted({ code: result.code, stderr: engine.output().stderr }, f.db, fault);
      expect(venueOpenOrders(f.venue)).toEqual([]);
      // Nothing left the engine that its database does not know.
      expect(await checkInvariants(f.db, f.venue, false)).toEqual([]);
      fs.rmSync(trigger);
      await recoversAfterRepair(f);
    },
    120_000,
  );
});
