import type { AnyEventObject, AnyMachineSnapshot } from 'xstate';
import { Rng, deriveSeed } from '../../../src/adapters/paper/rng.js';
import { Dec, fmt } from '../../../src/domain/decimal.js';
import { orderMachine } from '../../../src/machines/order.machine.js';
import type {
  CallFailure,
  OrderContext,
  OrderInput,
  VenueOrderView,
} from '../../../src/machines/order.machine.js';
import type { VenueOrderStatus } from '../../../src/domain/types.js';
import { SYMBOL, T0, VENUE } from '../../support/engine-harness.js';
import type { ModelSpec } from './path-generator.js';

/**
 * The order machine's model: seeded payloads for every event it accepts (venue replies of every status,
 * call failures, the engine's denial of a place, fills of different sizes, fills that complete or overfill the order, duplicate trade ids,
 * lookups that prove or do not yet prove absence, the three timeouts). Payload times are chosen so that
 * guards never depend on when the runtime fires a timer: a lookup is sent either at T0 (before any
 * landing deadline) or far after every deadline.
 */

const VENUE_ORDER_ID = 'v-1';
const LATE = T0 + 1_000_000_000;
const STEP = '0.001';

const units = (n: number): string => fmt(new Dec(STEP).times(String(n)));
const contextOf = (s: AnyMachineSnapshot): OrderContext => s.context as OrderContext;

