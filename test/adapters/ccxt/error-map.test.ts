import {
  AuthenticationError,
  BadSymbol,
  DDoSProtection,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  NetworkError,
  OperationFailed,
  OrderNotFound,
  RateLimitExceeded,
  RequestTimeout,
} from 'ccxt';
import type { Exchange } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { createCcxtClient } from '../../../src/adapters/ccxt/ccxt-client.js';
import { ApiCredentials } from '../../../src/adapters/ccxt/credentials.js';
import { classifyCcxtError, isDuplicateOrder, retryAfterMs } from '../../../src/adapters/ccxt/error-map.js';
import type { CcxtOperation } from '../../../src/adapters/ccxt/error-map.js';
import { VenueError } from '../../../src/adapters/venue.js';

const credentials = new ApiCredentials('test-api-key-1234', 'test-api-secret-5678', 'test');
/** A real guarded ccxt client pointed at a local URL: its own error handling turns replies into errors. */
const exchange: Exchange = await createCcxtClient({
  exchangeId: 'binance',
  credentials,
  url: 'http://127.0.0.1:9',
  recvWindowMs: 5000,
  timeoutMs: 1000,
  keepAliveMs: 20_000,
});

/** The error ccxt itself raises for this HTTP reply (handleErrors, then the status-code fallback). */
function errorFor(status: number, body: string, headers: Record<string, string> = {}): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const url = 'http://127.0.0.1:9/api/v3/order';
  const ex = exchange as unknown as Record<string, (...a: unknown[]) => unknown>;
  try {
    const skip = ex.handleErrors!.call(exchange, status, 'x', url, 'POST', headers, body, parsed, {}, '');
    if (skip === undefined) ex.handleHttpStatusCode!.call(exchange, status, 'x', url, 'POST', body);
  } catch (err) {
    return err;
  }
  throw new Error(`ccxt raised nothing for ${status} ${body}`);
}

const body = (code: number, msg: string) => JSON.stringify({ code, msg });
const classify = (err: unknown, op: CcxtOperation = 'place') =>
  classifyCcxtError(err, {
    op,
    venue: 'binance',
    what: 'place sf-1 BTC/USDT',
    redact: (s) => credentials.redact(s),
  });

