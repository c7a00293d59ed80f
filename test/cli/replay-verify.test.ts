import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayReport } from '../../src/runtime/verify-replay.js';
import { copyDir, rowCount } from '../support/cli-helpers.js';
import { runCli, runCliToEnd } from '../support/engine-process.js';
import { gracefulRun, killedRuns, lastJson } from '../support/engine-runs.js';
import { tempDir } from '../support/tmp.js';

/**
 * `replay --verify` rebuilds every actor from its journal alone and compares it with the stored snapshots
 * and the journal's state at every revision, and positions with the ledger. It passes on databases written
 * by real engine runs (one left by SIGKILLs, one while the engine still runs) and names the actor, revision
 * and event of a deliberately corrupted snapshot, a deleted journal row or a wrong journal state.
 */

let tmp: { dir: string; cleanup: () => void };
let graceful: string;
let killed: string;

beforeAll(async () => {
  tmp = tempDir('replay-verify');
  graceful = path.join(tmp.dir, 'graceful', 'e.db');
  killed = path.join(tmp.dir, 'killed', 'e.db');
  fs.mkdirSync(path.dirname(graceful));
  fs.mkdirSync(path.dirname(killed));
  await Promise.all([gracefulRun(graceful, 4, 5), killedRuns(killed, 3, 31)]);
}, 60_000);

afterAll(() => tmp.cleanup());

async function verify(db: string) {
  const run = await runCliToEnd(['replay', '--verify', '--db', db, '--json']);
  return { code: run.code, stderr: run.stderr, report: lastJson<ReplayReport>(run.stdout) };
}

/** A copy of `db`'s directory, changed by `change` through a writable connection; returns the copy's db. */
function corrupted(db: string, name: string, change: (raw: SqliteDatabase.Database) => void): string {
  const dir = path.join(tmp.dir, name);
  copyDir(path.dirname(db), dir);
  const copy = path.join(dir, path.basename(db));
  const raw = new SqliteDatabase(copy);
  try {
    change(raw);
  } finally {
    raw.close();
  }
  return copy;
}

/** An order actor of `db` with at least `minRev` revisions. */
function orderActor(db: string, minRev: number): { id: string; rev: number; snapshot: string } {
  const raw = new SqliteDatabase(db, { readonly: true });
  try {
    const row = raw
      .prepare(
        "select id, rev, snapshot from actors where machine = 'order' and rev >= ? order by id limit 1",
      )
      .get(minRev) as { id: string; rev: number; snapshot: string } | undefined;
    if (row === undefined) throw new Error(`no order actor with ${minRev} revisions`);
    return row;
  } finally {
    raw.close();
  }
}

describe('replay --verify on real runs', () => {
  it.each([
    ['stopped by itself', () => graceful],
    ['left by SIGKILLs', () => killed],
  ])('passes on a database %s: every actor, every event, no divergence', async (_name, file) => {
    const db = file();
    const { code, stderr, report } = await verify(db);
    expect(code, stderr).toBe(0);
    expect(report.divergences).toBe(0);
    expect(report.firstDivergence).toBeNull();
    expect(report.ledgerProblems).toEqual([]);
    expect(report.actors).toBe(await rowCount(db, 'actors'));
    expect(report.events).toBe(await rowCount(db, 'journal'));
    expect(report.actors).toBeGreaterThan(3);
    expect(report.positions).toBeGreaterThan(0);

    const human = await runCliToEnd(['replay', '--verify', '--db', db]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^replay ok: \d+ actors, \d+ events, 0 divergences;/);
  });

  it('passes while an engine is writing the database', async () => {
    const db = path.join(tmp.dir, 'running', 'e.db');
    fs.mkdirSync(path.dirname(db));
    const engine = runCli(['start', '--duration', '6', '--seed', '9', '--db', db]);
    try {
      await engine.ready;
      await new Promise((r) => setTimeout(r, 1000));
      const { code, stderr, report } = await verify(db);
      expect(code, stderr).toBe(0);
      expect(report.divergences).toBe(0);
      expect(report.events).toBeGreaterThan(0);
      const orders = await runCliToEnd(['orders', '--db', db, '--json']);
      expect(orders.code, orders.stderr).toBe(0);
      expect(engine.child.exitCode).toBeNull();
    } finally {
      const { code } = await engine.exited;
      expect(code, engine.output().stderr.slice(-2000)).toBe(0);
    }
  }, 30_000);
});