/** The order model for one seed. */
export function orderModel(seed: number): ModelSpec & { input: OrderInput; actorId: string } {
  const rng = new Rng(deriveSeed(seed, 'model:order'));
  const quantityUnits = rng.int(60, 200);
  const partialUnits = rng.int(1, Math.floor((quantityUnits - 1) / 2));
  const price = fmt(new Dec(String(rng.int(9000, 9990))).div('100'));
  const clientOrderId = `mo-${seed}`;
  const input: OrderInput = {
    clientOrderId,
    venue: VENUE,
    symbol: SYMBOL,
    side: rng.chance(0.5) ? 'buy' : 'sell',
    type: 'limit',
    price,
    quantity: units(quantityUnits),
    level: 'bid-0',
    owner: null,
    requestWindowMs: 5000,
    timeouts: { ackMs: 3000, cancelMs: 2000, lookupRetryMs: 1000, absenceProofMs: 10_000 },
    maxAttempts: 2,
    at: T0,
  };
  const view = (status: VenueOrderStatus, filledQuantity = '0'): VenueOrderView => ({
    venueOrderId: VENUE_ORDER_ID,
    status,
    filledQuantity,
    sentAt: T0 + 1,
    at: T0 + 2,
  });
  const failure = (kind: CallFailure['kind'], message: string): CallFailure =>
    kind === 'unknown' ? { kind, message, notAfter: T0 + 5000, at: T0 + 3 } : { kind, message, at: T0 + 3 };
  const fill = (c: OrderContext, tradeId: string, quantity: string, venueOrderId?: string) => ({
    type: 'ORDER_FILLED',
    tradeId,
    ...(venueOrderId === undefined ? {} : { venueOrderId }),
    price,
    quantity,
    fee: fmt(new Dec(price).times(quantity).times('0.0001')),
    feeCurrency: 'USDT',
    at: T0 + 10 + c.tradeIds.length + c.quarantinedTradeIds.length,
  });

  const fillsFor = (snapshot: AnyMachineSnapshot): AnyEventObject[] => {
    const c = contextOf(snapshot);
    const remaining = fmt(new Dec(c.quantity).minus(c.filledQuantity));
    const next = `tr-${c.tradeIds.length + c.quarantinedTradeIds.length + 1}`;
    const fills: AnyEventObject[] = [];
    // At most three trades per order in the model (two partial fills, then one that completes it or not).
    if (c.tradeIds.length + c.quarantinedTradeIds.length < 3) {
      if (c.tradeIds.length < 2) fills.push(fill(c, next, units(partialUnits), VENUE_ORDER_ID));
      // A fill that overtakes the place reply may not carry the venue's order id yet.
      if (c.tradeIds.length === 0 && c.venueOrderId === null) {
        fills.push(fill(c, `${next}-anon`, units(partialUnits)));
      }
      if (new Dec(remaining).gt('0')) fills.push(fill(c, `${next}-last`, remaining, VENUE_ORDER_ID));
      if (c.quarantinedTradeIds.length === 0) {
        fills.push(fill(c, `${next}-over`, fmt(new Dec(remaining).plus(STEP)), VENUE_ORDER_ID));
      }
    }
    const seen = c.tradeIds[0] ?? c.quarantinedTradeIds[0];
    if (seen !== undefined) fills.push(fill(c, seen, units(partialUnits), VENUE_ORDER_ID));
    return fills;
  };

  /** Replies of the calls in flight, or one late reply of a call nobody waits for any more. */
  const repliesFor = (snapshot: AnyMachineSnapshot): AnyEventObject[] => {
    const c = contextOf(snapshot);
    const children = snapshot.children as Record<string, unknown>;
    const filled = c.filledQuantity;
    const out: AnyEventObject[] = [];
    if ('placeOrder' in children) {
      for (const s of ['open', 'filled', 'cancelled', 'rejected', 'expired'] as const)
        out.push({
          type: 'xstate.done.actor.placeOrder',
          output: view(s, s === 'filled' ? c.quantity : '0'),
        });
      out.push({ type: 'xstate.error.actor.placeOrder', error: failure('rejected', 'insufficient balance') });
      out.push({ type: 'xstate.error.actor.placeOrder', error: failure('unknown', 'timed out') });
      // The engine's gate refused to send it, instead of the call's result (risk checks, trading state).
      out.push(
        {
          type: 'PLACE_DENIED',
          reason: 'denied by risk: maxPosition (0.3 beyond ±0.2)',
          rule: 'maxPosition',
        },
        { type: 'PLACE_DENIED', reason: 'denied by the trading state: halted' },
      );
    } else if (c.attempt > 0) {
      out.push({ type: 'xstate.done.actor.placeOrder', output: view('open') });
    }
    if ('cancelOrder' in children) {
      for (const s of ['open', 'filled', 'cancelled', 'expired'] as const)
        out.push({
          type: 'xstate.done.actor.cancelOrder',
          output: view(s, s === 'filled' ? c.quantity : filled),
        });
      out.push({ type: 'xstate.error.actor.cancelOrder', error: failure('unknown', 'connection reset') });
    }
    if ('lookupOrder' in children) {
      for (const s of ['open', 'filled', 'cancelled', 'rejected', 'expired'] as const) {
        const order = view(s, s === 'filled' ? c.quantity : filled);
        out.push({ type: 'xstate.done.actor.lookupOrder', output: { order, sentAt: T0 + 1, at: T0 + 2 } });
      }
      const notFound = (sentAt: number) => ({
        type: 'xstate.done.actor.lookupOrder',
        output: { order: null, searched: true, sentAt, at: sentAt + 1 },
      });
      out.push(notFound(T0), notFound(LATE));
      // A known order not found again, a whole absence window after the first such answer: once it is the
      // third answer in a row, its absence is proven.
      if (c.absentSince !== null) out.push(notFound(c.absentSince + c.timeouts.absenceProofMs));
      out.push({ type: 'xstate.error.actor.lookupOrder', error: failure('unknown', 'connection reset') });
    }
    return out;
  };

  const events = (snapshot: AnyMachineSnapshot): AnyEventObject[] => {
    const c = contextOf(snapshot);
    const facts = { venueOrderId: VENUE_ORDER_ID, filledQuantity: c.filledQuantity };
    const timers: AnyEventObject[] = [];
    if (snapshot.matches('submitting')) timers.push({ type: 'xstate.after.ACK_TIMEOUT.order.submitting' });
    if (snapshot.matches('pendingCancel'))
      timers.push({ type: 'xstate.after.CANCEL_TIMEOUT.order.pendingCancel' });
    if (snapshot.matches({ unconfirmed: 'waiting' }))
      timers.push({ type: 'xstate.after.LOOKUP_RETRY.order.unconfirmed.waiting' });
    // A report whose cumulative filled quantity runs ahead of the fills applied (its trades still to come).
    const more = new Dec(c.filledQuantity).plus(units(partialUnits));
    const ahead = fmt(more.gt(c.quantity) ? new Dec(c.quantity) : more);
    return [
      { type: 'SUBMIT' },
      { type: 'CANCEL_ORDER' },
      { type: 'RECONCILE_ORDER' },
      { type: 'ORDER_ACCEPTED', ...facts },
      { type: 'ORDER_ACCEPTED', venueOrderId: VENUE_ORDER_ID, filledQuantity: ahead },
      { type: 'ORDER_COMPLETED', venueOrderId: VENUE_ORDER_ID, filledQuantity: c.quantity },
      { type: 'ORDER_CANCELLED', ...facts },
      { type: 'ORDER_EXPIRED', ...facts },
      { type: 'ORDER_REJECTED', reason: 'insufficient balance' },
      ...fillsFor(snapshot),
      ...repliesFor(snapshot),
      ...timers,
    ];
  };

  const stateKey = (s: AnyMachineSnapshot): string => {
    const c = contextOf(s);
    return JSON.stringify([
      s.value,
      c.cancelRequested,
      c.filledQuantity,
      c.tradeIds,
      c.quarantinedTradeIds,
      c.venueOrderId,
      c.landingDeadline !== null,
      c.attempt,
      Math.min(c.absentAnswers, 3),
      new Dec(c.venueFilledQuantity).gt(c.filledQuantity),
    ]);
  };

  return {
    machine: orderMachine,
    input,
    startTime: T0,
    actorId: `order/${clientOrderId}`,
    events,
    stateKey,
    label: orderEventLabel,
    ignoredRank: (e) => {
      if (e.type === 'ORDER_FILLED') return 0;
      if (e.type.startsWith('xstate.done.') || e.type.startsWith('xstate.error.')) return 1;
      if (e.type.startsWith('ORDER_')) return 2;
      return undefined;
    },
  };
}

