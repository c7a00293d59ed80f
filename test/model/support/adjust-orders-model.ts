import type { AnyEventObject, AnyMachineSnapshot } from 'xstate';
import { Rng, deriveSeed } from '../../../src/adapters/paper/rng.js';
import { Dec, fmt } from '../../../src/domain/decimal.js';
import type { DesiredOrder } from '../../../src/domain/types.js';
import { adjustOrdersMachine } from '../../../src/machines/adjust-orders.machine.js';
import type { AdjustOrdersContext, AdjustOrdersInput } from '../../../src/machines/adjust-orders.machine.js';
import { adjusterActorId } from '../../../src/machines/messages.js';
import { SYMBOL, T0, VENUE } from '../../support/engine-harness.js';
import type { TracedAction } from './machine-graph.js';
import type { ModelSpec } from './path-generator.js';

/**
 * The AdjustOrders workflow's model: seeded desired sets (one quote; two quotes; a repriced quote plus a
 * third one over the two-order limit; nothing), up to three of them per path, and, for every order the
 * workflow tracks, the notifications its order actor can send: it ended (filled or cancelled) or someone
 * else asked to cancel it. Besides the machine's transitions, the tour reaches every combination of
 * state, event and commands emitted (spawn + submit, cancel) at least once.
 */

/** Desired sets offered per path. */
const MAX_SETS = 3;
/** Orders allowed at the venue, including those being cancelled. */
const MAX_OPEN = 2;
const ID_PREFIX = 'mm-';

const contextOf = (s: AnyMachineSnapshot): AdjustOrdersContext => s.context as AdjustOrdersContext;

/** Names the commands a step emitted: `spawn`, `cancel`, or `none`. */
function commandsOf(actions: readonly TracedAction[]): string {
  const kinds = new Set<string>();
  for (const a of actions) {
    if (a.type !== 'xstate.emit') continue;
    const type = (a.params as { event: AnyEventObject }).event.type;
    if (type === 'engine.spawn') kinds.add('spawn');
    if (type === 'CANCEL_ORDER') kinds.add('cancel');
  }
  return kinds.size === 0 ? 'none' : [...kinds].sort().join('+');
}

/** The AdjustOrders model for one seed. */
export function adjustOrdersModel(seed: number): ModelSpec & { input: AdjustOrdersInput; actorId: string } {
  const rng = new Rng(deriveSeed(seed, 'model:adjustOrders'));
  const mid = rng.int(9000, 11000);
  const price = (offset: number) => fmt(new Dec(String(mid + offset)).div('100'));
  const quantity = fmt(new Dec(String(rng.int(5, 50))).div('1000'));
  const quote = (side: 'buy' | 'sell', level: string, offset: number): DesiredOrder => ({
    side,
    price: price(offset),
    quantity,
    level,
  });
  const sets: { name: string; desired: DesiredOrder[] }[] = [
    { name: 'one bid', desired: [quote('buy', 'bid-0', -10)] },
    { name: 'bid + ask', desired: [quote('buy', 'bid-0', -10), quote('sell', 'ask-0', 10)] },
    {
      name: 'repriced bid + ask + bid-1',
      desired: [quote('buy', 'bid-0', -20), quote('sell', 'ask-0', 10), quote('buy', 'bid-1', -30)],
    },
    { name: 'nothing', desired: [] },
  ];
  const input: AdjustOrdersInput = {
    venue: VENUE,
    symbol: SYMBOL,
    maxOpenOrders: MAX_OPEN,
    orderDefaults: {
      requestWindowMs: 5000,
      timeouts: { ackMs: 3000, cancelMs: 3000, lookupRetryMs: 1000, absenceProofMs: 10_000 },
      maxAttempts: 2,
    },
    at: T0,
  };
  const events = (snapshot: AnyMachineSnapshot): AnyEventObject[] => {
    const c = contextOf(snapshot);
    const out: AnyEventObject[] = [];
    if (c.generation < MAX_SETS) {
      for (const set of sets) out.push({ type: 'ADJUST_ORDERS', desired: set.desired, idPrefix: ID_PREFIX });
    }
    for (const order of Object.values(c.orders)) {
      const changed = (state: string, terminal: boolean) => ({
        type: 'ORDER_STATE_CHANGED',
        clientOrderId: order.clientOrderId,
        state,
        terminal,
        filledQuantity: '0',
      });
      out.push(changed('cancelled', true), changed('filled', true));
      if (!order.cancelling) out.push(changed('pendingCancel', false));
    }
    return out;
  };
  const label = (e: AnyEventObject): string => {
    if (e.type === 'ADJUST_ORDERS') {
      const set = sets.find((s) => JSON.stringify(s.desired) === JSON.stringify(e.desired));
      return `ADJUST(${set?.name ?? '?'})`;
    }
    return `${String(e.clientOrderId)} ${String(e.state)}`;
  };
  return {
    machine: adjustOrdersMachine,
    input,
    startTime: T0,
    actorId: adjusterActorId(VENUE, SYMBOL),
    events,
    stateKey: (s) => {
      const c = contextOf(s);
      return JSON.stringify([s.value, c.generation, c.seq, c.desired, c.orders]);
    },
    goals: (from, event, to, actions) => [
      `${JSON.stringify(from.value)} ${label(event).replace(/^mm-\S+ /, '')} → ${JSON.stringify(to.value)}: ${commandsOf(actions)}`,
    ],
    label,
  };
}
