import type { Exchange } from 'ccxt';
import { ValidationError } from '../../domain/errors.js';

type Frame = Record<string, unknown>;

/**
 * Why a pushed WebSocket frame cannot be read, or null when ccxt can take it. Binance's WS API pushes
 * user-data events as `{ subscriptionId, event: { e: "executionReport", ... } }` (a listen-key stream
 * bare, `{ e, ... }`) and answers requests as `{ id, status, result | error }`. Unreadable: a frame that is
 * not a JSON object (ccxt hands on the text of one it could not parse: a truncated message), an event that
 * is not an object of a user-data event type, an execution report without its symbol. ccxt would throw on
 * the first (a TypeError that ends the connection) and drop the others silently, each time without a word
 * of what was lost.
 */
export function unreadableFrame(message: unknown): ValidationError | null {
  if (typeof message === 'string') {
    return new ValidationError('message', `not JSON (truncated?): ${JSON.stringify(message.slice(0, 80))}`);
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return new ValidationError('message', `not a JSON object: ${describe(message)}`);
  }
  const frame = message as Frame;
  if ('id' in frame || 'stream' in frame) return null; // an answer to a request, or a market stream's frame
  const wrapped = 'subscriptionId' in frame || 'event' in frame;
  const event = wrapped ? frame.event : frame;
  const at = wrapped ? 'event' : 'message';
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return new ValidationError(at, `not a JSON object: ${describe(event)}`);
  }
  const type = (event as Frame).e;
  if (typeof type !== 'string' || !USER_DATA_EVENTS.has(type)) {
    return new ValidationError(`${at}.e`, `not a user-data event type: ${describe(type)}`);
  }
  const symbol = (event as Frame).s;
  if (type === 'executionReport' && (typeof symbol !== 'string' || symbol.length === 0)) {
    return new ValidationError(`${at}.s`, `an execution report names no symbol: ${describe(symbol)}`);
  }
  return null;
}

/** Binance's user-data event types (its spot user data stream documentation). */
const USER_DATA_EVENTS = new Set([
  'executionReport',
  'outboundAccountPosition',
  'balanceUpdate',
  'listStatus',
  'externalLockUpdate',
  'eventStreamTerminated',
  'listenKeyExpired',
]);

/** A pushed event: wrapped by the WS API (`{ subscriptionId, event }`) or bare (`{ e, ... }`). */
function isEvent(message: unknown): boolean {
  const frame = message as Frame;
  return 'event' in frame || typeof frame.e === 'string';
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/**
 * Makes `exchange` (a ccxt.pro client, before its first WebSocket opens) hand every pushed frame it cannot
 * read to `onUnreadable` and drop it, instead of throwing or dropping it silently; and sends ccxt's own log
 * lines (its WebSocket client writes a failed JSON parse to the console) to `log`.
 */
export function guardPushedFrames(
  exchange: Exchange,
  onUnreadable: (problem: ValidationError, frame: unknown) => void,
  log: (line: string) => void,
): void {
  const ex = exchange as unknown as {
    handleMessage: (client: unknown, message: unknown) => unknown;
    log: (...args: unknown[]) => void;
  };
  const handle = ex.handleMessage.bind(exchange);
  ex.handleMessage = (client, message) => {
    const problem = unreadableFrame(message);
    if (problem !== null) return onUnreadable(problem, message);
    try {
      return handle(client, message);
    } catch (err) {
      // ccxt's handler threw on an event (a non-decimal quantity it feeds to BigInt, say): thrown on, it
      // would end the connection and say nothing of the event; the event is refused instead.
      if (!isEvent(message)) throw err;
      return onUnreadable(new ValidationError('event', `ccxt could not read it: ${String(err)}`), message);
    }
  };
  ex.log = (...args) => log(args.map((a) => (a instanceof Date ? a.toISOString() : String(a))).join(' '));
}