/** A short label for an order event: its type and the payload variant that matters. */
export function orderEventLabel(e: AnyEventObject, earlier: readonly AnyEventObject[]): string {
  const short = e.type.replace(/^xstate\.(done|error)\.actor\./, '$1.').replace(/^xstate\.after\./, 'after.');
  if (e.type === 'ORDER_FILLED') {
    const id = String(e.tradeId);
    const kind = earlier.some((x) => x.type === 'ORDER_FILLED' && x.tradeId === id)
      ? 'duplicate'
      : id.endsWith('-last')
        ? 'completing'
        : id.endsWith('-over')
          ? 'overfill'
          : id.endsWith('-anon')
            ? 'partial, no venue id'
            : 'partial';
    return `FILL(${id} ${kind} ${String(e.quantity)})`;
  }
  if (short.startsWith('after.')) return short.split('.').slice(0, 2).join('.');
  if (e.type === 'PLACE_DENIED') return `PLACE_DENIED(${String(e.rule ?? 'trading state')})`;
  const out = (e as { output?: { status?: string; order?: { status: string } | null; sentAt?: number } })
    .output;
  if (out !== undefined) {
    if ('order' in out) {
      if (out.order === null) return `${short}(not found, ${out.sentAt === T0 ? 'early' : 'late'})`;
      return `${short}(${out.order?.status})`;
    }
    return `${short}(${out.status})`;
  }
  const err = (e as { error?: CallFailure }).error;
  if (err !== undefined) return `${short}(${err.kind})`;
  return short;
}
