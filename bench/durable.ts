import type { AnyEventObject } from 'xstate';
import type { Clock } from '../src/domain/clock.js';
import { onOrderUpdate } from '../src/engine/on-order-update.js';
import { projectors } from '../src/engine/projections.js';
import { ReadModel } from '../src/engine/read-model.js';
import { orderActorId } from '../src/machines/messages.js';
import { EngineStore } from '../src/persistence/engine-store.js';
import { openEngineDatabase } from '../src/persistence/open-database.js';
import type { Durability, SqliteEngineDatabase } from '../src/persistence/sqlite.js';
import { DurableRuntime } from '../src/runtime/durable-runtime.js';
import type { EffectHandler, OutboxRow } from '../src/runtime/types.js';
import { openLoop } from './open-loop.js';
import { Workload, benchOrder, benchSymbol } from './workload.js';
import type { WorkItem } from './workload.js';

/** Result of a throughput run. */
export interface ThroughputResult {
  events: number;
  seconds: number;
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  batches: number;
  /** The SQLite writer thread's commits during the run: p50/p99/max of one commit, and its busy share. */
  writer?: { p50Ms: number; p99Ms: number; maxMs: number; busyShare: number };
}

/** Hooks around the measured part of a run (after seeding): e.g. an allocation sampler. */
export interface MeasuredSpan {
  begin(): Promise<void>;
  end(): Promise<void>;
}

/** A venue that answers every call at once (the engine's own cost is what is measured). */
export function instantVenue(clock: Clock): EffectHandler {
  return {
    async execute(row: OutboxRow): Promise<AnyEventObject> {
      const input = row.input as { clientOrderId: string };
      const status = row.src === 'cancelOrder' ? 'cancelled' : 'open';
      const view = {
        venueOrderId: `v-${input.clientOrderId}`,
        status,
        filledQuantity: '0',
        sentAt: clock.now(),
        at: clock.now(),
      };
      const output = row.src === 'lookupOrder' ? { order: view, sentAt: clock.now(), at: clock.now() } : view;
      return { type: `xstate.done.actor.${row.childId}`, output };
    },
    recover: () => ({ redispatch: true }),
  };
}

/** The result of a run from its counts and per-command latencies (sorted here). */
export function summarize(
  events: number,
  seconds: number,
  batches: number,
  latencies: number[],
): ThroughputResult {
  latencies.sort((a, b) => a - b);
  return {
    events,
    seconds,
    eventsPerSec: events / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    batches,
  };
}

/** Percentile of sorted numbers. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Creates `n` open orders through the runtime. */
async function seedOrders(runtime: DurableRuntime, n: number, clock: Clock, symbols: number): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < n; i += 1) {
    const cid = `b${i}`;
    pending.push(runtime.spawn(orderActorId(cid), 'order', benchOrder(cid, i, clock.now(), symbols)));
    pending.push(
      runtime.send(orderActorId(cid), {
        type: 'ORDER_ACCEPTED',
        venueOrderId: `v-${cid}`,
        filledQuantity: '0',
      }),
    );
  }
  await Promise.all(pending);
}

async function apply(
  runtime: DurableRuntime,
  store: EngineStore,
  item: WorkItem,
  at: number,
  seq: number,
  symbols: number,
): Promise<void> {
  if (item.kind === 'fill') {
    const fill = {
      tradeId: item.tradeId,
      clientOrderId: item.clientOrderId,
      venueOrderId: `v-${item.clientOrderId}`,
      symbol: benchSymbol(item.clientOrderId, symbols),
      side: 'buy' as const,
      price: item.price,
      quantity: item.quantity,
      fee: '0',
      feeCurrency: 'USDT',
      liquidity: 'maker' as const,
      at,
    };
    await runtime.enqueue(onOrderUpdate('bench', store, { kind: 'fill', fill }));
    return;
  }
  // Enqueued together, in order: the queue applies them in this order, possibly in one batch.
  await Promise.all([
    item.kind === 'replace'
      ? runtime.send(orderActorId(item.clientOrderId), { type: 'CANCEL_ORDER', at })
      : null,
    runtime.spawn(orderActorId(item.replacement), 'order', benchOrder(item.replacement, seq, at, symbols)),
    runtime.send(orderActorId(item.replacement), { type: 'SUBMIT', at }),
  ]);
}

/**
 * Durable order events per second at `liveOrders` live order actors, with `concurrency` work items in flight,
 * and the latency from enqueue to commit of every command.
 */
export async function runDurable(options: {
  /** A SQLite file or a PostgreSQL URL. */
  file: string;
  durability: Durability;
  liveOrders: number;
  seconds: number;
  /** Symbols the orders are spread over (default 1): each has its own position book. */
  symbols?: number;
  /** Closed loop: this many work items in flight. */
  concurrency: number;
  /** Open loop instead: work items offered per second. */
  ratePerSec?: number;
  clock: Clock;
  /** Called when the measured part begins (after seeding) and when its last command has committed. */
  measured?: MeasuredSpan;
}): Promise<ThroughputResult> {
  const db = await openEngineDatabase(options.file, { durability: options.durability });
  const store = new EngineStore(db.db, db);
  const runtime = new DurableRuntime({
    store,
    effects: instantVenue(options.clock),
    clock: options.clock,
    projectors,
  });
  // The engine's live read model, fed by every commit as in Engine.open.
  const readModel = new ReadModel(options.clock, 'bench');
  runtime.onCommitted(readModel.committed);
  await runtime.start();
  readModel.recovered(runtime.liveActors());
  const symbols = options.symbols ?? 1;
  await seedOrders(runtime, options.liveOrders, options.clock, symbols);
  await runtime.settle(60_000);
  const work = new Workload({ liveOrders: options.liveOrders, seed: 7 });
  const latencies: number[] = [];
  const startEvents = runtime.stats.events;
  const startBatches = runtime.stats.batches;
  const writerStats = db.dialect === 'sqlite' ? (db as SqliteEngineDatabase).writer?.stats : undefined;
  if (writerStats) writerStats.durations = [];
  await options.measured?.begin();
  const started = performance.now();
  const until = started + options.seconds * 1000;
  let seq = options.liveOrders * 10;
  if (options.ratePerSec === undefined) {
    const worker = async (_: unknown, w: number) => {
      while (performance.now() < until) {
        const t0 = performance.now();
        await apply(runtime, store, work.item(w, options.concurrency), options.clock.now(), seq++, symbols);
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } else {
    // Open loop (see openLoop): each item's latency runs to its commit.
    const inFlight: Promise<void>[] = [];
    await openLoop(started, until, options.ratePerSec, (t0) => {
      inFlight.push(
        apply(runtime, store, work.item(), options.clock.now(), seq++, symbols).then(
          () => void latencies.push(performance.now() - t0),
        ),
      );
    });
    await Promise.all(inFlight);
  }
  await runtime.settle(30_000);
  const seconds = (performance.now() - started) / 1000;
  await options.measured?.end();
  const events = runtime.stats.events - startEvents;
  const batches = runtime.stats.batches - startBatches;
  await runtime.stop();
  await db.close();
  const result = summarize(events, seconds, batches, latencies);
  const commits = writerStats?.durations?.sort((a, b) => a - b);
  if (commits && commits.length > 0) {
    result.writer = {
      p50Ms: percentile(commits, 50),
      p99Ms: percentile(commits, 99),
      maxMs: commits.at(-1) ?? 0,
      busyShare: commits.reduce((a, b) => a + b, 0) / (seconds * 1000),
    };
  }
  return result;
}
