import { Rng } from '../src/adapters/paper/rng.js';
import type { OrderInput } from '../src/machines/order.machine.js';

/** A deterministic stream of order events over a fixed set of live orders. */
export interface WorkloadOptions {
  liveOrders: number;
  seed: number;
}

/** One event of the workload, independent of who applies it. */
export type WorkItem =
  | { kind: 'fill'; clientOrderId: string; tradeId: string; quantity: string; price: string }
  | { kind: 'replace' | 'new'; clientOrderId: string; replacement: string };

/**
 * The symbol of bench order `b<n>` among `symbols` symbols: BTC/USDT alone, else S0/USDT … S<k-1>/USDT by
 * n modulo k (an order's fills go to its symbol's position book).
 */
export function benchSymbol(clientOrderId: string, symbols = 1): string {
  if (symbols <= 1) return 'BTC/USDT';
  return `S${Number(clientOrderId.slice(1)) % symbols}/USDT`;
}

/** Order input for bench orders. */
export function benchOrder(clientOrderId: string, i: number, at: number, symbols = 1): OrderInput {
  return {
    clientOrderId,
    venue: 'bench',
    symbol: benchSymbol(clientOrderId, symbols),
    side: i % 2 === 0 ? 'buy' : 'sell',
    type: 'limit',
    price: String(40000 + (i % 1000)),
    quantity: '1',
    level: `l${i % 20}`,
    owner: null,
    requestWindowMs: 5000,
    timeouts: { ackMs: 60_000, cancelMs: 60_000, lookupRetryMs: 1000, absenceProofMs: 10_000 },
    maxAttempts: 3,
    at,
  };
}

/** Fills that complete an order (each fills a quarter of it). */
const FILLS_PER_ORDER = 4;

/**
 * Generates work, like a market maker's order flow: 90 % of items fill a quarter of a random live order
 * (each fill touches the order, the position book, the fill ledger and the projections); an order's fourth
 * fill completes it and its slot gets a new order (place call + result); 10 % of items cancel a live order
 * and replace it (cancel call + result, new order + place call + result). Seeded, so both engines see the
 * same sequence.
 */
export class Workload {
  readonly live: string[];
  private readonly fills: number[];
  private readonly rng: Rng;
  private trade = 0;
  private next: number;

  constructor(options: WorkloadOptions) {
    this.rng = new Rng(options.seed);
    this.live = Array.from({ length: options.liveOrders }, (_, i) => `b${i}`);
    this.fills = this.live.map(() => 0);
    this.next = options.liveOrders;
  }

  /** The next item for worker `worker` of `workers` (each worker owns every workers-th order). */
  item(worker = 0, workers = 1): WorkItem {
    const slots = Math.floor((this.live.length - 1 - worker) / workers) + 1;
    const index = worker + workers * this.rng.int(0, slots - 1);
    const clientOrderId = this.live[index]!;
    const filled = this.fills[index] === FILLS_PER_ORDER;
    if (filled || this.rng.next() < 0.1) {
      const replacement = `b${this.next++}`;
      this.live[index] = replacement;
      this.fills[index] = 0;
      return { kind: filled ? 'new' : 'replace', clientOrderId, replacement };
    }
    this.fills[index] = (this.fills[index] ?? 0) + 1;
    this.trade += 1;
    return { kind: 'fill', clientOrderId, tradeId: `t${this.trade}`, quantity: '0.25', price: '40000' };
  }
}
