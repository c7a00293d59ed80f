import type { Clock } from '../domain/clock.js';
import type { Logger } from '../domain/logger.js';
import type { VenuePort } from '../domain/venue-port.js';
import type { OrderTimeouts } from '../machines/order.machine.js';
import type { Durability } from '../persistence/sqlite.js';
import type { MarketMakerParams } from '../strategy/market-maker.js';
import type { UnknownOrderPolicy } from './reconcile.js';
import type { RetentionOptions } from './retention.js';
import type { RiskConfig } from './risk.js';

/** How long an engine's lease lasts without renewal (renewed every third of it): config `lease.ttlMs`. */
export const DEFAULT_LEASE_TTL_MS = 5_000;

/** Everything an engine run needs. */
export interface EngineOptions {
  dbPath: string;
  durability: Durability;
  venue: VenuePort;
  clock: Clock;
  logger: Logger;
  symbols: string[];
  strategy: MarketMakerParams;
  strategyIntervalMs: number;
  maxOpenOrders: number;
  /** The pre-trade risk checks of every place (absent: none besides AdjustOrders' maxOpenOrders). */
  risk?: RiskConfig;
  timeouts: OrderTimeouts;
  maxAttempts: number;
  gapFillIntervalMs: number;
  /** Least time between two checks of the venue's balances against the positions (0: never; default 30 s). */
  balanceCheckIntervalMs?: number;
  /** How long opening retries venue reads failing transiently (default DEFAULT_STARTUP_RETRY_MS). */
  startupRetryMs?: number;
  unknownOrders: UnknownOrderPolicy;
  /**
   * After a failed commit (the database full, failing, locked or gone), cancel this engine's open orders
   * straight at the venue as the engine stops (default true): see halt-cancel.ts.
   */
  cancelOnDatabaseFailure?: boolean;
  newInstallId: () => string;
  /** See DEFAULT_LEASE_TTL_MS. */
  leaseTtlMs?: number;
  /** Archiving of ended orders and old journal rows (absent: everything stays in the live database). */
  retention?: RetentionOptions;
  /** Called when the engine can no longer work (a commit failed, the lease was lost); the caller exits. */
  onFatal?: (err: unknown) => void;
}
