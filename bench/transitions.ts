/**
 * The two transitions of every fill, alone: `npx tsx bench/transitions.ts [n]` prints the time per order
 * fill (a partial fill of a resting order) and per position-book fill, through the runtime's
 * `pureTransition`, as the best and the median of five batches of `n` (default 10,000), then the bytes each
 * allocates (one more batch under the sampling heap profiler, by source). No I/O, no batch bookkeeping:
 * what the machines' guards, assigners and xstate itself cost. Last, the same for a one-field counter
 * machine (a targetless assign, and a move between two states): what xstate allocates per transition
 * whatever the machine.
 */
import { positionBookMachine } from '../src/machines/position-book.machine.js';
import { orderMachine } from '../src/machines/order.machine.js';
import { pureInitialTransition, pureTransition } from '../src/runtime/pure-transition.js';
import { assign, setup } from 'xstate';
import type { AnyMachineSnapshot } from 'xstate';
import { allocationSampler, describeSources } from './allocation.js';
import { benchOrder } from './workload.js';

const n = Number(process.argv[2] ?? 10_000);

const [created] = pureInitialTransition(orderMachine, benchOrder('c1', 0, 1));
const [resting] = pureTransition(orderMachine, created, {
  type: 'ORDER_ACCEPTED',
  venueOrderId: 'v1',
  filledQuantity: '0',
  at: 2,
});
if (resting.value !== 'open') throw new Error(`expected an open order, got ${JSON.stringify(resting.value)}`);

/** µs per partial fill of the same resting order (each with a new trade id). */
function orderFills(): number {
  const started = performance.now();
  for (let i = 0; i < n; i += 1) {
    const [next] = pureTransition(orderMachine, resting, {
      type: 'ORDER_FILLED',
      tradeId: `t${i}`,
      venueOrderId: 'v1',
      price: '40000',
      quantity: '0.25',
      fee: '0.01',
      feeCurrency: 'USDT',
      at: 3,
    });
    if (next === resting) throw new Error('the fill did not apply');
  }
  return ((performance.now() - started) * 1000) / n;
}

let book: AnyMachineSnapshot = pureInitialTransition(positionBookMachine, {
  venue: 'bench',
  symbol: 'BTC/USDT',
  at: 1,
})[0];

/** µs per fill of the position book, alternating buys and sells at one price. */
function bookFills(): number {
  const started = performance.now();
  for (let i = 0; i < n; i += 1) {
    [book] = pureTransition(positionBookMachine, book, {
      type: 'APPLY_FILL',
      tradeId: `t${i}`,
      side: i % 2 === 0 ? 'sell' : 'buy',
      price: '40000',
      quantity: '0.25',
      fee: '0.01',
      feeCurrency: 'USDT',
      at: 3,
    });
  }
  return ((performance.now() - started) * 1000) / n;
}

orderFills();
bookFills(); // warm-up
const order: number[] = [];
const books: number[] = [];
for (let k = 0; k < 5; k += 1) {
  order.push(orderFills());
  books.push(bookFills());
}
const show = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return `best ${sorted[0]!.toFixed(1)} µs, median ${sorted[2]!.toFixed(1)} µs`;
};
console.log(`order fill: ${show(order)}; position-book fill: ${show(books)} (${n} per batch)`);

const counter = setup({
  types: { context: {} as { n: number }, events: {} as { type: 'BUMP' | 'MOVE' } },
  actions: { bump: assign({ n: ({ context }) => context.n + 1 }) },
}).createMachine({
  id: 'counter',
  context: { n: 0 },
  initial: 'a',
  states: { a: { on: { BUMP: { actions: 'bump' }, MOVE: 'b' } }, b: { on: { MOVE: 'a' } } },
});
let count: AnyMachineSnapshot = pureInitialTransition(counter, undefined)[0];
/** `n` transitions of the counter machine on `type`. */
const counterSteps = (type: 'BUMP' | 'MOVE') => () => {
  for (let i = 0; i < n; i += 1) [count] = pureTransition(counter, count, { type });
};

for (const [name, run] of [
  ['order fill', orderFills],
  ['position-book fill', bookFills],
  ['counter machine, targetless assign', counterSteps('BUMP')],
  ['counter machine, move to another state, no action', counterSteps('MOVE')],
] as const) {
  run(); // warm-up
  const sampler = allocationSampler(1024);
  await sampler.begin();
  run();
  await sampler.end();
  const bytes = sampler.result(n);
  console.log(`${name}: ${bytes.bytesPerEvent} bytes allocated (${describeSources(bytes)})`);
}
