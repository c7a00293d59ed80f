import type { VenueOrder, VenuePort } from '../domain/venue-port.js';
import type { Clock } from '../domain/clock.js';
import { Dec } from '../domain/decimal.js';
import type { OrderContext, OrderInput, OrderTimeouts } from '../machines/order.machine.js';
import { orderActorId } from '../machines/messages.js';
import type { EngineStore } from '../persistence/engine-store.js';
import type { DurableRuntime } from '../runtime/durable-runtime.js';
import { workCommand } from '../runtime/types.js';
import type { TxApi } from '../runtime/types.js';
import { onOrderUpdate } from './on-order-update.js';
import type { UpdateOutcome } from './on-order-update.js';
import { topState } from './projections.js';
import { retryRead } from '../domain/retry.js';
import type { ReadRetry } from '../domain/retry.js';

/** What to do with an open venue order this database does not know. */
export type UnknownOrderPolicy = 'cancel-own' | 'cancel-all' | 'report';

/** What reconciliation needs. */
export interface ReconcileDeps {
  venue: VenuePort;
  runtime: DurableRuntime;
  store: EngineStore;
  /** Prefix every clientOrderId of this database starts with. */
  ownPrefix: string;
  policy: UnknownOrderPolicy;
  /** Where the trade cursor starts on a new database. */
  installedAt: number;
  timeouts: OrderTimeouts;
  clock: Clock;
}

/** How the meta key of a trade cursor starts (then `<venue>/<symbol>`). */
export const TRADE_CURSOR_PREFIX = 'tradeCursor/';

/** Meta key of a venue symbol's trade cursor: every fill the venue timed before it has been applied. */
export const tradeCursorKey = (venue: string, symbol: string): string =>
  `${TRADE_CURSOR_PREFIX}${venue}/${symbol}`;

/** Margin for the venue's clock running behind ours (and for fills committed while we asked). */
const CLOCK_SKEW_MS = 5_000;

/**
 * Fetches the account's fills of `symbol` since the trade cursor and applies each through OnOrderUpdate
 * (duplicates change nothing); then moves the cursor to when it asked, minus a skew margin. Only a
 * completed gap-fill moves the cursor (pushed fills never do), so a fill the stream lost is always found
 * by the next one. Returns how many fills were new.
 */
export async function gapFill(deps: ReconcileDeps, symbol: string): Promise<number> {
  const { venue, runtime, store } = deps;
  const key = tradeCursorKey(venue.id, symbol);
  const cursor = Number((await store.getMeta(key)) ?? deps.installedAt - CLOCK_SKEW_MS);
  const askedAt = deps.clock.now();
  const fills = await retryRead(deps.clock, () => venue.fetchMyTrades(symbol, Math.max(0, cursor)));
  const outcomes = await Promise.all(
    fills.map((fill) => runtime.enqueue(onOrderUpdate(venue.id, store, { kind: 'fill', fill }))),
  );
  const next = Math.max(cursor, askedAt - CLOCK_SKEW_MS);
  await runtime.enqueue(
    workCommand<undefined>({
      kind: 'work',
      name: 'gapFill.cursor',
      run: (tx) => tx.setCursor(key, next),
    }),
  );
  return outcomes.filter((o) => (o as UpdateOutcome) !== 'duplicate').length;
}

/** What an open-orders reconciliation did. */
export interface OpenOrdersReport {
  lookedUp: string[];
  adopted: string[];
  reported: string[];
}

/**
 * Compares the venue's open orders of `symbol` with ours. Our open orders the venue does not list are sent
 * RECONCILE_ORDER (a lookup decides their fate: one missing answer is no proof, see the order machine);
 * each one it lists with fills is applied as a status report (its filled quantity may run ahead of the
 * fills we have); venue orders we do not know are adopted and cancelled or reported, per policy. Every decision is
 * journaled.
 */
export async function reconcileOpenOrders(
  deps: ReconcileDeps,
  symbol: string,
  retry?: ReadRetry,
): Promise<OpenOrdersReport> {
  const { venue, runtime, store } = deps;
  const atVenue = await retryRead(deps.clock, () => venue.fetchOpenOrders(symbol), retry);
  const report: OpenOrdersReport = { lookedUp: [], adopted: [], reported: [] };
  const listed = new Set(atVenue.map((o) => orderActorId(o.clientOrderId)));
  for (const actor of [...runtime.liveActors('order')]) {
    // State and id first: they are read without parsing the snapshot of every resting order.
    const state = topState(actor.state);
    if (state !== 'open' && state !== 'partiallyFilled') continue;
    if (listed.has(actor.id)) continue;
    const context = actor.context as unknown as OrderContext;
    if (context.symbol !== symbol) continue;
    report.lookedUp.push(context.clientOrderId);
    await runtime.send(actor.id, { type: 'RECONCILE_ORDER' });
  }
  // An order resting untouched tells nothing new; one with fills may be ahead of the fills we have.
  const reports = atVenue
    .filter(
      (o) => runtime.actor(orderActorId(o.clientOrderId)) !== undefined && new Dec(o.filledQuantity).gt('0'),
    )
    .map((order) => runtime.enqueue(onOrderUpdate(venue.id, store, { kind: 'order', order })));
  await Promise.all(reports);
  for (const order of atVenue) {
    const id = orderActorId(order.clientOrderId);
    if (runtime.actor(id) !== undefined) continue;
    const known = (await store.loadActors([id])).length > 0;
    const cancel =
      !known &&
      (deps.policy === 'cancel-all' ||
        (deps.policy === 'cancel-own' && order.clientOrderId.startsWith(deps.ownPrefix)));
    await runtime.enqueue(
      workCommand<undefined>({
        kind: 'work',
        name: 'reconcile.unknownOpenOrder',
        run: (tx) => (cancel ? adopt(tx, deps, order) : reportUnknown(tx, venue.id, order, known)),
      }),
    );
    (cancel ? report.adopted : report.reported).push(order.clientOrderId);
  }
  return report;
}

function adopt(tx: TxApi, deps: ReconcileDeps, order: VenueOrder): void {
  const id = orderActorId(order.clientOrderId);
  const input: OrderInput = {
    clientOrderId: order.clientOrderId,
    venue: deps.venue.id,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    price: order.price,
    quantity: order.quantity,
    level: null,
    owner: null,
    requestWindowMs: deps.venue.requestWindowMs,
    timeouts: deps.timeouts,
    maxAttempts: 1,
    at: tx.now,
  };
  tx.recordAnomaly({
    kind: 'unknown-open-order',
    subject: `${deps.venue.id}:${order.venueOrderId}`,
    detail: JSON.stringify({ order, action: 'adopted and cancelled' }),
  });
  tx.spawn(id, 'order', input);
  tx.send(id, {
    type: 'ORDER_ACCEPTED',
    venueOrderId: order.venueOrderId,
    filledQuantity: order.filledQuantity,
    at: tx.now,
  });
  tx.send(id, { type: 'CANCEL_ORDER', reason: 'unknown order found open at the venue', at: tx.now });
}

function reportUnknown(tx: TxApi, venue: string, order: VenueOrder, terminalHere: boolean): void {
  tx.recordAnomaly({
    kind: terminalHere ? 'closed-here-open-at-venue' : 'unknown-open-order',
    subject: `${venue}:${order.venueOrderId}`,
    detail: JSON.stringify({ order, action: 'reported' }),
  });
}
