import { VenueError } from '../venue.js';

/**
 * The ccxt error classes `err` is an instance of, by name, walking its prototype chain (`InvalidOrder`,
 * `ExchangeError`, `BaseError`). By name rather than `instanceof`, so the classification does not depend
 * on which copy of ccxt (the package entry or one exchange's module) created the error.
 */
export function ccxtClassesOf(err: unknown): ReadonlySet<string> {
  const names = new Set<string>();
  if (typeof err !== 'object' || err === null) return names;
  for (let p = Object.getPrototypeOf(err) as object | null; p !== null && p !== Error.prototype;) {
    const ctor = (p as { constructor?: { name?: unknown } }).constructor;
    if (typeof ctor?.name === 'string') names.add(ctor.name);
    p = Object.getPrototypeOf(p) as object | null;
  }
  return names.has('BaseError') ? names : new Set();
}

/** Which kind of call failed: the same error means different things for a place, a cancel and a read. */
export type CcxtOperation = 'place' | 'cancel' | 'read';

/** An account-level problem worth shouting about: every private call will fail until a human fixes it. */
export type AccountProblem = 'auth' | 'clock';

/** What the HTTP layer saw, attached to a ccxt error by the client subclass (see ccxt-client.ts). */
export interface HttpFacts {
  status: number;
  /** From the Retry-After header, when the venue sent one. */
  retryAfterMs: number | undefined;
}

const HTTP_FACTS = Symbol('steadfast.httpFacts');

/** Attaches the HTTP status and Retry-After of the response that produced `err`. */
export function attachHttpFacts(
  err: unknown,
  status: number,
  headers: Record<string, unknown> | undefined,
): void {
  if (typeof err !== 'object' || err === null) return;
  const facts: HttpFacts = { status, retryAfterMs: retryAfterMs(headers ?? {}) };
  Object.defineProperty(err, HTTP_FACTS, { value: facts, enumerable: false, configurable: true });
}

/** The HTTP facts attached to `err`, if any. */
export function httpFactsOf(err: unknown): HttpFacts | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  return (err as Record<symbol, HttpFacts | undefined>)[HTTP_FACTS];
}

/** Parses a Retry-After header (seconds, or an HTTP date) into milliseconds. */
export function retryAfterMs(headers: Record<string, unknown>, now = Date.now()): number | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'retry-after');
  const raw = key === undefined ? undefined : headers[key];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A venue's `{"code": ..., "msg": ...}` error body, found in a ccxt error message. */
export interface VenueCode {
  code: number;
  msg: string;
}

/** Extracts the Binance-style error code and text that ccxt puts into its error messages. */
export function venueCodeOf(err: unknown): VenueCode | undefined {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const code = /"code"\s*:\s*(-?\d+)/.exec(message);
  if (code === null) return undefined;
  const msg = /"msg"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(message);
  return { code: Number(code[1]), msg: msg?.[1] ?? '' };
}

/**
 * Binance codes that do NOT prove the request was refused: -1000 unknown error, -1001 disconnected,
 * -1006 unexpected response, -1007 backend timeout ("execution status unknown"), -1008 overloaded.
 */
const OUTCOME_UNKNOWN_CODES = new Set([-1000, -1001, -1006, -1007, -1008]);
/** Binance codes that mean a bad key or signature (-2015 shows up as DDoSProtection in ccxt, see §4). */
const AUTH_CODES = new Set([-1002, -1022, -2014, -2015]);
/** Binance's answer to a clientOrderId equal to an open order's. */
const DUPLICATE_CODE = -2010;
const DUPLICATE_MSG = /duplicate order/i;
/** Defaults when a rate-limit answer carries no Retry-After. */
const DEFAULT_RETRY_MS = { rateLimited: 1_000, banned: 60_000 };
/** ccxt errors raised before anything was sent (missing arguments, unsupported calls). */
const CLIENT_SIDE = ['ArgumentsRequired', 'NotSupported', 'BadSymbol'];

/** True for a duplicate clientOrderId: ccxt raises it as InvalidOrder -2010 (or DuplicateOrderId elsewhere). */
export function isDuplicateOrder(err: unknown): boolean {
  const classes = ccxtClassesOf(err);
  if (classes.has('DuplicateOrderId')) return true;
  if (!classes.has('InvalidOrder')) return false;
  const code = venueCodeOf(err);
  return code !== undefined && code.code === DUPLICATE_CODE && DUPLICATE_MSG.test(code.msg);
}

