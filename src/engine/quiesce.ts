import type { DurableRuntime } from '../runtime/durable-runtime.js';
import { topState } from './projections.js';

/** Order states in which the venue's answer is still awaited. */
export const UNSETTLED_ORDER_STATES: ReadonlySet<string> = new Set([
  'pendingNew',
  'submitting',
  'pendingCancel',
  'unconfirmed',
]);

/** Number of orders whose outcome at the venue is not settled yet. */
export function unsettledOrders(runtime: DurableRuntime): number {
  let n = 0;
  for (const actor of runtime.liveActors('order'))
    if (UNSETTLED_ORDER_STATES.has(topState(actor.state))) n += 1;
  return n;
}

/**
 * Waits (real time, at most `timeoutMs`) until no call is in flight and no order is unsettled. Timers keep
 * firing meanwhile, so unconfirmed orders get looked up. True if it got quiet.
 */
export async function waitUntilQuiet(runtime: DurableRuntime, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    await runtime.drain();
    if (runtime.openCalls === 0 && unsettledOrders(runtime) === 0) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What a graceful stop left behind. */
export interface StopReport {
  /** Every call answered and every order's outcome at the venue known before the stop timeout. */
  quiet: boolean;
  /** Orders still live (resting, or with an outcome not known yet) when the engine closed. */
  liveOrders: number;
}
