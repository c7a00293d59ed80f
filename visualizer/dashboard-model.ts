import { Dec, fmt } from '../src/domain/decimal.js';
import type { Decimal } from '../src/domain/decimal.js';
import { applyFifo } from '../src/machines/position-book.logic.js';
import type { BookFill, PositionState } from '../src/machines/position-book.logic.js';
import type { PositionBookContext } from '../src/machines/position-book.machine.js';
import { orderMachine } from '../src/machines/order.machine.js';
import type { DashboardJournalRow, DashboardQuery } from '../src/persistence/dashboard-query.js';
import { StepSeries } from './step-series.js';

/** Every series of one symbol, as change points. Decimals stay exact strings. */
export interface SymbolSeries {
  symbol: string;
  /** Midpoint of the best desired bid and ask of each `ADJUST_ORDERS` (the strategy's quoted mid). */
  mid: StepSeries<string>;
  /** Signed position after each fill (the position book's FIFO, replayed from its `APPLY_FILL` events). */
  position: StepSeries<string>;
  /** Realized PnL (quote currency, before fees) after each fill. */
  realizedPnl: StepSeries<string>;
  /** Orders not yet in a terminal state, after each order created or ended. */
  liveOrders: StepSeries<number>;
}

/** Top-level order states tagged terminal in the order machine (a `denied` state would be one too). */
const TERMINAL = new Set(
  Object.entries(orderMachine.root.states)
    .filter(([, node]) => node.tags.includes('terminal'))
    .map(([key]) => key),
);

/** Rows read per query, and at most per catch-up (a first look at a long run catches up over polls). */
const PAGE = 5000;
const MAX_ROWS_PER_CATCH_UP = 100_000;

interface InitEvent {
  input?: { symbol?: string };
}
interface AdjustEvent {
  desired?: { side: string; price: string | null }[];
}

/**
 * The dashboard's history, built by reading the journal forward from a cursor: each poll reads only the
 * rows committed since the last one. Position and realized PnL are replayed with the position book's own
 * FIFO (`applyFifo`, the function its `applyFill` action runs), so they equal the book after every fill.
 */
export class DashboardModel {
  readonly symbols = new Map<string, SymbolSeries>();
  private cursor = 0;
  private readonly books = new Map<string, { symbol: string; state: PositionState }>();
  private readonly liveOrders = new Map<string, string>();
  private readonly adjusters = new Map<string, string>();
  private readonly liveCount = new Map<string, number>();
  private catching: Promise<boolean> | null = null;
  /** Time of the latest journal row read (ms), or null before any. */
  lastAt: number | null = null;
  firstAt: number | null = null;

  /** Reads the journal rows committed since the last call; true when it has read them all. */
  catchUp(query: DashboardQuery): Promise<boolean> {
    this.catching ??= this.read(query).finally(() => (this.catching = null));
    return this.catching;
  }

  private async read(query: DashboardQuery): Promise<boolean> {
    if (this.cursor === 0) for (const base of await query.journalBases()) this.applyBase(base);
    for (let read = 0; read < MAX_ROWS_PER_CATCH_UP;) {
      const rows = await query.journalAfter(this.cursor, PAGE);
      for (const row of rows) this.apply(row);
      read += rows.length;
      if (rows.length < PAGE) return true;
    }
    return false;
  }

  /**
   * Starts a long-lived actor's history where the live file's journal of it starts when retention
   * archived its oldest rows: at its journal base (the snapshot those rows led to).
   */
  applyBase(base: { actorId: string; snapshot: string; at: number }): void {
    const context = (JSON.parse(base.snapshot) as { context?: Partial<PositionBookContext> }).context ?? {};
    if (typeof context.symbol !== 'string') return;
    this.firstAt = Math.min(this.firstAt ?? base.at, base.at);
    if (base.actorId.startsWith('adjust/')) this.adjusters.set(base.actorId, context.symbol);
    if (!base.actorId.startsWith('book/')) return;
    const state: PositionState = {
      quantity: context.quantity ?? '0',
      lots: context.lots ?? [],
      realizedPnl: context.realizedPnl ?? '0',
    };
    this.books.set(base.actorId, { symbol: context.symbol, state });
    const s = this.series(context.symbol);
    s.position.push(base.at, state.quantity);
    s.realizedPnl.push(base.at, state.realizedPnl);
  }

