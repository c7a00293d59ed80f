import { fmt, Dec } from '../domain/decimal.js';
import { errors } from './binance-error.js';
import type { SimMarket } from './markets.js';

/** Binance's pattern for decimal parameters. */
const DECIMAL_PATTERN = '^([0-9]{1,20})(\\.[0-9]{1,20})?$';
const DECIMAL_RE = new RegExp(DECIMAL_PATTERN);
/** Binance's pattern for client order ids. */
const CLIENT_ID_PATTERN = '^[a-zA-Z0-9-_]{1,36}$';
const CLIENT_ID_RE = new RegExp(CLIENT_ID_PATTERN);
const LONG_RE = /^-?\d{1,18}$/;

/**
 * The parameters of one REST request (query string and urlencoded body merged; the query wins) with
 * Binance-style readers: each throws the BinanceError Binance answers for a missing or malformed value.
 */
export class Params {
  readonly #values: Map<string, string>;

  constructor(query: string, body: string) {
    this.#values = new Map();
    for (const source of [body, query]) {
      for (const [k, v] of new URLSearchParams(source)) this.#values.set(k, v);
    }
  }

  /** The raw value, or undefined when absent or empty. */
  optional(name: string): string | undefined {
    const v = this.#values.get(name);
    return v === undefined || v === '' ? undefined : v;
  }

  /** True when the parameter was sent (even empty). */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** A mandatory value (-1102 when absent or empty). */
  required(name: string): string {
    const v = this.optional(name);
    if (v === undefined) throw errors.mandatory(name);
    return v;
  }

  /** An optional integer (-1100 when malformed). */
  long(name: string): number | undefined {
    const v = this.optional(name);
    if (v === undefined) return undefined;
    if (!LONG_RE.test(v) || !Number.isSafeInteger(Number(v)))
      throw errors.illegalChars(name, '^-?[0-9]{1,18}$');
    return Number(v);
  }

  /** An optional decimal in canonical form (-1100 when malformed). */
  decimal(name: string): string | undefined {
    const v = this.optional(name);
    if (v === undefined) return undefined;
    if (!DECIMAL_RE.test(v)) throw errors.illegalChars(name, DECIMAL_PATTERN);
    return fmt(new Dec(v));
  }

  /** An optional client order id (-1100 when malformed). */
  clientId(name: string): string | undefined {
    const v = this.optional(name);
    if (v === undefined) return undefined;
    if (!CLIENT_ID_RE.test(v)) throw errors.illegalChars(name, CLIENT_ID_PATTERN);
    return v;
  }

  /** `limit` clamped to Binance's range: default `def`, at most `max` (-1100 when malformed). */
  limit(def: number, max: number): number {
    const v = this.long('limit');
    if (v === undefined || v <= 0) return def;
    return Math.min(v, max);
  }

  /** The market named by the mandatory `symbol` (-1121 when unknown). */
  market(markets: ReadonlyMap<string, SimMarket>): SimMarket {
    const id = this.required('symbol');
    const m = markets.get(id);
    if (!m) throw errors.badSymbol();
    return m;
  }

  /** The market named by an optional `symbol`, if sent (-1121 when unknown). */
  optionalMarket(markets: ReadonlyMap<string, SimMarket>): SimMarket | undefined {
    return this.optional('symbol') === undefined ? undefined : this.market(markets);
  }
}
