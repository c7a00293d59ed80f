import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Exchange } from 'ccxt';
import { ConfigError } from '../../domain/errors.js';
import type { ApiCredentials } from './credentials.js';
import { attachHttpFacts } from './error-map.js';

/** How to build the ccxt client of one venue account. */
export interface CcxtClientOptions {
  /** A ccxt.pro exchange id (`binance`). */
  exchangeId: string;
  credentials: ApiCredentials;
  /**
   * Base URL of a Binance-compatible venue (`http://127.0.0.1:8080`): REST at `<url>/api/v3`, the WS API
   * at `ws(s)://<host>/ws-api/v3`. Absent: the exchange's own production endpoints.
   */
  url?: string | undefined;
  /** Overrides the WS API URL (a venue whose WebSocket host differs from its REST host). */
  wsUrl?: string | undefined;
  /** ccxt's sandbox mode (Binance: the spot testnet). */
  sandbox?: boolean | undefined;
  /** How long after its timestamp the venue still accepts a signed request (Binance recvWindow), ms. */
  recvWindowMs: number;
  /** HTTP timeout of one request, ms (then RequestTimeout: outcome unknown). */
  timeoutMs: number;
  /** Period of WebSocket pings; a connection that misses two pongs is declared dead. */
  keepAliveMs: number;
  /** Extra ccxt options merged over ours (tests use `timeDifference` to fake a skewed clock). */
  ccxtOptions?: Record<string, unknown> | undefined;
}

type AnyRecord = Record<string, unknown>;
type ExchangeClass = new (config: AnyRecord) => Exchange;

/**
 * A ccxt.pro exchange class with two guards:
 * - every HTTP error carries its status and Retry-After (see error-map.ts), which ccxt drops;
 * - Binance's WS API subscription future is observed, so a refused subscription (-1022, -2015, -1021)
 *   does not leak an unhandled rejection that kills Node (ccxt 4.5.84, see binance-subset.md §5);
 * - a failed market load is forgotten: ccxt keeps the rejected `marketsLoading` promise and hands it to
 *   every later call that needs markets (`fetchBalance`, `createOrder`, ...), which then all fail with
 *   the old error without sending anything, so one 503 on `exchangeInfo` would disable the client.
 */
function guardedClass(Base: ExchangeClass): ExchangeClass {
  const baseProto = Base.prototype as unknown as AnyRecord;
  const ensureSubscribed = baseProto.ensureUserDataStreamWsSubscribeSignature as
    ((this: Exchange, type?: string) => Promise<unknown>) | undefined;
  class Guarded extends Base {
    override handleErrors(
      status: number,
      statusText: string,
      url: string,
      method: string,
      responseHeaders: AnyRecord,
      ...rest: unknown[]
    ): undefined {
      try {
        const handle = baseProto.handleErrors as (...args: unknown[]) => undefined;
        return handle.call(this, status, statusText, url, method, responseHeaders, ...rest);
      } catch (err) {
        attachHttpFacts(err, status, responseHeaders);
        throw err;
      }
    }

    override loadMarkets(...args: Parameters<Exchange['loadMarkets']>): ReturnType<Exchange['loadMarkets']> {
      const result = super.loadMarkets(...args);
      const loading = this.marketsLoading as Promise<unknown> | undefined;
      loading?.catch(() => {
        if (this.marketsLoading === loading)
          (this as { marketsLoading?: unknown }).marketsLoading = undefined;
      });
      return result;
    }

    override handleHttpStatusCode(status: number, ...rest: unknown[]): void {
      try {
        (baseProto.handleHttpStatusCode as (...args: unknown[]) => void).call(this, status, ...rest);
      } catch (err) {
        attachHttpFacts(
          err,
          status,
          (this as unknown as AnyRecord).last_response_headers as AnyRecord | undefined,
        );
        throw err;
      }
    }
  }
  if (ensureSubscribed !== undefined) {
    Object.defineProperty(Guarded.prototype, 'ensureUserDataStreamWsSubscribeSignature', {
      value: function (this: Exchange, type = 'spot'): Promise<unknown> {
        const result = ensureSubscribed.call(this, type);
        const url = ((this.urls as AnyRecord).api as AnyRecord).ws as AnyRecord;
        const wsApi = url['ws-api'] as AnyRecord | undefined;
        const target = wsApi?.[type];
        if (typeof target === 'string') {
          const client = this.client(target) as unknown as { futures: Record<string, Promise<unknown>> };
          client.futures[`authenticate:signature:${type}`]?.catch(() => {});
        }
        result.catch(() => {});
        return result;
      },
      writable: true,
      configurable: true,
    });
  }
  return Guarded;
}

