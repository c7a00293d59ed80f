import type { Exchange } from 'ccxt';
import { spotRulesOf } from './market-rules.js';
import type { MarketRules } from './market-rules.js';
import type { RestGate } from './rest-gate.js';

/** The venue's active spot markets and their order rules, loaded on first use and on request. */
export class SpotMarkets {
  readonly #ex: Exchange;
  readonly #gate: RestGate;
  #rules: Map<string, MarketRules> | null = null;

  constructor(exchange: Exchange, gate: RestGate) {
    this.#ex = exchange;
    this.#gate = gate;
  }

  /** The rules by symbol; `reload` asks the venue again. */
  async rules(reload: boolean): Promise<Map<string, MarketRules>> {
    if (this.#rules !== null && !reload) return this.#rules;
    const markets = await this.#gate.call('read', 'loadMarkets', 'normal', () =>
      this.#ex.loadMarkets(reload),
    );
    this.#rules = spotRulesOf(markets, this.#ex.precisionMode === 2);
    return this.#rules;
  }

  /** The quote currency of a symbol (the fee currency when a trade does not say). */
  quoteOf(symbol: string): string {
    return this.#rules?.get(symbol)?.quote ?? symbol.split('/')[1] ?? '';
  }
}
