import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { Clock } from '../domain/clock.js';
import { describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { orderActorId } from '../machines/messages.js';
import type { MachineEntry } from '../machines/registry.js';
import type { ArchiveStore, LongLivedActor } from '../persistence/archive/archive-store.js';
import { advanceJournalBase } from '../runtime/journal-base.js';
import { TRADE_CURSOR_PREFIX } from './reconcile.js';

/** How long ended orders stay in the live database, and how often retention runs (`retention.*`). */
export interface RetentionOptions {
  /** Ended orders (and long-lived actors' journal rows) older than this leave the live database. */
  keepEndedForMs: number;
  /** How often the engine runs a pass; null: only when `archive --now` asks. */
  intervalMs: number | null;
  /** Where the archive files go (one per UTC day). */
  dir: string;
}

/** What one pass moved. */
export interface ArchiveReport {
  /** Ended orders moved (actor, journal, outbox rows and order row). */
  orders: number;
  /** Journal rows of long-lived actors (position books, AdjustOrders workflows) moved behind a base. */
  journalRows: number;
  /** Archive files written to. */
  files: string[];
  /** Free pages of the live file given back to the file system. */
  freedPages: number;
  /** Actors whose journal did not replay and so kept their rows (each also logged). */
  refused: string[];
}

/** What a pass needs. */
export interface RetentionDeps {
  archive: ArchiveStore;
  registry: Readonly<Record<string, MachineEntry>>;
  clock: Clock;
  logger: Logger;
  /** True while the engine holds the actor in memory (a batch may write it): it stays for the next pass. */
  held: (actorId: string) => boolean;
  /** Journal rows of a long-lived actor replayed and moved at a time (default ROWS_PER_STEP). */
  rowsPerStep?: number;
}

/** Orders moved per transaction (each pass moves every eligible one, in such steps). */
const ORDERS_PER_MOVE = 200;
/** Journal rows of a long-lived actor replayed and moved at a time (the main thread is free in between). */
const ROWS_PER_STEP = 2_000;
const ORDER_MACHINE = 'order';

/**
 * Moves what the live database no longer needs to the archive file of the day: ended orders whose calls
 * are all closed, whose fills are in the ledger and whose symbol's trade cursor (the watermark only a
 * completed gap-fill moves) has passed their end, once ended for `keepEndedForMs`; and the journal rows of
 * long-lived actors older than that, behind a base (the snapshot they led to, checked by replaying them).
 * Positions, the ledger and `replay --verify` are unchanged. Then gives free pages back.
 */
export async function archivePass(deps: RetentionDeps, keepEndedForMs: number): Promise<ArchiveReport> {
  const { archive, clock } = deps;
  const now = clock.now();
  const cutoff = now - keepEndedForMs;
  const report: ArchiveReport = { orders: 0, journalRows: 0, files: [], freedPages: 0, refused: [] };
  const file = await archive.attach(now);
  const query = {
    machine: ORDER_MACHINE,
    idStart: orderActorId('').length + 1,
    cursorPrefix: TRADE_CURSOR_PREFIX,
    cutoff,
    limit: ORDERS_PER_MOVE,
  };
  for (;;) {
    const eligible = archive.eligibleOrders(query);
    const movable = eligible.filter((o) => !deps.held(o.actorId));
    if (movable.length > 0) {
      archive.moveOrders(movable);
      report.orders += movable.length;
    }
    if (eligible.length < ORDERS_PER_MOVE || movable.length === 0) break;
    await yieldToEvents();
  }
  for (const actor of archive.longLivedActors(ORDER_MACHINE)) {
    try {
      report.journalRows += await compactJournal(deps, actor, cutoff);
    } catch (err) {
      report.refused.push(actor.id);
      deps.logger.warn(
        { code: 'ARCHIVE_REFUSED', actorId: actor.id, err: describeError(err) },
        'an actor journal does not replay: its rows stay in the live database',
      );
    }
  }
  if (report.orders + report.journalRows > 0) report.files.push(file);
  report.freedPages = archive.reclaim();
  return report;
}

/**
 * Moves a long-lived actor's journal rows journaled before `cutoff` (all but its last row), a step at a
 * time: each step replays its rows from the actor's base, writes the new base and moves them. Returns the
 * rows moved; throws when a step's rows do not replay (the rows of that step and after stay).
 */
async function compactJournal(deps: RetentionDeps, actor: LongLivedActor, cutoff: number): Promise<number> {
  let base =
    actor.baseSnapshot === null
      ? null
      : { rev: actor.baseRev, version: actor.baseVersion ?? 0, snapshot: actor.baseSnapshot };
  const step = deps.rowsPerStep ?? ROWS_PER_STEP;
  let moved = 0;
  for (;;) {
    const rows = deps.archive.journalPrefix(actor.id, cutoff, step);
    if (rows.length === 0) return moved;
    const next = advanceJournalBase(deps.registry, actor.id, actor.machine, base, rows);
    deps.archive.moveJournalPrefix(
      base?.rev ?? 0,
      Object.assign({}, next, { actorId: actor.id, machine: actor.machine, at: rows.at(-1)!.at }),
    );
    base = next;
    moved += rows.length;
    await yieldToEvents();
    if (rows.length < step) return moved;
  }
}

/**
 * The engine's retention: a pass every `intervalMs`, and at once when `archive --now` asks through the
 * database (see archive-meta.ts). Passes never overlap.
 */
export class Retention {
  #running: Promise<ArchiveReport> | null = null;

  constructor(
    private readonly deps: RetentionDeps,
    readonly options: RetentionOptions,
  ) {}

  /** One pass (waits for a pass in flight first). */
  async pass(keepEndedForMs = this.options.keepEndedForMs): Promise<ArchiveReport> {
    while (this.#running !== null) await this.#running.catch(() => {});
    const run = archivePass(this.deps, keepEndedForMs);
    this.#running = run;
    try {
      const report = await run;
      if (report.orders + report.journalRows > 0) this.deps.logger.info(report, 'archived');
      return report;
    } finally {
      this.#running = null;
    }
  }
}
