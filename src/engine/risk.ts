import { addStr, cmpStr, mulStr, signStr, subStr } from '../domain/decimal.js';
import { extend } from '../domain/extend.js';
import type { RiskRule } from '../domain/risk.js';
import type { Side } from '../domain/types.js';

/** The limits of one symbol: each absent limit is not checked. Decimals are strings. */
export interface RiskLimits {
  /** Largest quantity of one order. */
  maxOrderQuantity?: string | undefined;
  /** Largest quantity × price of one order, in the quote currency (a market order is valued at the mid). */
  maxOrderNotional?: string | undefined;
  /** Largest absolute position, long or short, counting every live order as if fully filled. */
  maxPosition?: string | undefined;
  /** Most live placed orders of the symbol; a new place is denied when this many are live. */
  maxOpenOrders?: number | undefined;
  /** Largest distance of a limit price from the mid, in basis points of the mid. */
  priceBandBps?: string | undefined;
  /** Most places allowed in any 1 s window; a new place is denied when this many were allowed. */
  maxSubmitsPerSecond?: number | undefined;
}

/** The `risk` section of the configuration: limits for every symbol, per-symbol overrides, the trip. */
export interface RiskConfig extends RiskLimits {
  /** This many denials within `haltWindowMs` halt trading; absent: denials never halt. */
  haltAfterDenials?: number | undefined;
  haltWindowMs: number;
  /** Limits of one symbol replacing the global ones, by symbol (`BTC/USDT`). */
  symbols: Readonly<Record<string, RiskLimits>>;
}

/** The order a place would send. */
export interface RiskOrder {
  side: Side;
  quantity: string;
  /** Limit price; null for a market order. */
  price: string | null;
}

/** What the checks know of the order's symbol when it is placed. */
export interface RiskView {
  /** The last mid seen, or null. */
  mid: string | null;
  /** The position (signed: negative is short). */
  position: string;
  /** Every other live placed order of the symbol (unknown outcomes included), with its unfilled quantity. */
  live: readonly { side: Side; remaining: string }[];
  /** Places allowed within the last second. */
  recentSubmits: number;
}

/** A rule the order breaches, with what it measured. */
export interface RiskBreach {
  rule: RiskRule;
  detail: string;
}

/**
 * The first rule `order` breaches under `limits`, or null. Each limit itself is allowed: a breach is a
 * value beyond it (for the counts, a place when the limit is already reached). Worst case for positions:
 * the position plus every live buy's unfilled quantity (minus every live sell's), plus the order.
 */
export function checkRisk(order: RiskOrder, view: RiskView, limits: RiskLimits): RiskBreach | null {
  const { maxOrderQuantity, maxOrderNotional, maxPosition, maxOpenOrders, priceBandBps } = limits;
  if (maxOrderQuantity !== undefined && cmpStr(order.quantity, maxOrderQuantity) > 0)
    return { rule: 'maxOrderQuantity', detail: `quantity ${order.quantity} > ${maxOrderQuantity}` };
  if (maxOrderNotional !== undefined) {
    const price = order.price ?? view.mid;
    if (price === null) return { rule: 'maxOrderNotional', detail: 'no price or mid to value the order' };
    const notional = mulStr(order.quantity, price);
    if (cmpStr(notional, maxOrderNotional) > 0)
      return { rule: 'maxOrderNotional', detail: `notional ${notional} > ${maxOrderNotional}` };
  }
  if (maxPosition !== undefined) {
    let worst = view.position;
    for (const o of view.live)
      if (o.side === order.side)
        worst = order.side === 'buy' ? addStr(worst, o.remaining) : subStr(worst, o.remaining);
    worst = order.side === 'buy' ? addStr(worst, order.quantity) : subStr(worst, order.quantity);
    const beyond =
      order.side === 'buy' ? cmpStr(worst, maxPosition) > 0 : cmpStr(worst, `-${maxPosition}`) < 0;
    if (beyond) return { rule: 'maxPosition', detail: `worst-case position ${worst} beyond ±${maxPosition}` };
  }
  if (maxOpenOrders !== undefined && view.live.length >= maxOpenOrders)
    return { rule: 'maxOpenOrders', detail: `${view.live.length} live orders, at most ${maxOpenOrders}` };
  if (priceBandBps !== undefined && order.price !== null) {
    if (view.mid === null) return { rule: 'priceBandBps', detail: 'no mid to check the price against' };
    const distance = subStr(order.price, view.mid);
    const away = signStr(distance) < 0 ? subStr('0', distance) : distance;
    if (cmpStr(mulStr(away, '10000'), mulStr(priceBandBps, view.mid)) > 0)
      return {
        rule: 'priceBandBps',
        detail: `price ${order.price} more than ${priceBandBps} bps from mid ${view.mid}`,
      };
  }
  if (limits.maxSubmitsPerSecond !== undefined && view.recentSubmits >= limits.maxSubmitsPerSecond)
    return {
      rule: 'maxSubmitsPerSecond',
      detail: `${view.recentSubmits} places in the last second, at most ${limits.maxSubmitsPerSecond}`,
    };
  return null;
}