/** Splits a venue base URL into origin parts and a path prefix without trailing slash or `/api/v3`. */
function baseUrlOf(url: string): { protocol: string; host: string; origin: string; path: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('--venue-url', `must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError('--venue-url', `must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/api\/v3$/, '');
  return { protocol: parsed.protocol, host: parsed.host, origin: parsed.origin, path };
}

/**
 * Loads the ccxt.pro class of an exchange. The package entry loads all of ccxt's 100+ exchanges (about a
 * second of startup); an exchange's own module (`js/src/pro/<id>.js` of the pinned package) loads only
 * it and ccxt's base, which are the very same module files the entry imports (same classes). Falls back
 * to the entry when the file is not there.
 */
export async function loadExchangeClass(exchangeId: string): Promise<ExchangeClass> {
  if (/^[a-z0-9]+$/.test(exchangeId)) {
    const entry = createRequire(import.meta.url).resolve('ccxt'); // <pkg>/dist/ccxt.cjs
    const file = path.join(path.dirname(path.dirname(entry)), 'js', 'src', 'pro', `${exchangeId}.js`);
    if (fs.existsSync(file)) {
      const mod = (await import(pathToFileURL(file).href)) as { default?: ExchangeClass };
      if (typeof mod.default === 'function') return mod.default;
    }
  }
  const { pro } = await import('ccxt');
  const Base = (pro as unknown as Record<string, ExchangeClass | undefined>)[exchangeId];
  if (Base === undefined) throw new ConfigError('venue', `${exchangeId} is not a ccxt.pro exchange id`);
  return Base;
}

/** Builds the ccxt.pro client of one account. Nothing is sent yet. */
export async function createCcxtClient(options: CcxtClientOptions): Promise<Exchange> {
  const Base = await loadExchangeClass(options.exchangeId);
  const Guarded = guardedClass(Base);
  const exchange = new Guarded({
    apiKey: options.credentials.apiKey,
    secret: options.credentials.secret,
    enableRateLimit: false, // our own per-venue budget decides (RequestBudget)
    timeout: options.timeoutMs,
    streaming: { keepAlive: options.keepAliveMs },
    options: {
      defaultType: 'spot',
      recvWindow: options.recvWindowMs,
      fetchMarkets: { types: ['spot'] },
      fetchCurrencies: false,
      fetchMargins: false,
      fetchOpenOrders: { warnWithoutSymbol: false },
      ...options.ccxtOptions,
    },
  });
  if (options.sandbox === true) exchange.setSandboxMode(true);
  const urls = exchange.urls as AnyRecord;
  const api = urls.api as AnyRecord;
  if (options.url !== undefined) {
    if (options.exchangeId !== 'binance') {
      throw new ConfigError('--venue-url', `is supported for binance only, not ${options.exchangeId}`);
    }
    const base = baseUrlOf(options.url);
    const rest = `${base.origin}${base.path}/api/v3`;
    api.public = rest;
    api.private = rest;
    const wsScheme = base.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = api.ws as AnyRecord;
    ws['ws-api'] = {
      ...(ws['ws-api'] as AnyRecord),
      spot: `${wsScheme}//${base.host}${base.path}/ws-api/v3`,
    };
    // Only Binance's own hosts get ccxt's spot-only error codes: merge them so a local venue maps alike.
    const exceptions = (exchange as unknown as AnyRecord).exceptions as AnyRecord;
    const spot = exceptions.spot as AnyRecord | undefined;
    if (spot?.exact !== undefined)
      exceptions.exact = { ...(exceptions.exact as AnyRecord), ...(spot.exact as AnyRecord) };
  }
  if (options.wsUrl !== undefined) {
    const ws = api.ws as AnyRecord;
    ws['ws-api'] = { ...(ws['ws-api'] as AnyRecord), spot: options.wsUrl };
  }
  const wsApi = (api.ws as AnyRecord | undefined)?.['ws-api'] as AnyRecord | undefined;
  if (typeof wsApi?.spot === 'string' && wsApi.spot.startsWith('ws://')) {
    // ccxt refuses plain ws:// without an agent ("use proxy with non-ssl ws:// urls").
    (exchange as unknown as AnyRecord).httpAgent = new http.Agent({ keepAlive: true });
  }
  return exchange;
}
