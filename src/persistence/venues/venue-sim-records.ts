/**
 * The records of the venue simulator's SQLite file (see venue-sim-store.ts), in Binance's vocabulary.
 * Decimals are canonical decimal strings; times are epoch ms.
 */

/** Binance order status. */
export type SimOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';

/** One order as the simulator stores it (Binance vocabulary; `symbol` is the Binance id, `BTCUSDT`). */
export interface SimOrder {
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'LIMIT' | 'MARKET' | 'LIMIT_MAKER';
  /** `GTC`, `IOC` or `FOK` (Binance reports `GTC` for market and limit-maker orders). */
  timeInForce: string;
  /** Limit price; `0` for market orders. */
  price: string;
  origQty: string;
  /** The `quoteOrderQty` of a market order sized in quote; `0` otherwise. */
  origQuoteOrderQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  status: SimOrderStatus;
  createdAt: number;
  updatedAt: number;
}

/** One fill of one of our orders. */
export interface SimTrade {
  tradeId: number;
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  price: string;
  qty: string;
  quoteQty: string;
  commission: string;
  commissionAsset: string;
  isMaker: boolean;
  at: number;
  /** Left out of myTrades and of the user-data stream (admin `fill` with `hidden`, until revealed). */
  hidden: boolean;
}

/** One asset's balance. */
export interface SimBalance {
  asset: string;
  free: string;
  locked: string;
  updatedAt: number;
}

/** Persisted state of one symbol's price. */
export interface SimMarketState {
  symbol: string;
  price: string;
  /** State of the symbol's PRNG (walk and partial-fill sizes). */
  rngState: number;
  tick: number;
  openPrice: string;
  highPrice: string;
  lowPrice: string;
  updatedAt: number;
}

/** Filters of a list query (all optional, Binance semantics). */
export interface ListQuery {
  /** Orders: `orderId >= fromId`; trades: `tradeId >= fromId`. */
  fromId?: number;
  orderId?: number;
  startTime?: number;
  endTime?: number;
  limit: number;
}