/** The window of `maxSubmitsPerSecond`, ms. */
export const SUBMIT_WINDOW_MS = 1000;

/** Trading should halt: `denials` denials within `windowMs`, the last by `rule`. */
export interface RiskTrip {
  rule: RiskRule;
  denials: number;
  windowMs: number;
}

/**
 * The risk checks as the engine runs them: the limits of each symbol, the places allowed per symbol in
 * the last second (by the batch's clock), the denials counted per rule and those within the trip window.
 * In memory: a restart starts the windows empty.
 */
export class RiskChecker {
  readonly #submits = new Map<string, number[]>();
  #denials: number[] = [];
  #trip: RiskTrip | null = null;
  readonly #counts = new Map<RiskRule, number>();

  constructor(readonly config: RiskConfig) {}

  /** The limits of `symbol`: the global ones, replaced by its own where it has them. */
  limits(symbol: string): RiskLimits {
    const own = this.config.symbols[symbol];
    return own === undefined ? this.config : extend(this.config, own);
  }

  /** Places of `symbol` allowed within the last SUBMIT_WINDOW_MS before `now` (forgets older ones). */
  recentSubmits(symbol: string, now: number): number {
    const times = this.#submits.get(symbol);
    if (times === undefined) return 0;
    while (times.length > 0 && times[0]! <= now - SUBMIT_WINDOW_MS) times.shift();
    return times.length;
  }

  /**
   * Checks a place of `symbol` at `now`: null if allowed (and counted as a submit), else the breach
   * (counted as a denial, which may trip the halt).
   */
  check(
    symbol: string,
    order: RiskOrder,
    view: Omit<RiskView, 'recentSubmits'>,
    now: number,
  ): RiskBreach | null {
    const breach = checkRisk(
      order,
      extend(view, { recentSubmits: this.recentSubmits(symbol, now) }),
      this.limits(symbol),
    );
    if (breach === null) {
      const times = this.#submits.get(symbol);
      if (times === undefined) this.#submits.set(symbol, [now]);
      else times.push(now);
    } else this.denied(breach.rule, now);
    return breach;
  }

  /** Denials so far, per rule. */
  get denials(): ReadonlyMap<RiskRule, number> {
    return this.#counts;
  }

  /** The halt the denials tripped and nobody took yet, taken (null: none). */
  takeTrip(): RiskTrip | null {
    const trip = this.#trip;
    this.#trip = null;
    return trip;
  }

  private denied(rule: RiskRule, now: number): void {
    this.#counts.set(rule, (this.#counts.get(rule) ?? 0) + 1);
    const { haltAfterDenials, haltWindowMs } = this.config;
    if (haltAfterDenials === undefined) return;
    this.#denials = this.#denials.filter((at) => at > now - haltWindowMs);
    this.#denials.push(now);
    if (this.#denials.length >= haltAfterDenials) {
      this.#trip ??= { rule, denials: this.#denials.length, windowMs: haltWindowMs };
      this.#denials = [];
    }
  }
}
