import { PerformanceObserver } from 'node:perf_hooks';
import type { AnyEventObject, AnyMachineSnapshot } from 'xstate';
import { orderMachine } from '../src/machines/order.machine.js';
import { positionBookMachine } from '../src/machines/position-book.machine.js';
import { pureInitialTransition, pureTransition } from '../src/runtime/pure-transition.js';
import { percentile, summarize } from './durable.js';
import { openLoop } from './open-loop.js';
import type { MeasuredSpan, ThroughputResult } from './durable.js';
import { Workload, benchOrder } from './workload.js';

/** What the floor run measured: the durable run's figures, for transitions alone. */
export interface FloorResult extends ThroughputResult {
  /** Minor-GC (scavenge) pauses during the run. */
  scavenges: number;
  scavengeP99Ms: number;
}

/** The instant venue's answer to a place or cancel call, as the durable benchmark's venue gives it. */
function venueAnswer(child: 'placeOrder' | 'cancelOrder', cid: string, at: number): AnyEventObject {
  const status = child === 'cancelOrder' ? 'cancelled' : 'open';
  const output = { venueOrderId: `v-${cid}`, status, filledQuantity: '0', sentAt: at, at };
  return { type: `xstate.done.actor.${child}`, output };
}

/**
 * The xstate floor under the durable figures: the durable benchmark's open-loop workload (same seed, same
 * mix, same arrival process), applying only the machines' pure transitions to snapshots held in a Map.
 * Nothing is batched, journaled, serialized, written or posted to another thread, and a call's answer is
 * applied at once. What is left is what every event costs in xstate and in our guards and assigners, and
 * the garbage collection it causes. Its latency percentiles bound from below what any persistence around
 * these machines can reach on this machine at this rate.
 */
export async function runXstateFloor(options: {
  liveOrders: number;
  seconds: number;
  ratePerSec: number;
  /** Called when the measured part begins (after seeding) and when it ends. */
  measured?: MeasuredSpan;
}): Promise<FloorResult> {
  const orders = new Map<string, AnyMachineSnapshot>();
  let book = pureInitialTransition(positionBookMachine, { venue: 'bench', symbol: 'BTC/USDT', at: 0 })[0];
  let events = 0;
  const step = (cid: string, event: AnyEventObject) => {
    const [next] = pureTransition(orderMachine, orders.get(cid)!, event);
    orders.set(cid, next);
    events += 1;
    return next;
  };
  const place = (cid: string, i: number, at: number) => {
    orders.set(cid, pureInitialTransition(orderMachine, benchOrder(cid, i, at))[0]);
    events += 1;
    step(cid, { type: 'SUBMIT', at });
    const placed = step(cid, venueAnswer('placeOrder', cid, at));
    if (placed.value !== 'open') throw new Error(`floor: ${cid} is ${JSON.stringify(placed.value)}`);
  };
  for (let i = 0; i < options.liveOrders; i += 1) place(`b${i}`, i, 0);
  const work = new Workload({ liveOrders: options.liveOrders, seed: 7 });
  let seq = options.liveOrders * 10;
  const apply = (at: number) => {
    const item = work.item();
    if (item.kind === 'fill') {
      const fill = { tradeId: item.tradeId, price: item.price, quantity: item.quantity, fee: '0' };
      step(item.clientOrderId, {
        type: 'ORDER_FILLED',
        venueOrderId: `v-${item.clientOrderId}`,
        ...fill,
        feeCurrency: 'USDT',
        at,
      });
      [book] = pureTransition(positionBookMachine, book, {
        type: 'APPLY_FILL',
        side: 'buy',
        ...fill,
        feeCurrency: 'USDT',
        at,
      });
      events += 1;
      return;
    }
    if (item.kind === 'replace') {
      step(item.clientOrderId, { type: 'CANCEL_ORDER', at });
      step(item.clientOrderId, venueAnswer('cancelOrder', item.clientOrderId, at));
    }
    orders.delete(item.clientOrderId);
    place(item.replacement, seq++, at);
  };
  const pauses: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === 1) pauses.push(e.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const latencies: number[] = [];
  await options.measured?.begin();
  const started = performance.now();
  const until = started + options.seconds * 1000;
  const startEvents = events;
  // The durable benchmark's open-loop driver; an item's latency ends when its transitions are applied.
  const issued = await openLoop(started, until, options.ratePerSec, (t0) => {
    apply(Date.now());
    latencies.push(performance.now() - t0);
  });
  const seconds = (performance.now() - started) / 1000;
  await options.measured?.end();
  observer.disconnect();
  pauses.sort((a, b) => a - b);
  return {
    ...summarize(events - startEvents, seconds, issued, latencies),
    scavenges: pauses.length,
    scavengeP99Ms: percentile(pauses, 99),
  };
}
