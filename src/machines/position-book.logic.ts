import { Dec, fmt } from '../domain/decimal.js';
import { memoLast } from './memo.js';
import type { Side } from '../domain/types.js';

/** An open lot: quantity (always positive) bought or sold at one price. */
export interface Lot {
  quantity: string;
  price: string;
}

/** A fill as the position book applies it. */
export interface BookFill {
  tradeId: string;
  side: Side;
  price: string;
  quantity: string;
  fee: string;
  feeCurrency: string;
  at: number;
}

/** The part of a position that fills change. */
export interface PositionState {
  /** Signed net quantity: > 0 long, < 0 short. */
  quantity: string;
  /** Open lots, oldest first, all on the side of `quantity`. */
  lots: Lot[];
  realizedPnl: string;
}

/**
 * The sign of the quantity after a fill: 1 long, -1 short, 0 flat. Pure; memoized for the last
 * (position, fill), as the position book's guards ask twice per fill.
 */
export const signAfter = memoLast(
  (position: PositionState, fill: Pick<BookFill, 'side' | 'quantity'>): number => {
    const q = new Dec(position.quantity);
    return (fill.side === 'buy' ? q.plus(fill.quantity) : q.minus(fill.quantity)).cmp('0');
  },
);

/** The signed quantity after a fill. */
export function quantityAfter(position: PositionState, fill: Pick<BookFill, 'side' | 'quantity'>): string {
  const q = new Dec(position.quantity);
  return fmt(fill.side === 'buy' ? q.plus(fill.quantity) : q.minus(fill.quantity));
}

/**
 * Applies a fill first-in first-out. Every operation is an exact decimal add, subtract or multiply, so
 * realized PnL never rounds: a reducing fill closes the oldest lots at their own prices, and any excess
 * opens a new lot on the other side.
 */
export function applyFifo(position: PositionState, fill: BookFill): PositionState {
  const signed = new Dec(position.quantity);
  const fillSign = fill.side === 'buy' ? 1 : -1;
  // Copy on write: lots are never mutated, so only the array and the lots that change are new.
  const lots = position.lots.slice();
  let remaining = new Dec(fill.quantity);
  let realized = new Dec(position.realizedPnl);
  const positionSign = signed.gt('0') ? 1 : signed.lt('0') ? -1 : 0;
  if (positionSign !== 0 && positionSign !== fillSign) {
    while (remaining.gt('0') && lots.length > 0) {
      const lot = lots[0]!;
      const take = remaining.lt(lot.quantity) ? remaining : new Dec(lot.quantity);
      // long lot sold at fill price: (fill - lot) × take; short lot bought back: (lot - fill) × take
      const diff = new Dec(fill.price).minus(lot.price);
      const perUnit = positionSign > 0 ? diff : diff.neg();
      realized = realized.plus(perUnit.times(take));
      remaining = remaining.minus(take);
      const left = new Dec(lot.quantity).minus(take);
      if (left.eq('0')) lots.shift();
      else lots[0] = { quantity: fmt(left), price: lot.price };
    }
  }
  if (remaining.gt('0')) {
    const last = lots[lots.length - 1];
    if (last !== undefined && new Dec(last.price).eq(fill.price)) {
      lots[lots.length - 1] = { quantity: fmt(new Dec(last.quantity).plus(remaining)), price: last.price };
    } else {
      lots.push({ quantity: fmt(remaining), price: fmt(new Dec(fill.price)) });
    }
  }
  return { quantity: quantityAfter(position, fill), lots, realizedPnl: fmt(realized) };
}

/**
 * Average entry price of the open lots (display value, rounded to 18 places), or '0' when flat. Lots at
 * one price (the usual case: equal prices merge) average to that price without a division.
 */
export function averagePrice(lots: readonly Lot[]): string {
  const first = lots[0];
  if (first !== undefined && lots.every((lot) => lot.price === first.price)) {
    return fmt(new Dec(first.price).round(Dec.DP)); // rounds like div: Dec.RM
  }
  let qty = new Dec('0');
  let cost = new Dec('0');
  for (const lot of lots) {
    qty = qty.plus(lot.quantity);
    cost = cost.plus(new Dec(lot.quantity).times(lot.price));
  }
  return qty.eq('0') ? '0' : fmt(cost.div(qty));
}
