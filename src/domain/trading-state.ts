/**
 * The desk's trading state, set by the operator (`halt`, `reduce`, `resume`) and kept in the engine's
 * database: `active` trades normally, `reducing` allows only orders that shrink the absolute position
 * (a sell when long, a buy when short, no larger than the position), `halted` allows no new order.
 * Distinct from the engine's lifecycle (recovering, ready, trading, ...), which is the read model's.
 */
export type DeskState = 'active' | 'reducing' | 'halted';

/** Every desk state. */
export const DESK_STATES: readonly DeskState[] = ['active', 'reducing', 'halted'];

/** The stored trading state. */
export interface TradingStateRecord {
  state: DeskState;
  /** Why the operator set it (null for `active` after `resume` without one). */
  reason: string | null;
  /** Bumped by every change: a guarded order intent commits only under the version it was decided by. */
  version: number;
  /** The change asked the running engine to cancel every live order (`halt --cancel`). */
  cancelRequested: boolean;
  changedAt: number;
}

/** A change of the trading state, as an operator command writes it. */
export interface TradingStateChange {
  state: DeskState;
  reason: string | null;
  cancelRequested: boolean;
}

/** Narrows a stored string to a desk state (anything unknown reads as `halted`: the safe side). */
export function deskState(value: string): DeskState {
  return (DESK_STATES as readonly string[]).includes(value) ? (value as DeskState) : 'halted';
}

/** How the reason of a placement the trading state denied starts (the order ends `denied` with it). */
export const DENIED_BY_TRADING_STATE = 'denied by the trading state';
