import type { AnyEventObject } from 'xstate';
import { Dec, signStr, subStr } from '../domain/decimal.js';
import { describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { DENIED_BY_RISK, riskRuleOf } from '../domain/risk.js';
import type { Side } from '../domain/types.js';
import { DENIED_BY_TRADING_STATE } from '../domain/trading-state.js';
import type { TradingStateRecord } from '../domain/trading-state.js';
import { bookActorId, orderActorId } from '../machines/messages.js';
import type { ORDER_CALL_KINDS, OrderContext } from '../machines/order.machine.js';
import type { PlaceDenied, PlaceOrderInput } from '../machines/order.types.js';
import type { PositionBookContext } from '../machines/position-book.machine.js';
import type { CallGate, OutboxRow, TxApi } from '../runtime/types.js';
import { topState } from './projections.js';
import type { RiskChecker } from './risk.js';

/** The call the trading state guards: an order placement. */
const GUARDED: keyof typeof ORDER_CALL_KINDS = 'placeOrder';

/** How often the engine reads the stored trading state (a change is followed within this). */
export const TRADING_STATE_POLL_MS = 250;

/** What the pre-trade risk checks read besides the batch: the read model's mid and live orders. */
export interface GateRisk {
  checker: RiskChecker;
  /** The last mid seen for `symbol`, or null. */
  mid(symbol: string): string | null;
  /** The clientOrderIds of the committed live orders of `symbol`. */
  liveOrders(symbol: string): Iterable<string>;
}

/**
 * The desk's trading state as the running engine follows it: the runtime's gate for order placements.
 * `halted` denies every placement; `reducing` only those that shrink the absolute position (a sell when
 * long, a buy when short, no larger than the position, read from the symbol's position book as the batch
 * leaves it). The stored row is read every TRADING_STATE_POLL_MS; the commit itself checks that the row
 * is still at the version a placement was allowed under, so a change between the two still wins.
 * A placement the trading state allows then meets the pre-trade risk checks (when configured: `risk`):
 * a breach denies it the same way, with the reason `denied by risk: <rule> (...)`. A denied placement's
 * order gets PLACE_DENIED instead of the call's result and ends `denied`.
 */
export class TradingGate implements CallGate {
  #current: TradingStateRecord;
  #timer: ReturnType<typeof setInterval> | null = null;
  #reading: Promise<void> | null = null;
  /** Order actors whose place the risk checks allowed, by symbol, until they end. */
  readonly #placed = new Map<string, Set<string>>();

  constructor(
    private readonly deps: {
      venueId: string;
      logger: Logger;
      read: () => Promise<TradingStateRecord>;
      onChange: (next: TradingStateRecord, previous: TradingStateRecord) => void;
      risk?: GateRisk;
    },
    initial: TradingStateRecord,
  ) {
    this.#current = initial;
  }

  /** The risk checks, when configured. */
  get risk(): RiskChecker | undefined {
    return this.deps.risk?.checker;
  }

  /** The trading state the engine follows now. */
  get current(): TradingStateRecord {
    return this.#current;
  }

  guards(src: string): boolean {
    return src === GUARDED;
  }

  version(): number {
    return this.#current.version;
  }

  check(row: OutboxRow, tx: TxApi): string | null {
    return this.checkState(row, tx) ?? this.checkRisk(row, tx);
  }

  private checkState(row: OutboxRow, tx: TxApi): string | null {
    const { state, reason } = this.#current;
    const why = reason === null ? '' : ` (${reason})`;
    if (state === 'active') return null;
    if (state === 'halted') return `halted${why}`;
    const input = row.input as PlaceOrderInput;
    const book = tx.actor(bookActorId(this.deps.venueId, input.symbol));
    const position = new Dec((book?.snapshot.context as PositionBookContext | undefined)?.quantity ?? '0');
    const shrinks =
      ((input.side === 'sell' && position.gt('0')) || (input.side === 'buy' && position.lt('0'))) &&
      new Dec(input.quantity).lte(position.abs());
    return shrinks ? null : `reducing, the order would not shrink the position${why}`;
  }

  /**
   * The pre-trade risk checks of a place: the position as the batch leaves it, and every other live
   * order of the symbol that was placed (committed, or allowed since) read as the batch leaves it.
   */
  private checkRisk(row: OutboxRow, tx: TxApi): string | null {
    const risk = this.deps.risk;
    if (risk === undefined) return null;
    const input = row.input as PlaceOrderInput;
    const book = tx.actor(bookActorId(this.deps.venueId, input.symbol));
    const position = (book?.peekContext() as PositionBookContext | undefined)?.quantity ?? '0';
    let placed = this.#placed.get(input.symbol);
    if (placed === undefined) this.#placed.set(input.symbol, (placed = new Set()));
    const ids = new Set(placed);
    for (const clientOrderId of risk.liveOrders(input.symbol)) ids.add(orderActorId(clientOrderId));
    const live: { side: Side; remaining: string }[] = [];
    for (const id of ids) {
      if (id === row.actorId) continue;
      const order = tx.actor(id);
      if (order === undefined || !order.live) {
        placed.delete(id);
        continue;
      }
      if (topState(order.state) === 'pendingNew') continue; // not placed yet: checked when it is
      const c = order.peekContext() as unknown as OrderContext;
      const remaining = subStr(c.quantity, c.filledQuantity);
      live.push({ side: c.side, remaining: signStr(remaining) > 0 ? remaining : '0' });
    }
    const breach = risk.checker.check(
      input.symbol,
      { side: input.side, quantity: input.quantity, price: input.price },
      { mid: risk.mid(input.symbol), position, live },
      tx.now,
    );
    if (breach === null) {
      placed.add(row.actorId);
      return null;
    }
    return `${DENIED_BY_RISK}: ${breach.rule} (${breach.detail})`;
  }

  /** The order ends `denied` (never sent), its reason naming the risk rule or the trading state. */
  denial(row: OutboxRow, reason: string, now: number): AnyEventObject {
    const rule = reason.startsWith(DENIED_BY_RISK) ? riskRuleOf(reason) : null;
    const event: PlaceDenied =
      rule === null
        ? { type: 'PLACE_DENIED', reason: `${DENIED_BY_TRADING_STATE}: ${reason}`, at: now }
        : { type: 'PLACE_DENIED', reason, rule, at: now };
    return event;
  }

  /** Reads the stored state every TRADING_STATE_POLL_MS and follows its changes. */
  watch(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => {
      this.#reading ??= this.refresh().finally(() => (this.#reading = null));
    }, TRADING_STATE_POLL_MS);
    this.#timer.unref();
  }

  /** Stops watching (waits for a read in progress). */
  async unwatch(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#reading;
  }

  /** Reads the stored state once; a new version becomes the current one and is told to `onChange`. */
  async refresh(): Promise<void> {
    let next: TradingStateRecord;
    try {
      next = await this.deps.read();
    } catch (err) {
      this.deps.logger.warn(
        { code: 'TRADING_STATE_READ_FAILED', err: describeError(err) },
        'reading the trading state failed',
      );
      return;
    }
    const previous = this.#current;
    if (next.version === previous.version) return;
    this.#current = next;
    this.deps.onChange(next, previous);
  }
}