  /** Applies one journal row. */
  apply(row: DashboardJournalRow): void {
    this.cursor = row.seq;
    this.firstAt ??= row.at;
    this.lastAt = Math.max(this.lastAt ?? row.at, row.at);
    const kind = row.actorId.slice(0, row.actorId.indexOf('/'));
    if (kind === 'order') this.applyOrder(row);
    else if (kind === 'book') this.applyBook(row);
    else if (kind === 'adjust') this.applyAdjust(row);
  }

  private series(symbol: string): SymbolSeries {
    let s = this.symbols.get(symbol);
    if (s === undefined) {
      s = {
        symbol,
        mid: new StepSeries(),
        position: new StepSeries(),
        realizedPnl: new StepSeries(),
        liveOrders: new StepSeries(),
      };
      this.symbols.set(symbol, s);
    }
    return s;
  }

  private applyOrder(row: DashboardJournalRow): void {
    if (row.eventType === 'xstate.init') {
      const symbol = initSymbol(row);
      if (symbol === null || TERMINAL.has(topState(row.state))) return;
      this.liveOrders.set(row.actorId, symbol);
      this.countLive(symbol, row.at, 1);
      return;
    }
    const symbol = this.liveOrders.get(row.actorId);
    if (symbol === undefined || !TERMINAL.has(topState(row.state))) return;
    this.liveOrders.delete(row.actorId);
    this.countLive(symbol, row.at, -1);
  }

  private countLive(symbol: string, at: number, delta: number): void {
    const n = (this.liveCount.get(symbol) ?? 0) + delta;
    this.liveCount.set(symbol, n);
    this.series(symbol).liveOrders.push(at, n);
  }

  private applyBook(row: DashboardJournalRow): void {
    if (row.eventType === 'xstate.init') {
      const symbol = initSymbol(row);
      if (symbol === null) return;
      this.books.set(row.actorId, { symbol, state: { quantity: '0', lots: [], realizedPnl: '0' } });
      const s = this.series(symbol);
      s.position.push(row.at, '0');
      s.realizedPnl.push(row.at, '0');
      return;
    }
    const book = this.books.get(row.actorId);
    if (row.eventType !== 'APPLY_FILL' || row.event === null || book === undefined) return;
    book.state = applyFifo(book.state, JSON.parse(row.event) as BookFill);
    const s = this.series(book.symbol);
    s.position.push(row.at, book.state.quantity);
    s.realizedPnl.push(row.at, book.state.realizedPnl);
  }

  private applyAdjust(row: DashboardJournalRow): void {
    if (row.eventType === 'xstate.init') {
      const symbol = initSymbol(row);
      if (symbol !== null) this.adjusters.set(row.actorId, symbol);
      return;
    }
    const symbol = this.adjusters.get(row.actorId);
    if (row.eventType !== 'ADJUST_ORDERS' || row.event === null || symbol === undefined) return;
    const mid = quotedMid((JSON.parse(row.event) as AdjustEvent).desired ?? []);
    if (mid !== null) this.series(symbol).mid.push(row.at, mid);
  }
}

/** Midpoint of the highest bid and the lowest ask (exact), or null unless both sides are quoted. */
export function quotedMid(desired: readonly { side: string; price: string | null }[]): string | null {
  let bid: Decimal | null = null;
  let ask: Decimal | null = null;
  for (const d of desired) {
    if (d.price === null) continue;
    const p = new Dec(d.price);
    if (d.side === 'buy' && (bid === null || p.gt(bid))) bid = p;
    if (d.side === 'sell' && (ask === null || p.lt(ask))) ask = p;
  }
  return bid === null || ask === null ? null : fmt(bid.plus(ask).div('2'));
}

function initSymbol(row: DashboardJournalRow): string | null {
  if (row.event === null) return null;
  const symbol = (JSON.parse(row.event) as InitEvent).input?.symbol;
  return typeof symbol === 'string' ? symbol : null;
}

function topState(state: string): string {
  const dot = state.indexOf('.');
  return dot < 0 ? state : state.slice(0, dot);
}
