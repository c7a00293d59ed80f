import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { SimulatedClock } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { createPaperVenue } from '../../src/adapters/paper/paper-venue.js';
import type { PaperMarket, PaperVenue } from '../../src/adapters/paper/paper-venue.js';
import type { PaperVenueOptions } from '../../src/adapters/paper/paper-venue-options.js';
import { projectors } from '../../src/engine/projections.js';
import { VenueEffects } from '../../src/engine/venue-effects.js';
import type { CallKind } from '../../src/machines/messages.js';
import type { MachineEntry } from '../../src/machines/registry.js';
import type { CallFailure, OrderInput, VenueOrderView } from '../../src/machines/order.machine.js';
import { EngineStore } from '../../src/persistence/engine-store.js';
import { openPaperVenueStore } from '../../src/persistence/venues/paper-venue-store.js';
import type { StoredRequest } from '../../src/persistence/venues/paper-venue-store.js';
import type { Database } from '../../src/persistence/schema.js';
import type { EngineDatabase } from '../../src/persistence/engine-database.js';
import { openEngineDatabase } from '../../src/persistence/open-database.js';
import { DurableRuntime } from '../../src/runtime/durable-runtime.js';
import type { CallGate, EffectHandler, OutboxRow, RecoveryDecision } from '../../src/runtime/types.js';

/**
 * Shared wiring for runtime, persistence and OnOrderUpdate tests: a real SQLite engine database, the real
 * runtime and projections, and either the real paper venue (behind VenueEffects) or a scripted double of
 * the venue side (an EffectHandler). The database is never mocked.
 */

export const VENUE = 'paper';
export const SYMBOL = 'BTC/USDT';
export const T0 = 1_000_000;
export const MARKET: PaperMarket = {
  symbol: SYMBOL,
  initialPrice: '100',
  tickSize: '0.1',
  stepSize: '0.001',
  minQuantity: '0.001',
  minNotional: '5',
};

/** A SimulatedClock already set to `at`. */
export function newClock(at = T0): SimulatedClock {
  const clock = new SimulatedClock();
  clock.set(at);
  return clock;
}

/** The intent of a resting limit buy of 0.1 at 99 (the paper venue's ask is 100.1: it rests). */
export function orderInput(clientOrderId: string, over: Partial<OrderInput> = {}): OrderInput {
  return {
    clientOrderId,
    venue: VENUE,
    symbol: SYMBOL,
    side: 'buy',
    type: 'limit',
    price: '99',
    quantity: '0.1',
    level: 'bid-0',
    owner: null,
    requestWindowMs: 5000,
    timeouts: { ackMs: 3000, cancelMs: 3000, lookupRetryMs: 1000, absenceProofMs: 10_000 },
    maxAttempts: 2,
    at: T0,
    ...over,
  };
}

/** Makes an effect handler once the runtime exists (VenueEffects asks the runtime whether a call is awaited). */
export type EffectsFactory = (isAwaited: (key: string) => boolean) => EffectHandler;

/** An engine database with a runtime on it. */
export interface EngineHandle {
  db: EngineDatabase;
  store: EngineStore;
  runtime: DurableRuntime;
  errors: { what: string; err: unknown }[];
  /** Stops the runtime (timers disarmed, queue drained) and closes the database. Idempotent. */
  close(): Promise<void>;
}

export async function openEngine(options: {
  /** A SQLite file or a PostgreSQL URL (see engineTargetPerTest). */
  file: string;
  clock: SimulatedClock;
  effects: EffectHandler | EffectsFactory;
  registry?: Record<string, MachineEntry>;
  /** False: the store gets no synchronous snapshot reader, so recovery loads every snapshot at start. */
  snapshotReader?: boolean;
  /** Guards call intents (see CallGate). */
  gate?: CallGate;
}): Promise<EngineHandle> {
  const db = await openEngineDatabase(options.file);
  const store =
    options.snapshotReader === false
      ? new EngineStore(db.db, { setFullSync: (full) => db.setFullSync(full), writer: db.writer })
      : new EngineStore(db.db, db);
  const ref: { runtime?: DurableRuntime } = {};
  const effects =
    typeof options.effects === 'function'
      ? options.effects((key) => ref.runtime?.isAwaited(key) ?? false)
      : options.effects;
  const errors: { what: string; err: unknown }[] = [];
  const rt = new DurableRuntime({
    store,
    effects,
    clock: options.clock,
    projectors,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.gate ? { gate: options.gate } : {}),
    onError: (what, err) => errors.push({ what, err }),
  });
  ref.runtime = rt;
  let closed = false;
  return {
    db,
    store,
    runtime: rt,
    errors,
    close: async () => {
      if (closed) return;
      closed = true;
      await rt.stop();
      await db.close();
    },
  };
}

/** The real paper venue on its own SQLite file (no price feed running: nothing fills by itself). */
export function openPaper(
  file: string,
  clock: SimulatedClock,
  over: Partial<PaperVenueOptions> = {},
): PaperVenue {
  return createPaperVenue({ dbPath: file, seed: 7, clock, markets: [MARKET], ...over });
}

/** VenueEffects on `venue` (whose own budget, if any, is the only one). */
export function paperEffects(venue: PaperVenue, clock: SimulatedClock): EffectsFactory {
  return (isAwaited) => new VenueEffects(venue, clock, isAwaited);
}

