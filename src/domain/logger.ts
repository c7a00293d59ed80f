import { NOTICE_CODES } from './notices.js';

/**
 * The codes of the engine's own warn and error lines that are not notices (docs/operator-warnings.md
 * explains each and what to do).
 */
export const ENGINE_LOG_CODES = [
  'COMMIT_FAILED',
  'STORAGE_FULL',
  'STORAGE_IO_ERROR',
  'STORAGE_READ_ONLY',
  'STORAGE_BUSY',
  'STORAGE_CORRUPT',
  'HALT_ORDERS_CANCELLED',
  'HALT_ORDERS_CANCEL_FAILED',
  'PAPER_VENUE_TICK_FAILED',
  'RESULT_APPLY_FAILED',
  'LEASE_LOST',
  'DATABASE_CONNECT_RETRY',
  'DATABASE_CONNECTION_LOST',
  'SYMBOL_NOT_LISTED',
  'SYMBOL_RETIRED',
  'QUOTES_WITHDRAW_FAILED',
  'HALT_CANCEL_FAILED',
  'RISK_HALT_WRITE_FAILED',
  'RECONCILE_MISMATCH',
  'STREAM_RESYNC_FAILED',
  'STOPPING_UNRESOLVED',
  'STOP_FAILED',
  'VENUE_UPDATE_FAILED',
  'TRADING_STATE_READ_FAILED',
  'GAP_FILL_FAILING',
  'STRATEGY_TICK_FAILING',
  'VENUE_READ_RETRY',
  'VENUE_STREAM_DOWN',
  'VENUE_LISTENER_FAILED',
  'VENUE_UPDATE_MALFORMED',
  'VENUE_RATE_LIMITED',
  'VENUE_ACCOUNT_REFUSED',
  'ORDER_REFUSED_LOCALLY',
  'INSPECTION_FAILED',
  'INSPECTION_REFUSED',
  'INSPECTION_UNREACHABLE',
  'INSPECTION_DROPPED',
  'VISUALIZER_WAITING_FOR_DB',
  'VISUALIZER_LAYOUT_FAILED',
  'ARCHIVE_REFUSED',
  'ARCHIVE_FAILED',
] as const;

/** The codes of the venue simulator's warn and error lines (docs/venue-sim.md). */
export const SIM_LOG_CODES = [
  'SIM_WS_REQUEST_FAILED',
  'SIM_REQUEST_FAILED',
  'SIM_PRICE_WALK_FAILED',
] as const;

/** Every code a warn or error line may carry. */
export const LOG_CODES = [...NOTICE_CODES, ...ENGINE_LOG_CODES, ...SIM_LOG_CODES] as const;

/** The stable `code` of a warn or error line: match on it, never on the message text. */
export type LogCode = (typeof LOG_CODES)[number];

/** The fields of a warn or error line: its code, and any others. */
export interface CodedFields {
  code: LogCode;
  [field: string]: unknown;
}

/**
 * The logging the engine needs (pino satisfies it). Every warn and error line carries a `code`. Never pass
 * secrets: see docs/security.md.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: CodedFields, msg?: string): void;
  error(obj: CodedFields, msg?: string): void;
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
