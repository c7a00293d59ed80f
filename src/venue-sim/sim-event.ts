import type { SimBalance, SimOrder, SimTrade } from '../persistence/venues/venue-sim-store.js';

/** Binance's execution types the simulator produces. */
export type ExecType = 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED';

/**
 * A change the user-data stream pushes once the transaction that made it has committed: an order update
 * (becomes an `executionReport`) or balance changes (an `outboundAccountPosition`).
 */
export type SimEvent =
  | {
      kind: 'executionReport';
      execType: ExecType;
      /** The order as it stands after this change. */
      order: SimOrder;
      /** The fill, on TRADE. */
      trade?: SimTrade;
      /** On CANCELED: the cancel request's own client id (Binance's `c`; the order's id goes in `C`). */
      cancelClientOrderId?: string;
      at: number;
    }
  | { kind: 'account'; balances: SimBalance[]; at: number };

/** An order-update event. */
export function orderEvent(
  execType: ExecType,
  order: SimOrder,
  at: number,
  extra: { trade?: SimTrade; cancelClientOrderId?: string } = {},
): SimEvent {
  return { kind: 'executionReport', execType, order, at, ...extra };
}

/** A balance event, or none when nothing changed. */
export function accountEvents(balances: SimBalance[], at: number): SimEvent[] {
  return balances.length === 0 ? [] : [{ kind: 'account', balances, at }];
}