/** A bad key/signature or a stale timestamp: problems of the whole account, not of one order. */
export function accountProblemOf(err: unknown): AccountProblem | null {
  const code = venueCodeOf(err)?.code;
  const classes = ccxtClassesOf(err);
  if (classes.has('InvalidNonce') || code === -1021) return 'clock';
  if (classes.has('AuthenticationError') || (code !== undefined && AUTH_CODES.has(code))) return 'auth';
  return null;
}

/** What a classification needs besides the error. */
export interface ClassifyContext {
  op: CcxtOperation;
  /** Venue id, for messages. */
  venue: string;
  /** What was attempted, for messages (`place sf1-2-3 BTC/USDT`). */
  what: string;
  /** Removes secrets from text (the credentials' redact). */
  redact?: (text: string) => string;
}

/**
 * Turns anything a ccxt call threw into a VenueError whose kind says what the failure proves:
 * - a duplicate clientOrderId (-2010 "Duplicate order sent.", an InvalidOrder) is `duplicate`, never a
 *   rejection;
 * - OrderNotFound is `notFound`;
 * - RateLimitExceeded / DDoSProtection (429, 418) are `rateLimited` with the venue's Retry-After;
 * - InsufficientFunds, invalid orders, bad symbols, bad requests, auth and timestamp errors, and any other
 *   venue error body with a code, are `rejected` (a definite answer: nothing happened);
 * - RequestTimeout, NetworkError, ExchangeNotAvailable, plain OperationFailed (-1000/-1001/-1006), a
 *   closed client and any unexpected exception (an empty 200 body surfaces as a TypeError) are `unknown`.
 */
export function classifyCcxtError(err: unknown, ctx: ClassifyContext): VenueError {
  if (err instanceof VenueError) return err;
  const redact = ctx.redact ?? ((s: string) => s);
  const code = venueCodeOf(err);
  const detail = redact(describe(err));
  const make = (kind: VenueError['kind'], why: string, retryAfter?: number) =>
    new VenueError(kind, `${ctx.venue} ${ctx.what}: ${why}: ${detail}`, {
      cause: err,
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
    });
  const problem = accountProblemOf(err);
  if (problem === 'auth') {
    return make('rejected', 'the venue refused the API key or signature (check the API key pair)');
  }
  if (problem === 'clock') {
    return make('rejected', "the venue refused the request's timestamp (check this machine's clock)");
  }
  const is = ccxtClassesOf(err);
  if (is.has('RateLimitExceeded') || is.has('DDoSProtection')) {
    const facts = httpFactsOf(err);
    const banned = facts?.status === 418;
    const wait = facts?.retryAfterMs ?? (banned ? DEFAULT_RETRY_MS.banned : DEFAULT_RETRY_MS.rateLimited);
    return make('rateLimited', banned ? 'banned for too many requests' : 'rate limited', wait);
  }
  if (isDuplicateOrder(err)) {
    return make('duplicate', 'the venue already has an open order with this clientOrderId');
  }
  if (is.has('OrderNotFound')) return make('notFound', 'the venue does not know this order');
  if (is.has('ExchangeClosedByUser')) return make('unknown', 'the client was closed');
  if (is.has('InsufficientFunds')) return make('rejected', 'insufficient funds');
  if (is.has('InvalidOrder')) return make('rejected', 'invalid order');
  if (is.has('BadRequest')) return make('rejected', 'bad request');
  if (is.has('OperationRejected')) return make('rejected', 'refused');
  if (is.has('OperationFailed')) return make('unknown', 'outcome unknown');
  if (is.has('ExchangeError')) {
    // A venue error body with a code is a definite answer unless the code itself says "status unknown".
    if (code !== undefined && !OUTCOME_UNKNOWN_CODES.has(code.code)) return make('rejected', 'refused');
    if (code === undefined && CLIENT_SIDE.some((c) => is.has(c)))
      return make('rejected', 'refused by the client');
    return make('unknown', 'outcome unknown');
  }
  return make('unknown', is.has('BaseError') ? 'outcome unknown' : 'unexpected client error');
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
