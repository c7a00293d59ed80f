import {
  Dec,
  addStr,
  canonicalStr,
  cmpStr,
  fmt,
  mulStr,
  roundStr,
  signStr,
  subStr,
} from '../domain/decimal.js';
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
 * The signed quantity after a fill. Pure; memoized for the last (position, fill), as the position book's
 * guards and its assigner ask for it three times per fill.
 */
export const quantityAfter = memoLast(
  (position: PositionState, fill: Pick<BookFill, 'side' | 'quantity'>): string =>
    fill.side === 'buy' ? addStr(position.quantity, fill.quantity) : subStr(position.quantity, fill.quantity),
);

/** The sign of the quantity after a fill: 1 long, -1 short, 0 flat. */
export function signAfter(position: PositionState, fill: Pick<BookFill, 'side' | 'quantity'>): number {
  return signStr(quantityAfter(position, fill));
}

/**
 * Applies a fill first-in first-out. Every operation is an exact decimal add, subtract or multiply, so
 * realized PnL never rounds: a reducing fill closes the oldest lots at their own prices, and any excess
 * opens a new lot on the other side.
 */
export function applyFifo(position: PositionState, fill: BookFill): PositionState {
  const fillSign = fill.side === 'buy' ? 1 : -1;
  // Copy on write: lots are never mutated, so only the array and the lots that change are new.
  const lots = position.lots.slice();
  let remaining = fill.quantity;
  let realized = position.realizedPnl;
  const positionSign = signStr(position.quantity);
  if (positionSign !== 0 && positionSign !== fillSign) {
    while (signStr(remaining) > 0 && lots.length > 0) {
      const lot = lots[0]!;
      const take = cmpStr(remaining, lot.quantity) < 0 ? remaining : lot.quantity;
      // long lot sold at fill price: (fill - lot) × take; short lot bought back: (lot - fill) × take
      const perUnit = positionSign > 0 ? subStr(fill.price, lot.price) : subStr(lot.price, fill.price);
      realized = addStr(realized, mulStr(perUnit, take));
      remaining = subStr(remaining, take);
      const left = subStr(lot.quantity, take);
      if (left === '0') lots.shift();
      else lots[0] = { quantity: left, price: lot.price };
    }
  }
  if (signStr(remaining) > 0) {
    const last = lots[lots.length - 1];
    if (last !== undefined && cmpStr(last.price, fill.price) === 0) {
      lots[lots.length - 1] = { quantity: addStr(last.quantity, remaining), price: last.price };
    } else {
      lots.push({ quantity: canonicalStr(remaining), price: canonicalStr(fill.price) });
    }
  }
  return { quantity: quantityAfter(position, fill), lots, realizedPnl: canonicalStr(realized) };
}

/**
 * Average entry price of the open lots (display value, rounded to 18 places), or '0' when flat. Lots at
 * one price (the usual case: equal prices merge) average to that price without a division.
 */
export function averagePrice(lots: readonly Lot[]): string {
  const first = lots[0];
  if (first !== undefined && lots.every((lot) => lot.price === first.price)) {
    return roundStr(first.price, Dec.DP); // rounds like div: Dec.RM
  }
  let qty = new Dec('0');
  let cost = new Dec('0');
  for (const lot of lots) {
    qty = qty.plus(lot.quantity);
    cost = cost.plus(new Dec(lot.quantity).times(lot.price));
  }
  return qty.eq('0') ? '0' : fmt(cost.div(qty));
}
