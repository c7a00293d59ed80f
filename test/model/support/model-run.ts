import type { AnyEventObject, SimulatedClock } from 'xstate';
import { expect } from 'vitest';
import type { PaperVenue } from '../../../src/adapters/paper/paper-venue.js';
import { VenueEffects } from '../../../src/engine/venue-effects.js';
import type { DurableRuntime } from '../../../src/runtime/durable-runtime.js';
import { openEngineDatabase } from '../../../src/persistence/open-database.js';
import { newEngineTarget } from '../../support/dialects.js';
import type { TestDialect } from '../../support/dialects.js';
import {
  engineFile,
  idle,
  newClock,
  openPaper,
  venueFile,
  venueRequests,
} from '../../support/engine-harness.js';
import { newRuntime } from './model-engine.js';
import type { ModelEngine } from './model-engine.js';
import { ModelVenue } from './model-venue.js';
import type { SentCall } from './model-venue.js';
import { replayTimed } from './oracle.js';
import type { OracleRun, OracleStep } from './oracle.js';
import type { ModelPath, ModelSpec } from './path-generator.js';
import { dumpEngine, expectActorMatches, openCallKeys } from './store-checks.js';
import type { ActorView } from './store-checks.js';

/**
 * Runs one generated path against the real runtime: a real engine database (SQLite file), the real
 * DurableRuntime, and the paper venue behind a recording effect handler. `straight` keeps one runtime for
 * the whole path; `restored` stops the runtime after every step and builds a new one, with empty memory,
 * which restores every actor, call and timer from the file (`start()`) before the next step. After each
 * step the database must hold exactly what the model says.
 */

/** How a run treats the runtime between steps. */
export type RunMode = 'straight' | 'restored';

/** What a step's enactment can use. */
export interface StepContext {
  runtime: DurableRuntime;
  engine: ModelEngine;
  clock: SimulatedClock;
  venue: ModelVenue;
  paper: PaperVenue;
  oracle: OracleRun;
}

/** How a machine's model is enacted on the runtime. */
export interface ModelTarget {
  spec: ModelSpec;
  /** The id of the modeled actor in the runtime. */
  actorId: string;
  /** Creates the modeled actor (and whatever it needs) at T0. */
  create(ctx: StepContext): Promise<void>;
  /** Enacts a step whose event the runtime receives as a command (default: sent to the actor). */
  send?(ctx: StepContext, raw: AnyEventObject, step: OracleStep): Promise<void>;
  /** Checks the calls the venue received against the model (after a whole run). */
  expectSent?(oracle: OracleRun, sent: SentCall[]): void;
  /** More checks after creation (step undefined) and after each step. */
  check?(ctx: StepContext, view: ActorView, where: string, step: OracleStep | undefined): Promise<void>;
}

/** Everything a run left behind, for comparing the two runs of a path. */
export interface RunRecord {
  oracle: OracleRun;
  tables: Record<string, unknown[]>;
  sent: SentCall[];
  venueLog: unknown[];
  resumed: number;
}

async function settle(ctx: StepContext): Promise<void> {
  await idle(ctx.runtime);
  await ctx.venue.flush();
  await idle(ctx.runtime);
}

async function enact(target: ModelTarget, ctx: StepContext, raw: AnyEventObject, step: OracleStep) {
  if (step.kind === 'timer') {
    ctx.clock.set(step.now);
  } else if (step.kind === 'reply') {
    const call = step.call!;
    const event = { ...step.event, actorId: call.childId };
    if (!ctx.venue.reply(call.key, event)) {
      if (!step.lateReply) throw new Error(`call ${call.key} is not awaited by the runtime: it was lost`);
      // The call was abandoned by an earlier runtime: its late reply reaches this one.
      await ctx.runtime.enqueue({ kind: 'result', key: call.key, event });
    }
  } else if (target.send) {
    await target.send(ctx, raw, step);
  } else {
    const changed = await ctx.runtime.send(target.actorId, raw);
    expect(changed, `runtime.send reports whether step ${step.index + 1} changed the actor`).toBe(
      step.accepted,
    );
  }
  await settle(ctx);
}

async function check(
  target: ModelTarget,
  ctx: StepContext,
  view: ActorView,
  where: string,
  step?: OracleStep,
) {
  await expectActorMatches(ctx.engine, target.actorId, view, where);
  await target.check?.(ctx, view, where, step);
}

/** Runs `path` once in `mode` in the empty directory `dir`. */
export async function runPath(
  target: ModelTarget,
  path: ModelPath,
  mode: RunMode,
  dir: string,
  dialect: TestDialect,
): Promise<RunRecord> {
  const { machine, input, startTime } = target.spec;
  const oracle = replayTimed(machine, target.actorId, input, path.events, startTime);
  const clock = newClock(startTime);
  const paper = openPaper(venueFile(dir), clock);
  const venue = new ModelVenue(new VenueEffects(paper, clock));
  const where = newEngineTarget(dialect, engineFile(dir));
  const db = await openEngineDatabase(where.target, { durability: 'normal' });
  let dbOpen = true;
  const closeDb = async () => {
    if (dbOpen) await db.close();
    dbOpen = false;
  };
  const errors: string[] = [];
  let engine: ModelEngine | undefined;
  const open = async (): Promise<StepContext> => {
    venue.nextGeneration();
    engine = newRuntime(db, clock, venue);
    await engine.runtime.start();
    await idle(engine.runtime);
    return { runtime: engine.runtime, engine, clock, venue, paper, oracle };
  };
  const drop = async (): Promise<void> => {
    if (engine === undefined) return;
    const e = engine;
    engine = undefined;
    await e.runtime.stop();
    errors.push(...e.errors);
  };
  try {
    let ctx = await open();
    await target.create(ctx);
    await settle(ctx);
    await check(target, ctx, oracle.initial, `${mode} run, after creation`);
    for (const step of oracle.steps) {
      if (mode === 'restored') {
        const awaited = await openCallKeys(ctx.engine);
        await drop();
        ctx = await open();
        // The new runtime recovered and resumed every call still awaited (re-attached, not sent again),
        // and only those.
        expect(venue.recoveredNow().sort(), `calls recovered before step ${step.index + 1}`).toEqual(awaited);
        expect(venue.resumedNow().sort(), `calls resumed before step ${step.index + 1}`).toEqual(awaited);
      }
      const raw = path.events[step.index]!;
      const where = `${mode} run, after step ${step.index + 1} (${target.spec.label(raw, path.events.slice(0, step.index))})`;
      await enact(target, ctx, raw, step);
      await check(target, ctx, step, where, step);
    }
    await drop();
    await closeDb();
    await venue.flush();
    expect(errors, 'failures reported by the runtime').toEqual([]);
    return {
      oracle,
      tables: await dumpEngine(where.target),
      sent: venue.sent,
      venueLog: venueRequests(venueFile(dir)).map(({ id: _id, ...r }) => r),
      resumed: venue.resumed.length,
    };
  } finally {
    await drop();
    await closeDb();
    await paper.close();
    await where.drop();
  }
}
