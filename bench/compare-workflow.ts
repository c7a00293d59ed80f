import { summarize } from './durable.js';

/** One order of the compared workflow: a market order the paper venue fills at once. */
export interface BenchOrder {
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: string;
}

/** The same order workflow, as one of the compared systems runs it. */
export interface OrderWorkflow {
  name: string;
  /** Runs one order's workflow to its end: intent recorded, placed, acknowledgement and position recorded. */
  run(order: BenchOrder): Promise<void>;
  /** Transactions this system has committed so far, where it counts them. */
  commits?(): number;
  close(): Promise<void>;
}

/** Orders per second and the latency of one whole workflow. */
export interface WorkflowRate {
  orders: number;
  ordersPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Transactions committed per order, where the system counts them. */
  commitsPerOrder?: number;
}

/**
 * Runs `workflow` for `seconds` with `concurrency` workflows in flight (each worker starts its next order
 * when its previous one has ended). Orders alternate buy and sell, so positions stay small.
 */
export async function measureWorkflow(
  workflow: OrderWorkflow,
  tag: string,
  seconds: number,
  concurrency: number,
): Promise<WorkflowRate> {
  const latencies: number[] = [];
  const commitsBefore = workflow.commits?.();
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; performance.now() < until; i += 1) {
        const t0 = performance.now();
        await workflow.run({
          clientOrderId: `${tag}-${w}-${i}`,
          symbol: 'BTC/USDT',
          side: i % 2 === 0 ? 'buy' : 'sell',
          quantity: '0.001',
        });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const r = summarize(latencies.length, (performance.now() - started) / 1000, 1, latencies);
  const rate: WorkflowRate = {
    orders: r.events,
    ordersPerSec: r.eventsPerSec,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
  };
  const commitsAfter = workflow.commits?.();
  if (commitsBefore !== undefined && commitsAfter !== undefined && r.events > 0) {
    rate.commitsPerOrder = (commitsAfter - commitsBefore) / r.events;
  }
  return rate;
}