/** The paper venue's request log, read from its file through a second connection. */
export function venueRequests(file: string): StoredRequest[] {
  const store = openPaperVenueStore(file);
  try {
    return store.requests();
  } finally {
    store.close();
  }
}

/** `[kind, outcome]` of each logged venue request. */
export function requestKinds(file: string): [string, string][] {
  return venueRequests(file).map((r) => [r.kind, r.outcome]);
}

/** What a scripted venue double answers for one call. */
export type Answer = AnyEventObject | 'hang' | Promise<AnyEventObject>;

/**
 * A hand-written double of the venue side: records every call and recovery, answers from a script.
 * `hang` means the call never answers (the process dies before the reply).
 */
export class ScriptedEffects implements EffectHandler {
  readonly calls: OutboxRow[] = [];
  readonly recovered: OutboxRow[] = [];

  constructor(
    private readonly answer: (row: OutboxRow) => Answer,
    private readonly onRecover: (row: OutboxRow, now: number) => RecoveryDecision = () => ({
      redispatch: true,
    }),
  ) {}

  execute(row: OutboxRow): Promise<AnyEventObject> {
    this.calls.push(row);
    const a = this.answer(row);
    if (a === 'hang') return new Promise<AnyEventObject>(() => {});
    return Promise.resolve(a);
  }

  recover(row: OutboxRow, _kind: CallKind, now: number): RecoveryDecision {
    this.recovered.push(row);
    return this.onRecover(row, now);
  }

  /** `src` of each call, in order. */
  srcs(): string[] {
    return this.calls.map((c) => c.src);
  }
}

export const doneEvent = (row: OutboxRow, output: unknown): AnyEventObject => ({
  type: `xstate.done.actor.${row.childId}`,
  output,
  actorId: row.childId,
});

export const errorEvent = (row: OutboxRow, error: CallFailure): AnyEventObject => ({
  type: `xstate.error.actor.${row.childId}`,
  error,
  actorId: row.childId,
});

/** The venue's view of an order as a call reply. */
export function venueView(at: number, over: Partial<VenueOrderView> = {}): VenueOrderView {
  return { venueOrderId: 'v1', status: 'open', filledQuantity: '0', sentAt: at, at, ...over };
}

/** A promise with its resolver. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export const immediate = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Waits until the runtime has nothing left to do right now (queue drained, no new batch for a while).
 * Unlike `settle`, it does not wait for calls that never answer.
 */
export async function idle(runtime: DurableRuntime): Promise<void> {
  let last = -1;
  let quiet = 0;
  for (let i = 0; i < 500 && quiet < 10; i += 1) {
    await runtime.drain();
    await immediate();
    if (runtime.stats.batches === last) quiet += 1;
    else quiet = 0;
    last = runtime.stats.batches;
  }
}

/** Advances the simulated clock (firing due timers) and lets the runtime finish what that started. */
export async function advance(clock: SimulatedClock, runtime: DurableRuntime, ms: number): Promise<void> {
  clock.increment(ms);
  await idle(runtime);
}

/** A plain better-sqlite3 connection to the same file (for triggers and writes behind the runtime's back). */
export function rawConnection(file: string): SqliteDatabase.Database {
  const raw = new SqliteDatabase(file);
  raw.pragma('busy_timeout = 5000');
  return raw;
}

const TABLES = [
  'actors',
  'journal',
  'ignored_facts',
  'outbox',
  'timers',
  'meta',
  'orders',
  'fills',
  'positions',
  'anomalies',
] as const;

/** Every row of every engine and domain table, in a stable order: for "nothing changed" assertions. */
export async function dumpTables(db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    out[table] = await db.selectFrom(table).selectAll().execute();
  }
  for (const rows of Object.values(out))
    rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return out;
}

/** The engine database file inside `dir`. */
export const engineFile = (dir: string): string => path.join(dir, 'engine.sqlite');
/** The paper venue file inside `dir`. */
export const venueFile = (dir: string): string => path.join(dir, 'venue.sqlite');

/** A raw pushed fill, as the venue would send it (validate with parseVenueEvent). */
export function rawFill(over: Record<string, unknown> = {}): { kind: 'fill'; fill: Record<string, unknown> } {
  return {
    kind: 'fill',
    fill: {
      tradeId: 't1',
      clientOrderId: 'o1',
      venueOrderId: '1',
      symbol: SYMBOL,
      side: 'buy',
      price: '99',
      quantity: '0.04',
      fee: '0.000396',
      feeCurrency: 'USDT',
      liquidity: 'maker',
      at: T0 + 10,
      ...over,
    },
  };
}

/** A raw pushed order report. */
export function rawOrder(over: Record<string, unknown> = {}): {
  kind: 'order';
  order: Record<string, unknown>;
} {
  return {
    kind: 'order',
    order: {
      clientOrderId: 'o1',
      venueOrderId: '1',
      symbol: SYMBOL,
      side: 'buy',
      type: 'limit',
      price: '99',
      quantity: '0.1',
      filledQuantity: '0',
      status: 'open',
      updatedAt: T0 + 10,
      ...over,
    },
  };
}
