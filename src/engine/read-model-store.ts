import { createStore } from '@xstate/store';
import { extend } from '../domain/extend.js';
import type { LiveOrder } from '../strategy/market-maker.js';

/** Where the engine is: recovering until `open` resolves, then ready, trading, stopping, stopped; or halted. */
export type TradingState = 'recovering' | 'ready' | 'trading' | 'stopping' | 'stopped' | 'halted';

/** A live order as the read model shows it (as the strategy sees it, with its revision). */
export interface OrderView extends LiveOrder {
  /** Revision of the order actor this view was taken from. */
  rev: number;
}

/** A symbol's position, as its position book holds it (rev 0: no book seen yet). */
export interface PositionView {
  quantity: string;
  averagePrice: string;
  realizedPnl: string;
  fees: Readonly<Record<string, string>>;
  fillCount: number;
  rev: number;
}

/** Everything the read model knows of one symbol at the engine's venue. */
export interface SymbolView {
  symbol: string;
  /** Last mid the strategy saw, or null. */
  mid: string | null;
  position: PositionView;
  /**
   * Live orders by top-level state, then by clientOrderId. A state with no order has no entry. The groups
   * are Maps: a commit copies each group it changes, and a Map copies several times faster than a large
   * object used as a dictionary.
   */
  orders: Readonly<Record<string, ReadonlyMap<string, OrderView>>>;
}

/** Committed events counted per time slot, for a rate over the last `slots` slots. */
export interface EventWindow {
  slotMs: number;
  slots: number;
  /** When counting began (the rate's window never reaches before it). */
  since: number;
  counts: readonly { slot: number; count: number }[];
}

/** The read model's state: the store's context. */
export interface ReadModelContext {
  trading: TradingState;
  symbols: Readonly<Record<string, SymbolView>>;
  events: EventWindow;
}

/** An order actor's state as fed to the read model (`live` false: it ended). */
export interface OrderFact {
  symbol: string;
  live: boolean;
  order: OrderView;
}

/** A position book's state as fed to the read model. */
export interface PositionFact {
  symbol: string;
  position: PositionView;
}

/** What one commit (or the recovery) tells the read model. */
export interface Facts {
  orders: readonly OrderFact[];
  positions: readonly PositionFact[];
}

const NO_POSITION: PositionView = {
  quantity: '0',
  averagePrice: '0',
  realizedPnl: '0',
  fees: {},
  fillCount: 0,
  rev: 0,
};

/** The read model's context before anything is fed (events counted from `at`). */
export function initialReadModel(at: number, slotMs = 500, slots = 10): ReadModelContext {
  return { trading: 'recovering', symbols: {}, events: { slotMs, slots, since: at, counts: [] } };
}

/**
 * Applies order and position facts, each only if newer (by revision) than what the model holds: a fact
 * seen twice, or late, changes nothing. A terminal order leaves the model. Copies only what changes, so
 * a view, a group or the whole context that did not change keeps its identity (for selectors).
 */
export function applyFacts(context: ReadModelContext, facts: Facts): ReadModelContext {
  if (facts.orders.length === 0 && facts.positions.length === 0) return context;
  const symbols: Record<string, SymbolView> = Object.assign({}, context.symbols);
  let changed = false;
  for (const p of facts.positions) {
    const current = symbols[p.symbol] ?? emptySymbol(p.symbol);
    if (current.position.rev >= p.position.rev) continue;
    symbols[p.symbol] = extend(current, { position: p.position });
    changed = true;
  }
  // Each symbol's orders, and each of their groups, are copied once per call, then changed in place.
  const copies = new Map<string, Groups>();
  const copiedGroups = new Set<Map<string, OrderView>>();
  for (const { symbol, live, order } of facts.orders) {
    const current = symbols[symbol] ?? emptySymbol(symbol);
    const known = findOrder(current, order.clientOrderId);
    if (known === undefined ? !live : known.rev >= order.rev) continue;
    changed = true;
    let orders = copies.get(symbol);
    if (orders === undefined) {
      orders = Object.assign({}, current.orders) as Groups;
      copies.set(symbol, orders);
      symbols[symbol] = extend(current, { orders });
    }
    const group = (state: string): Map<string, OrderView> => {
      let g = orders[state];
      if (g === undefined || !copiedGroups.has(g)) {
        g = new Map(g);
        orders[state] = g;
        copiedGroups.add(g);
      }
      return g;
    };
    if (known !== undefined) {
      const from = group(known.state);
      from.delete(order.clientOrderId);
      if (from.size === 0) delete orders[known.state];
    }
    if (live) group(order.state).set(order.clientOrderId, order);
  }
  return changed ? extend(context, { symbols }) : context;
}

type Groups = Record<string, Map<string, OrderView>>;

function emptySymbol(symbol: string): SymbolView {
  return { symbol, mid: null, position: NO_POSITION, orders: {} };
}

function findOrder(view: SymbolView, clientOrderId: string): OrderView | undefined {
  for (const state in view.orders) {
    const order = view.orders[state]?.get(clientOrderId);
    if (order !== undefined) return order;
  }
  return undefined;
}

/** Counts `n` events committed at `at`, forgetting slots that fell out of the window. */
export function countEvents(window: EventWindow, at: number, n: number): EventWindow {
  if (n === 0) return window;
  const slot = Math.floor(at / window.slotMs);
  const kept = window.counts.filter((c) => c.slot > slot - window.slots);
  const last = kept[kept.length - 1];
  if (last !== undefined && last.slot === slot) kept[kept.length - 1] = { slot, count: last.count + n };
  else kept.push({ slot, count: n });
  return extend(window, { counts: kept });
}

/** Events per second over the window ending at `now` (its current slot counts as far as it has run). */
export function eventsPerSecond(window: EventWindow, now: number): number {
  const first = Math.floor(now / window.slotMs) - window.slots + 1;
  const from = Math.max(first * window.slotMs, window.since);
  let n = 0;
  for (const c of window.counts) if (c.slot >= first && c.slot * window.slotMs <= now) n += c.count;
  return (n * 1000) / Math.max(window.slotMs, now - from);
}

/** All live orders of a symbol view, in no particular order. */
export function ordersOf(view: SymbolView): OrderView[] {
  return Object.values(view.orders).flatMap((group) => [...group.values()]);
}

/** How many live orders of the model are in one of `states`. */
export function countOrders(context: ReadModelContext, states: readonly string[]): number {
  let n = 0;
  for (const view of Object.values(context.symbols))
    for (const state of states) n += view.orders[state]?.size ?? 0;
  return n;
}

/** The read model's store: its events are the only way its context changes. */
export function createReadStore(context: ReadModelContext) {
  return createStore({
    context,
    on: {
      committed: (c, e: Facts & { at: number; events: number }) =>
        extend(applyFacts(c, e), { events: countEvents(c.events, e.at, e.events) }),
      recovered: (c, e: Facts) => applyFacts(c, e),
      midSeen: (c, e: { symbol: string; mid: string }) => {
        const view = c.symbols[e.symbol] ?? emptySymbol(e.symbol);
        if (view.mid === e.mid) return c;
        return extend(c, { symbols: extend(c.symbols, { [e.symbol]: extend(view, { mid: e.mid }) }) });
      },
      trading: (c, e: { state: TradingState }) =>
        c.trading === e.state || c.trading === 'halted' ? c : extend(c, { trading: e.state }),
    },
  });
}

/** The store type of the read model. */
export type ReadStore = ReturnType<typeof createReadStore>;
