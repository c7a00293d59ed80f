import type { VenuePort } from '../domain/venue-port.js';
import type { Clock } from '../domain/clock.js';
import { fmt } from '../domain/decimal.js';
import type { Logger } from '../domain/logger.js';
import type { Market } from '../domain/types.js';
import { adjusterActorId } from '../machines/messages.js';
import type { DurableRuntime } from '../runtime/durable-runtime.js';
import { midOf, quote, shouldRequote } from '../strategy/market-maker.js';
import type { MarketMakerParams, MarketView } from '../strategy/market-maker.js';
import { FailureStreaks } from './failure-streak.js';
import { ordersOf } from './read-model.js';
import type { ReadModel } from './read-model.js';
import { symbolIdPrefix } from './symbols.js';
import { validateDesired } from './validate-desired.js';

/** What the strategy loop needs. */
export interface StrategyDeps {
  venue: VenuePort;
  runtime: DurableRuntime;
  clock: Clock;
  logger: Logger;
  /** Where the runner records each mid and reads its symbol's position and live orders. */
  readModel: ReadModel;
  markets: ReadonlyMap<string, Market>;
  symbols: readonly string[];
  params: MarketMakerParams;
  intervalMs: number;
  /** Prefix of the clientOrderIds created in this run (each symbol adds its tag: see symbolIdPrefix). */
  idPrefix: string;
  /** The strategy: desired orders for a market view (default: the sample market maker). Its output is validated. */
  strategy?: (params: MarketMakerParams, view: MarketView) => unknown;
  /** While true, ticks quote nothing (the desk's trading state is `halted`). */
  paused?: () => boolean;
}

/**
 * Runs the market maker: every interval, per symbol, reads the ticker, records its mid in the read model
 * and reads the symbol's position and live orders from it; when the mid moved enough or the position
 * changed, validates the desired quotes and hands them to the symbol's AdjustOrders workflow. Invalid
 * quotes are logged with the offending field and change nothing.
 */
export class StrategyRunner {
  private readonly quoted = new Map<string, { mid: string; position: string }>();
  private timer: unknown = null;
  private running = false;
  private current: Promise<void> = Promise.resolve();
  /** Failing ticks per symbol (a venue outage fails every tick: one warning per streak, not per tick). */
  private readonly streaks: FailureStreaks;

  constructor(private readonly deps: StrategyDeps) {
    this.streaks = new FailureStreaks(deps.logger, deps.clock, 'strategy tick');
  }

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  /** Stops the loop and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      this.current = this.tick().finally(() => this.schedule(this.deps.intervalMs));
    }, ms);
  }

  /** Forgets what was quoted: the next tick hands every symbol's desired orders over again. */
  requote(): void {
    this.quoted.clear();
  }

  private async tick(): Promise<void> {
    if (this.deps.paused?.() === true) return;
    for (const symbol of this.deps.symbols) {
      const streak = this.streaks.of(symbol);
      try {
        await this.quoteSymbol(symbol);
        streak.succeeded({ symbol });
      } catch (err) {
        streak.failed({ code: 'STRATEGY_TICK_FAILING', symbol }, err);
      }
    }
  }

  private async quoteSymbol(symbol: string): Promise<void> {
    const { venue, runtime, params } = this.deps;
    const market = this.deps.markets.get(symbol);
    if (market === undefined) return;
    const ticker = await venue.fetchTicker(symbol);
    const mid = midOf(ticker);
    this.deps.readModel.midSeen(symbol, fmt(mid));
    const view = this.deps.readModel.symbol(symbol);
    const position = view?.position.quantity ?? '0';
    const last = this.quoted.get(symbol);
    if (last !== undefined && last.position === position && !shouldRequote(params, last.mid, mid)) return;
    const strategy = this.deps.strategy ?? quote;
    const desired = validateDesired(
      symbol,
      strategy(params, {
        market,
        bid: ticker.bid,
        ask: ticker.ask,
        position,
        orders: view === undefined ? [] : ordersOf(view),
      }),
      this.deps.markets,
    );
    if (!this.running) return;
    await runtime.send(adjusterActorId(venue.id, symbol), {
      type: 'ADJUST_ORDERS',
      desired,
      idPrefix: symbolIdPrefix(this.deps.idPrefix, this.deps.symbols, symbol),
    });
    this.quoted.set(symbol, { mid: fmt(mid), position });
  }
}
