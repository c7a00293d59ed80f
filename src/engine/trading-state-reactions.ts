import type { Clock } from '../domain/clock.js';
import { describeError } from '../domain/errors.js';
import { extend } from '../domain/extend.js';
import type { Logger } from '../domain/logger.js';
import type { TradingStateRecord } from '../domain/trading-state.js';
import type { EngineDatabase } from '../persistence/engine-database.js';
import { writeTradingState } from '../persistence/trading-state.js';
import type { TradingGate } from './trading-gate.js';

/** What the reactions to the trading state work with. */
export interface TradingStateReactionsDeps {
  logger: Logger;
  clock: Clock;
  database: EngineDatabase;
  gate: TradingGate;
  /** Asks the strategy to quote again now (trading resumed). */
  requote: () => void;
  /** The symbols whose orders a halt with a cancel request cancels. */
  symbols: () => readonly string[];
  /** Cancels every order of a symbol's AdjustOrders workflow and places none. */
  withdraw: (symbol: string) => Promise<void>;
}

/**
 * How the engine follows the desk's trading state (active, reducing, halted): tells the operator of each
 * change, resumes quoting, cancels every live order on a halt with a cancel request (once per request,
 * once trading started), and writes the halt the risk checks trip.
 */
export class TradingStateReactions {
  /** The trading state's version whose cancel request (`halt --cancel`) was carried out. */
  private cancelledFor = -1;
  /** A halt tripped by risk denials is being written. */
  private tripping: Promise<void> | null = null;
  private trading = false;

  constructor(private readonly deps: TradingStateReactionsDeps) {}

  /** Trading started: from now on a halt with a cancel request cancels. */
  tradingStarted(): void {
    this.trading = true;
  }

  /** Trading stopped: a halt with a cancel request no longer cancels. */
  tradingStopped(): void {
    this.trading = false;
  }

  /**
   * The desk's trading state changed (or the engine opened on one that is not `active`): told to the
   * operator; a halt with a cancel request cancels every live order through the AdjustOrders workflows
   * (once trading started: a start that only cancels does so by itself).
   */
  changed(next: TradingStateRecord): void {
    const { logger } = this.deps;
    const fields = { state: next.state, reason: next.reason, cancel: next.cancelRequested };
    if (next.state === 'halted')
      logger.warn(extend(fields, { code: 'TRADING_HALTED' as const }), 'trading halted: no new orders');
    else if (next.state === 'reducing')
      logger.warn(
        extend(fields, { code: 'TRADING_REDUCING' as const }),
        'trading reducing: only orders that shrink the position',
      );
    else {
      logger.info(fields, 'trading resumed');
      this.deps.requote();
    }
    if (this.trading) this.cancelIfAsked(next);
  }

  /** On a halt with a cancel request not carried out yet: cancels every live order of every symbol. */
  cancelIfAsked(state: TradingStateRecord): void {
    if (state.state !== 'halted' || !state.cancelRequested || this.cancelledFor === state.version) return;
    this.cancelledFor = state.version;
    this.deps.logger.warn({ code: 'TRADING_HALTED' }, 'halted with cancel: cancelling every live order');
    for (const symbol of this.deps.symbols())
      void this.deps
        .withdraw(symbol)
        .catch((err) =>
          this.deps.logger.error(
            { code: 'HALT_CANCEL_FAILED', symbol, err: describeError(err) },
            'cancelling the orders failed',
          ),
        );
  }

  /**
   * After a commit: when the risk denials tripped the halt (`risk.haltAfterDenials` within
   * `risk.haltWindowMs`), writes the trading state `halted` naming the rule, as `halt` does, and follows it.
   */
  haltIfTripped(): void {
    const { gate, database, clock, logger } = this.deps;
    const trip = gate.risk?.takeTrip() ?? null;
    if (trip === null) return;
    const reason = `risk: ${trip.denials} denials within ${trip.windowMs} ms, the last by ${trip.rule}`;
    const previous = this.tripping ?? Promise.resolve();
    this.tripping = previous
      .then(async () => {
        if (gate.current.state === 'halted') return;
        await writeTradingState(
          database.db,
          { state: 'halted', reason, cancelRequested: false },
          clock.now(),
        );
        await gate.refresh();
      })
      .catch((err) =>
        logger.error(
          { code: 'RISK_HALT_WRITE_FAILED', err: describeError(err) },
          'writing the halt the risk checks tripped failed',
        ),
      );
  }

  /** Waits for a halt the risk checks tripped to be written. */
  async idle(): Promise<void> {
    await this.tripping;
  }
}
