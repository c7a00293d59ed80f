import { createHmac, timingSafeEqual } from 'node:crypto';
import { errors } from './binance-error.js';
import type { Params } from './params.js';

/** The one account's API key pair (HMAC-SHA256). */
export interface Credentials {
  apiKey: string;
  apiSecret: string;
}

/** Hex HMAC-SHA256 of `payload` under `secret`, as Binance signs. */
export function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** `raw` (an urlencoded string exactly as received) without its `signature=` pairs. */
function stripSignature(raw: string): string {
  if (raw === '') return '';
  return raw
    .split('&')
    .filter((pair) => !pair.startsWith('signature='))
    .join('&');
}

/** Constant-time string equality. */
function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks the X-MBX-APIKEY header: -2014 when absent or malformed, -2015 when not our key. */
export function checkApiKey(header: string | undefined, credentials: Credentials): void {
  if (header === undefined || header === '' || !/^[\x21-\x7e]{1,128}$/.test(header))
    throw errors.apiKeyFormat();
  if (!safeEqual(header, credentials.apiKey)) throw errors.invalidApiKey();
}

/**
 * Binance's timing rule: accepted when `timestamp < now + 1000` and `now - timestamp <= recvWindow`
 * (recvWindow default 5000, at most 60000). Throws -1021 or -1131.
 */
export function checkTimestamp(timestamp: number, recvWindow: number | undefined, now: number): void {
  const window = recvWindow ?? 5000;
  if (window > 60000 || window <= 0) throw errors.badRecvWindow();
  if (timestamp >= now + 1000) throw errors.futureTimestamp();
  if (now - timestamp > window) throw errors.staleTimestamp();
}

/** What a signed REST request carries. */
export interface SignedRequest {
  apiKeyHeader: string | undefined;
  /** Raw query string, without the leading `?`. */
  rawQuery: string;
  /** Raw urlencoded body. */
  rawBody: string;
  params: Params;
}

/**
 * Verifies a SIGNED REST request: key (-2014/-2015), signature over the raw query then the raw body minus
 * the signature pairs (-1102 missing, -1022 wrong), then timestamp and recvWindow (-1021, -1131).
 */
export function verifySigned(req: SignedRequest, credentials: Credentials, now: number): void {
  checkApiKey(req.apiKeyHeader, credentials);
  const signature = req.params.required('signature');
  const timestamp = req.params.long('timestamp');
  if (timestamp === undefined) throw errors.mandatory('timestamp');
  const recvWindow = req.params.long('recvWindow');
  const payload = stripSignature(req.rawQuery) + stripSignature(req.rawBody);
  if (!safeEqual(hmacHex(credentials.apiSecret, payload), signature.toLowerCase()))
    throw errors.badSignature();
  checkTimestamp(timestamp, recvWindow, now);
}

/**
 * Verifies the params of a signed WS API request (`userDataStream.subscribe.signature`): the payload is
 * every param but `signature`, sorted by name, `k=v` joined with `&`, not urlencoded.
 */
export function verifyWsParams(params: Record<string, unknown>, credentials: Credentials, now: number): void {
  const apiKey = params['apiKey'];
  checkApiKey(typeof apiKey === 'string' ? apiKey : undefined, credentials);
  const signature = params['signature'];
  if (typeof signature !== 'string' || signature === '') throw errors.mandatory('signature');
  const timestamp = Number(params['timestamp']);
  if (!Number.isSafeInteger(timestamp)) throw errors.mandatory('timestamp');
  const rw = params['recvWindow'];
  const recvWindow = rw === undefined ? undefined : Number(rw);
  if (recvWindow !== undefined && !Number.isSafeInteger(recvWindow)) throw errors.badRecvWindow();
  const payload = Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join('&');
  if (!safeEqual(hmacHex(credentials.apiSecret, payload), signature.toLowerCase()))
    throw errors.badSignature();
  checkTimestamp(timestamp, recvWindow, now);
}
