import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { silentLogger } from '../../src/domain/logger.js';
import { archivePass } from '../../src/engine/retention.js';
import { machineRegistry } from '../../src/machines/registry.js';
import { ArchiveStore } from '../../src/persistence/archive/archive-store.js';
import { withReadOnly } from '../support/cli-helpers.js';
import { runCliToEnd } from '../support/engine-process.js';
import { gracefulRun, lastJson } from '../support/engine-runs.js';
import { tempDir } from '../support/tmp.js';

/**
 * A retention pass called directly on a database a real engine run wrote, with the long-lived actors'
 * journals moved a few rows at a time: every step replays from the base the step before wrote, and the
 * journal still replays to every stored snapshot.
 */

let tmp: { dir: string; cleanup: () => void };
let db = '';

beforeAll(async () => {
  tmp = tempDir('retention');
  db = path.join(tmp.dir, 'engine.db');
  await gracefulRun(db, 4, 51);
}, 60_000);

afterAll(() => tmp.cleanup());

const journalRows = (file: string) =>
  withReadOnly(file, async (d) =>
    (
      await d
        .selectFrom('journal')
        .select(['actor_id', 'rev'])
        .where('actor_id', 'not like', 'order/%')
        .orderBy('actor_id')
        .orderBy('rev')
        .execute()
    ).map((r) => `${r.actor_id}#${r.rev}`),
  );

describe('a retention pass in small steps', () => {
  it('moves every long-lived row but the last, a step at a time, and the journal still replays', async () => {
    const before = await journalRows(db);
    const actors = new Set(before.map((r) => r.slice(0, r.indexOf('#'))));
    expect(actors.size).toBeGreaterThanOrEqual(2);
    const archive = ArchiveStore.open(db, path.join(tmp.dir, 'archive'));
    let report;
    try {
      report = await archivePass(
        {
          archive,
          registry: machineRegistry,
          clock: systemClock,
          logger: silentLogger,
          held: () => false,
          rowsPerStep: 7,
        },
        0,
      );
    } finally {
      archive.close();
    }
    expect(report.refused).toEqual([]);
    expect(report.journalRows).toBe(before.length - actors.size);
    // Each long-lived actor keeps its last row, behind a base at the row before it.
    const after = await journalRows(db);
    expect(after).toHaveLength(actors.size);
    const bases = await withReadOnly(db, (d) =>
      d.selectFrom('journal_base').select(['actor_id', 'rev']).execute(),
    );
    for (const row of after) {
      const [actor, rev] = row.split('#');
      expect(bases.find((b) => b.actor_id === actor)?.rev).toBe(Number(rev) - 1);
    }
    const verify = await runCliToEnd(['replay', '--verify', '--db', db, '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(lastJson<{ divergences: number }>(verify.stdout).divergences).toBe(0);
    expect(fs.readdirSync(path.join(tmp.dir, 'archive'))).toHaveLength(1);
  }, 60_000);
});