describe('replay --verify catches tampering', () => {
  it('a corrupted stored snapshot: exit 1 naming the actor, its revision and event', async () => {
    const actor = orderActor(killed, 3);
    const db = corrupted(killed, 'snapshot', (raw) => {
      const snapshot = JSON.parse(actor.snapshot) as { context: Record<string, unknown> };
      snapshot.context.quantity = '123.45';
      raw.prepare('update actors set snapshot = ? where id = ?').run(JSON.stringify(snapshot), actor.id);
    });
    const { code, stderr, report } = await verify(db);
    expect(code).toBe(1);
    expect(report.divergences).toBe(1);
    expect(report.firstDivergence).toMatchObject({ actorId: actor.id, rev: actor.rev });
    expect(report.firstDivergence!.eventType).toEqual(expect.any(String));
    expect(report.firstDivergence!.reason).toContain('context.quantity');
    expect(stderr).toContain(
      `actor ${actor.id} at rev ${actor.rev} (event ${report.firstDivergence!.eventType})`,
    );
  });

  it('a snapshot that is not JSON: exit 1 naming the actor', async () => {
    const actor = orderActor(graceful, 2);
    const db = corrupted(graceful, 'not-json', (raw) =>
      raw.prepare("update actors set snapshot = '{' where id = ?").run(actor.id),
    );
    const { code, report } = await verify(db);
    expect(code).toBe(1);
    expect(report.firstDivergence).toMatchObject({ actorId: actor.id, rev: actor.rev });
  });

  it('a deleted journal row: exit 1 naming the actor and the missing revision', async () => {
    const actor = orderActor(killed, 3);
    const db = corrupted(killed, 'journal-row', (raw) =>
      raw.prepare('delete from journal where actor_id = ? and rev = 2').run(actor.id),
    );
    const { code, stderr, report } = await verify(db);
    expect(code).toBe(1);
    expect(report.firstDivergence).toMatchObject({ actorId: actor.id, rev: 2 });
    expect(report.firstDivergence!.reason).toContain('rev 2 is missing');
    expect(stderr).toContain(`actor ${actor.id} at rev 2`);
  });

  it("an actor's last journal row deleted: exit 1 naming that revision", async () => {
    const actor = orderActor(graceful, 3);
    const db = corrupted(graceful, 'journal-last', (raw) =>
      raw.prepare('delete from journal where actor_id = ? and rev = ?').run(actor.id, actor.rev),
    );
    const { code, report } = await verify(db);
    expect(code).toBe(1);
    expect(report.firstDivergence).toMatchObject({ actorId: actor.id, rev: actor.rev });
  });

  it("a journal row's state that the replay does not reach: exit 1 naming actor, revision and event", async () => {
    const actor = orderActor(graceful, 3);
    let eventType = '';
    const db = corrupted(graceful, 'journal-state', (raw) => {
      eventType = (
        raw.prepare('select event_type from journal where actor_id = ? and rev = 2').get(actor.id) as {
          event_type: string;
        }
      ).event_type;
      raw.prepare("update journal set state = 'nowhere' where actor_id = ? and rev = 2").run(actor.id);
    });
    const { code, report } = await verify(db);
    expect(code).toBe(1);
    expect(report.firstDivergence).toMatchObject({ actorId: actor.id, rev: 2, eventType });
    expect(report.firstDivergence!.reason).toContain('the journal says nowhere');
  });

  it('a position that differs from its ledger fills: exit 1 naming the position', async () => {
    const db = corrupted(killed, 'position', (raw) =>
      raw
        .prepare("update positions set quantity = '987.654' where rowid = (select min(rowid) from positions)")
        .run(),
    );
    const { code, stderr, report } = await verify(db);
    expect(code).toBe(1);
    expect(report.divergences).toBe(0);
    expect(report.ledgerProblems).toHaveLength(1);
    expect(report.ledgerProblems[0]).toMatch(/^position paper \S+ 987\.654 != sum of its \d+ ledger fills/);
    expect(stderr).toContain('steadfast: ledger: position paper');
  });
});