describe('ccxt error classification (real ccxt error classes, raised by ccxt from venue replies)', () => {
  it('a duplicate clientOrderId (-2010 "Duplicate order sent.") is an InvalidOrder in ccxt, but duplicate for us', () => {
    const err = errorFor(400, body(-2010, 'Duplicate order sent.'));
    expect(err).toBeInstanceOf(InvalidOrder);
    expect(isDuplicateOrder(err)).toBe(true);
    expect(classify(err).kind).toBe('duplicate');
  });

  it('insufficient balance and other -2010 texts are definite rejections', () => {
    const funds = errorFor(400, body(-2010, 'Account has insufficient balance for requested action.'));
    expect(funds).toBeInstanceOf(InsufficientFunds);
    expect(classify(funds).kind).toBe('rejected');
    const other = errorFor(400, body(-2010, 'Order would immediately match and take.'));
    expect(isDuplicateOrder(other)).toBe(false);
    expect(classify(other).kind).toBe('rejected');
    const filter = errorFor(400, body(-1013, 'Filter failure: PRICE_FILTER'));
    expect(filter).toBeInstanceOf(InvalidOrder);
    expect(classify(filter).kind).toBe('rejected');
    const notional = errorFor(400, body(-1013, 'Filter failure: NOTIONAL'));
    expect(classify(notional).kind).toBe('rejected');
  });

  it('unknown order on cancel or lookup is notFound', () => {
    for (const [code, msg] of [
      [-2011, 'Unknown order sent.'],
      [-2013, 'Order does not exist.'],
    ] as const) {
      const err = errorFor(400, body(code, msg));
      expect(err).toBeInstanceOf(OrderNotFound);
      expect(classify(err, 'cancel').kind).toBe('notFound');
    }
  });

  it('timeouts, network errors, 5xx, -1000/-1001/-1006/-1007 and unexpected exceptions are unknown outcomes', () => {
    const cases: unknown[] = [
      errorFor(500, '<html>oops</html>'),
      errorFor(502, 'bad gateway'),
      errorFor(503, ''),
      errorFor(504, ''),
      errorFor(400, body(-1000, 'An unknown error occurred while processing the request.')),
      errorFor(400, body(-1001, 'Internal error; unable to process your request. Please try again.')),
      errorFor(400, body(-1006, 'An unexpected response was received from the message bus.')),
      errorFor(400, body(-1007, 'Timeout waiting for response from backend server. Send status unknown.')),
      new RequestTimeout('binance POST http://127.0.0.1:9/api/v3/order request timed out (1000 ms)'),
      new NetworkError('fetch failed: other side closed'),
      new TypeError("Cannot read properties of undefined (reading 'orderId')"),
      'a thrown string',
    ];
    expect(cases[0]).toBeInstanceOf(ExchangeNotAvailable);
    expect(cases[3]).toBeInstanceOf(RequestTimeout);
    expect(cases[4]).toBeInstanceOf(OperationFailed);
    expect(cases[4]).not.toBeInstanceOf(NetworkError);
    for (const err of cases) expect(classify(err).kind, String(err)).toBe('unknown');
  });

  it('429 and 418 are rate limits with the Retry-After the venue sent', () => {
    const limited = errorFor(429, body(-1003, 'Too many requests.'), { 'Retry-After': '7' });
    expect(limited).toBeInstanceOf(DDoSProtection);
    const l = classify(limited);
    expect([l.kind, l.retryAfterMs]).toEqual(['rateLimited', 7000]);
    const banned = errorFor(418, body(-1003, 'Way too many requests; IP banned.'), { 'retry-after': '120' });
    const b = classify(banned);
    expect([b.kind, b.retryAfterMs]).toEqual(['rateLimited', 120_000]);
    const noHeader = classify(errorFor(400, body(-1015, 'Too many new orders.')));
    expect(errorFor(400, body(-1015, 'x'))).toBeInstanceOf(RateLimitExceeded);
    expect([noHeader.kind, noHeader.retryAfterMs]).toEqual(['rateLimited', 1000]);
  });

  it('bad signature, bad key and stale timestamp are definite refusals with a message saying what to check', () => {
    const sig = errorFor(400, body(-1022, 'Signature for this request is not valid.'));
    expect(sig).toBeInstanceOf(AuthenticationError);
    expect(classify(sig).kind).toBe('rejected');
    expect(classify(sig).message).toMatch(/API key/);
    const stale = errorFor(400, body(-1021, 'Timestamp for this request is outside of the recvWindow.'));
    expect(stale).toBeInstanceOf(InvalidNonce);
    expect(classify(stale).kind).toBe('rejected');
    expect(classify(stale).message).toMatch(/clock/);
    // -2015 turns into DDoSProtection once a private call succeeded (ccxt quirk): still an auth refusal.
    const revoked = new DDoSProtection(
      `binance ${body(-2015, 'Invalid API-key, IP, or permissions for action.')}`,
    );
    expect(classify(revoked).kind).toBe('rejected');
  });

  it('an unknown symbol and other venue error codes are definite refusals', () => {
    const sym = errorFor(400, body(-1121, 'Invalid symbol.'));
    expect(sym).toBeInstanceOf(BadSymbol);
    expect(classify(sym).kind).toBe('rejected');
    expect(classify(errorFor(400, body(-9999, 'Something new.'))).kind).toBe('rejected');
  });

  it('never puts the key or the secret into a message', () => {
    const err = new InsufficientFunds(`binance rejected key test-api-key-1234 secret test-api-secret-5678`);
    const msg = classify(err).message;
    expect(msg).not.toContain('test-api-key-1234');
    expect(msg).not.toContain('test-api-secret-5678');
    expect(msg).toContain('[redacted]');
    expect(JSON.stringify({ credentials })).not.toContain('test-api-secret-5678');
  });

  it('passes VenueErrors through and parses Retry-After dates', () => {
    const e = new VenueError('rejected', 'local');
    expect(classify(e)).toBe(e);
    expect(retryAfterMs({ 'Retry-After': 'Thu, 01 Jan 2026 00:00:10 GMT' }, Date.UTC(2026, 0, 1))).toBe(
      10_000,
    );
    expect(retryAfterMs({})).toBeUndefined();
  });
});
