import type { VenueFact, VenueFill, VenueOrder, VenuePort } from '../domain/venue-port.js';
import { describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { OrderContext, OrderEvent } from '../machines/order.machine.js';
import { bookActorId, orderActorId } from '../machines/messages.js';
import type { PositionBookInput } from '../machines/position-book.machine.js';
import type { EngineStore, LedgerTrade } from '../persistence/engine-store.js';
import type { DurableRuntime } from '../runtime/durable-runtime.js';
import { workCommand } from '../runtime/types.js';
import type { TxApi, WorkCommand } from '../runtime/types.js';
import { topState } from './projections.js';
import { refusalCommand } from './refused-update.js';
import { sameTrade, versionKey } from './trade-versions.js';

/** What OnOrderUpdate did with a venue fact. */
export type UpdateOutcome = 'applied' | 'duplicate' | 'ignored' | 'orphan' | 'contested';

/** Order states after which a new fill contradicts what we knew (FILL_AFTER_CLOSE). */
const CLOSED = new Set(['cancelled', 'expired', 'rejected', 'denied']);

/**
 * OnOrderUpdate: applies one venue fact to its order actor and, for a fill, to the position book and the
 * fill ledger, all in the transaction of the batch it runs in. Idempotent: a fill is keyed by venue +
 * tradeId, so duplicates change nothing; status facts that arrive late or out of order are ignored by the
 * order machine when they no longer apply. Every trade of the account moves the position (the venue
 * traded): a fill of an order nobody knows, a fill after the order ended, a fill past the order's quantity
 * are applied and recorded as anomalies. A trade id the ledger already has with other content is held as
 * contested (see contested-fills.ts): the venue's filled quantity decides later. The fact comes typed and
 * validated from the venue port, its fill's clientOrderId resolved by the adapter (null: the venue knows
 * no clientOrderId of the order, which is then unknown here).
 */
export function onOrderUpdate(venue: string, store: EngineStore, event: VenueFact): WorkCommand {
  return event.kind === 'fill' ? fillCommand(venue, store, event.fill) : orderCommand(venue, event.order);
}

interface FillPrep {
  /** The ledger's row under this trade id (another delivery of the trade, or a reused id). */
  recorded: LedgerTrade | undefined;
  /** For a reused id: this version's ledger key, and whether the ledger has it already. */
  version: { key: string; recorded: boolean } | null;
  clientOrderId: string | null;
}

function fillCommand(venue: string, store: EngineStore, fill: VenueFill): WorkCommand {
  return workCommand<FillPrep>(new FillCommand(venue, store, fill));
}

/** OnOrderUpdate for a fill: a class, so that a fill costs one object, not one closure per step. */
class FillCommand implements WorkCommand<FillPrep> {
  readonly kind = 'work';
  readonly name = 'OnOrderUpdate.fill';
  readonly actorIds: string[];

  constructor(
    private readonly venue: string,
    private readonly store: EngineStore,
    private readonly fill: VenueFill,
  ) {
    this.actorIds = fill.clientOrderId === null ? [] : [orderActorId(fill.clientOrderId)];
  }

  /** One ledger read, shared by the batch (see EngineStore.tradeOf). */
  prepare(): Promise<FillPrep> {
    const { venue, store, fill } = this;
    return store.tradeOf(venue, fill.tradeId).then((recorded) => fillPrep(venue, store, fill, recorded));
  }

  run(tx: TxApi, prep: FillPrep): UpdateOutcome {
    return applyFill(tx, this.venue, this.fill, prep);
  }
}

/**
 * A fill's prepared reads. Only a trade id the ledger has with other content needs its version looked up
 * (rare).
 */
function fillPrep(
  venue: string,
  store: EngineStore,
  fill: VenueFill,
  recorded: LedgerTrade | undefined,
): FillPrep | Promise<FillPrep> {
  const { clientOrderId } = fill;
  const key = recorded !== undefined && !sameTrade(recorded, fill) ? versionKey(fill) : null;
  if (key === null) return { recorded, version: null, clientOrderId };
  return store
    .tradeOf(venue, key)
    .then((v) => ({ recorded, version: { key, recorded: v !== undefined }, clientOrderId }));
}

function applyFill(tx: TxApi, venue: string, fill: VenueFill, prep: FillPrep): UpdateOutcome {
  const tradeKey = `trade:${venue}:${fill.tradeId}`;
  if (prep.version !== null) {
    // The ledger has this trade id with other content: a second version, held until the venue decides.
    if (prep.version.recorded || tx.seen(`trade:${venue}:${prep.version.key}`)) return 'duplicate';
    holdContested(tx, venue, fill, prep.version.key, prep);
    return 'contested';
  }
  // The same trade again; or one a batch not readable yet has (another version of it, if any, is held
  // once that batch is readable: the order's fill gap has its trades fetched again).
  if (prep.recorded !== undefined || tx.seen(tradeKey)) return 'duplicate';
  tx.remember(tradeKey);
  const known = prep.clientOrderId !== null && tx.actor(orderActorId(prep.clientOrderId)) !== undefined;
  const outcome = known ? applyToOrder(tx, venue, fill, prep.clientOrderId!) : 'orphan';
  if (!known) {
    tx.recordAnomaly({
      kind: 'unknown-order-fill',
      subject: `${venue}:${fill.tradeId}`,
      detail: JSON.stringify(fill),
    });
  }
  tx.recordFill(ledgerRecord(tx, venue, fill, fill.tradeId, prep.clientOrderId, outcome));
  applyToBook(tx, venue, fill, fill.tradeId);
  return outcome;
}

/**
 * Delivers a fill to its order. `applied` when the order took it; otherwise (it refuses fills in its
 * state, e.g. never submitted) `orphan`, recorded. Records the contradictions the order's own accounting
 * shows: a fill after it ended, a fill past its quantity.
 */
function applyToOrder(tx: TxApi, venue: string, fill: VenueFill, clientOrderId: string): UpdateOutcome {
  const orderId = orderActorId(clientOrderId);
  const before = tx.actor(orderId)!;
  const stateBefore = before.state; // the closed states are atomic: no `.child` part
  const anomaliesBefore = (before.snapshot.context as OrderContext).anomalies.length;
  tx.send(orderId, orderFilled(fill, fill.tradeId));
  const context = tx.actor(orderId)!.snapshot.context as OrderContext;
  if (!context.tradeIds.includes(fill.tradeId)) {
    tx.recordAnomaly({
      kind: 'fill-refused-by-order',
      subject: `${venue}:${fill.tradeId}`,
      detail: JSON.stringify({ clientOrderId, state: topState(stateBefore), fill }),
    });
    return 'orphan';
  }
  if (CLOSED.has(stateBefore)) {
    tx.recordAnomaly({
      kind: 'fill-after-close',
      subject: `${venue}:${fill.tradeId}`,
      detail: JSON.stringify({ clientOrderId, state: stateBefore, fill }),
    });
  }
  // The order's own accounting records an overfill among its anomalies (see applyOverfill).
  if (context.anomalies.length > anomaliesBefore && context.anomalies.at(-1)!.startsWith('overfill:')) {
    tx.recordAnomaly({
      kind: 'order-overfilled',
      subject: `${venue}:${clientOrderId}`,
      detail: JSON.stringify({
        clientOrderId,
        quantity: context.quantity,
        filledQuantity: context.filledQuantity,
        tradeId: fill.tradeId,
      }),
    });
  }
  return 'applied';
}

/** The order event of a venue fill, under the ledger key it is recorded with. */
export function orderFilled(fill: VenueFill, tradeId: string): OrderEvent {
  return {
    type: 'ORDER_FILLED',
    tradeId,
    venueOrderId: fill.venueOrderId,
    price: fill.price,
    quantity: fill.quantity,
    fee: fill.fee,
    feeCurrency: fill.feeCurrency,
    at: fill.at,
  };
}

/** Applies a fill to its symbol's position book (created on first use), under the ledger key `tradeId`. */
export function applyToBook(tx: TxApi, venue: string, fill: VenueFill, tradeId: string): void {
  const bookId = bookActorId(venue, fill.symbol);
  if (tx.actor(bookId) === undefined) {
    const input: PositionBookInput = { venue, symbol: fill.symbol, at: tx.now };
    tx.spawn(bookId, 'positionBook', input);
  }
  tx.send(bookId, {
    type: 'APPLY_FILL',
    tradeId,
    side: fill.side,
    price: fill.price,
    quantity: fill.quantity,
    fee: fill.fee,
    feeCurrency: fill.feeCurrency,
    at: fill.at,
  });
}

/** The fill ledger's row of a fill. */
function ledgerRecord(
  tx: TxApi,
  venue: string,
  fill: VenueFill,
  tradeId: string,
  clientOrderId: string | null,
  status: string,
) {
  return {
    venue,
    tradeId,
    clientOrderId,
    venueOrderId: fill.venueOrderId,
    symbol: fill.symbol,
    side: fill.side,
    price: fill.price,
    quantity: fill.quantity,
    fee: fill.fee,
    feeCurrency: fill.feeCurrency,
    liquidity: fill.liquidity,
    at: fill.at,
    status,
    recordedAt: tx.now,
  };
}

/** Records a second version of a known trade id: held, not applied, with an anomaly naming both. */
function holdContested(tx: TxApi, venue: string, fill: VenueFill, key: string, prep: FillPrep): void {
  tx.remember(`trade:${venue}:${key}`);
  tx.recordFill(ledgerRecord(tx, venue, fill, key, prep.clientOrderId, 'contested'));
  tx.recordAnomaly({
    kind: 'trade-id-reused',
    subject: `${venue}:${fill.tradeId}`,
    detail: JSON.stringify({ recorded: prep.recorded ?? null, reported: fill, heldAs: key }),
  });
}

function orderCommand(venue: string, order: VenueOrder): WorkCommand {
  return workCommand<undefined>({
    kind: 'work',
    name: 'OnOrderUpdate.order',
    actorIds: [orderActorId(order.clientOrderId)],
    run: (tx) => applyOrderReport(tx, venue, order),
  });
}

function applyOrderReport(tx: TxApi, venue: string, order: VenueOrder): UpdateOutcome {
  const id = orderActorId(order.clientOrderId);
  if (tx.actor(id) === undefined) {
    tx.recordAnomaly({
      kind: 'unknown-order',
      subject: `${venue}:${order.venueOrderId}`,
      detail: JSON.stringify(order),
    });
    return 'orphan';
  }
  return tx.send(id, orderEventOf(order, tx.now)) ? 'applied' : 'ignored';
}

/**
 * Applies every pushed venue fact through OnOrderUpdate (the adapter validated it) and hands each
 * `subscribed` to `onSubscribed` (the engine gap-fills then), and each refusal that names no order (a fill
 * or frame the adapter could not read, whose order is unknown) to `onUnnamedRefusal`: what it carried
 * is fetched from the venue rather than guessed. Returns the unsubscribe function.
 */
export function listenToVenue(
  venue: VenuePort,
  runtime: DurableRuntime,
  store: EngineStore,
  logger: Logger,
  onSubscribed: (reconnect: boolean) => void = () => {},
  onUnnamedRefusal: () => void = () => {},
): () => void {
  return venue.subscribe((event) => {
    if (event.kind === 'subscribed') return onSubscribed(event.reconnect);
    const command =
      event.kind === 'refused' ? refusalCommand(venue.id, event) : onOrderUpdate(venue.id, store, event);
    runtime.enqueue(command).then(
      () => {
        if (event.kind === 'refused' && event.clientOrderId === null) onUnnamedRefusal();
      },
      (err: unknown) => {
        logger.error({ code: 'VENUE_UPDATE_FAILED', err: describeError(err) }, 'venue update failed');
      },
    );
  });
}

/** The order machine event for a venue status report. */
export function orderEventOf(order: VenueOrder, at: number): OrderEvent {
  const fact = { venueOrderId: order.venueOrderId, filledQuantity: order.filledQuantity, at };
  switch (order.status) {
    case 'open':
    case 'partiallyFilled':
      return { type: 'ORDER_ACCEPTED', ...fact };
    case 'filled':
      return { type: 'ORDER_COMPLETED', ...fact };
    case 'cancelled':
      return { type: 'ORDER_CANCELLED', ...fact };
    case 'expired':
      return { type: 'ORDER_EXPIRED', ...fact };
    case 'rejected':
      return { type: 'ORDER_REJECTED', reason: 'rejected by the venue', at };
  }
}
