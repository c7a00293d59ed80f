import { isDeepStrictEqual } from 'node:util';
import { cmpStr } from '../domain/decimal.js';
import { describeError } from '../domain/errors.js';
import { machineRegistry } from '../machines/registry.js';
import type { MachineEntry } from '../machines/registry.js';
import type { ActorRecord, JournalRecord, LedgerCheck } from '../persistence/operator-queries.js';
import { replayStartOf } from './journal-base.js';
import type { JournalBase } from './journal-base.js';
import { replayJournal } from './rebuild.js';
import type { ReplayStart } from './rebuild.js';
import { statePath } from './snapshot-shape.js';

/** Where an actor's replay first departs from what is stored. */
export interface ReplayDivergence {
  actorId: string;
  /** The revision at which it departs. */
  rev: number;
  /** The journaled event of that revision, or null when that revision has no journal row. */
  eventType: string | null;
  reason: string;
}

/** What replay verification reads: the stored actors, their journals and the ledger. */
export interface ReplaySource {
  actorIds(): Promise<string[]>;
  actor(id: string): Promise<ActorRecord | null>;
  journal(actorId: string): Promise<JournalRecord[]>;
  /** Where the actor's journal starts when its oldest rows were archived (null: at `xstate.init`). */
  base(actorId: string): Promise<JournalBase | null>;
  ledger(): Promise<LedgerCheck>;
}

/** The verdict of `replay --verify`. */
export interface ReplayReport {
  /** Actors replayed. */
  actors: number;
  /** Journal rows replayed. */
  events: number;
  /** Actors whose replay departs from what is stored. */
  divergences: number;
  /** The first of them (actors in id order), or null. */
  firstDivergence: ReplayDivergence | null;
  /** Positions compared with the ledger. */
  positions: number;
  /** Position/ledger mismatches and (venue, tradeId) pairs held more than once. */
  ledgerProblems: string[];
}

/** JSON text, parsed; undefined when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The path of the first place where `a` and `b` differ (`context.filled`), or '' for the roots. */
function firstDifference(a: unknown, b: unknown, at = ''): string {
  if (isDeepStrictEqual(a, b)) return '';
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return at || '(root)';
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const inner = firstDifference(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      at ? `${at}.${k}` : k,
    );
    if (inner !== '') return inner;
  }
  return at || '(root)';
}

/**
 * Replays one actor from its journal alone through its machine and compares: every journal row's `state`
 * with the rebuilt snapshot's state path at that revision, the revisions with 1..the stored revision, and
 * the final rebuilt snapshot with the stored one. An actor whose oldest rows were archived replays from
 * its base (the snapshot those rows led to, checked by replay when they were archived): its revisions run
 * from the base's on. Returns the first divergence, or null.
 */
export function verifyActor(
  actor: ActorRecord,
  journal: readonly JournalRecord[],
  registry: Readonly<Record<string, MachineEntry>> = machineRegistry,
  base: JournalBase | null = null,
): ReplayDivergence | null {
  const diverges = (rev: number, eventType: string | null, reason: string): ReplayDivergence => ({
    actorId: actor.id,
    rev,
    eventType,
    reason,
  });
  const entry = registry[actor.machine];
  if (entry === undefined) return diverges(actor.rev, null, `unknown machine ${actor.machine}`);
  const first = (base?.rev ?? 0) + 1;
  for (let i = 0; i < journal.length; i++) {
    const row = journal[i]!;
    if (row.rev !== first + i) {
      return diverges(
        first + i,
        null,
        first + i < row.rev
          ? `journal row of rev ${first + i} is missing (the next one is rev ${row.rev})`
          : `journal has rev ${row.rev} where rev ${first + i} was expected`,
      );
    }
  }
  const end = first - 1 + journal.length;
  if (end < actor.rev) {
    return diverges(
      end + 1,
      null,
      `journal ends at rev ${end} but the stored snapshot is at rev ${actor.rev}`,
    );
  }
  if (end > actor.rev) {
    const extra = journal[actor.rev - first + 1]!;
    return diverges(extra.rev, extra.eventType, `journal goes on past the stored rev ${actor.rev}`);
  }
  let start: ReplayStart | undefined;
  try {
    start = base === null ? undefined : replayStartOf(registry, actor.id, actor.machine, base);
  } catch (err) {
    return diverges(base!.rev, null, `the journal base does not restore: ${describeError(err)}`);
  }
  let last: JournalRecord | undefined;
  let rebuilt: unknown;
  try {
    let final;
    for (const step of replayJournal(entry, journal, start)) {
      const state = statePath(step.snapshot.value);
      if (state !== step.row.state) {
        return diverges(
          step.row.rev,
          step.row.eventType,
          `replay reaches state ${state}, the journal says ${step.row.state}`,
        );
      }
      last = step.row;
      final = step.snapshot;
    }
    if (final === undefined) return diverges(1, null, 'the actor has no journal');
    rebuilt = JSON.parse(JSON.stringify(entry.machine.getPersistedSnapshot(final))) as unknown;
  } catch (err) {
    // The row after the last one replayed is the one whose event failed.
    const at = journal[(last?.rev ?? first - 1) - first + 1];
    return diverges(at?.rev ?? 1, at?.eventType ?? null, `replay failed: ${describeError(err)}`);
  }
  const stored = parseJson(actor.snapshot);
  if (stored === undefined)
    return diverges(actor.rev, last!.eventType, 'the stored snapshot is not valid JSON');
  if (!isDeepStrictEqual(rebuilt, stored)) {
    return diverges(
      actor.rev,
      last!.eventType,
      `the rebuilt snapshot differs from the stored one at ${firstDifference(rebuilt, stored)}`,
    );
  }
  if (actor.state !== last!.state) {
    return diverges(
      actor.rev,
      last!.eventType,
      `the stored state ${actor.state} differs from the journal's ${last!.state}`,
    );
  }
  return null;
}

/** Ledger problems of a ledger check: positions that differ from their fills, trades held twice. */
export function ledgerProblems(check: LedgerCheck): string[] {
  const problems: string[] = [];
  for (const p of check.positions) {
    if (cmpStr(p.position ?? '0', p.ledger) !== 0) {
      problems.push(
        `position ${p.venue} ${p.symbol} ${p.position ?? '(none)'} != sum of its ${p.fills} ledger fills ${p.ledger}`,
      );
    }
  }
  for (const d of check.duplicateTrades)
    problems.push(`trade ${d.venue} ${d.tradeId} is in the ledger ${d.count} times`);
  return problems;
}

/**
 * Rebuilds every actor from its journal alone and compares it with what is stored (see verifyActor), and
 * checks the positions against the ledger.
 */
export async function verifyReplay(source: ReplaySource): Promise<ReplayReport> {
  let actors = 0;
  let events = 0;
  let divergences = 0;
  let firstDivergence: ReplayDivergence | null = null;
  for (const id of await source.actorIds()) {
    const actor = await source.actor(id);
    if (actor === null) continue;
    const journal = await source.journal(id);
    actors += 1;
    events += journal.length;
    const divergence = verifyActor(actor, journal, machineRegistry, await source.base(id));
    if (divergence !== null) {
      divergences += 1;
      firstDivergence ??= divergence;
    }
  }
  const check = await source.ledger();
  return {
    actors,
    events,
    divergences,
    firstDivergence,
    positions: check.positions.filter((p) => p.position !== null).length,
    ledgerProblems: ledgerProblems(check),
  };
}
