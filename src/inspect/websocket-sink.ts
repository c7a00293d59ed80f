import type { InspectionEvent } from 'xstate';
import { WebSocket } from 'ws';
import type { Clock } from '../domain/clock.js';
import { describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { toStatelyEvent, wireReplacer } from './stately-wire.js';

/** Options of a WebSocket inspection sink. */
export interface WebSocketSinkOptions {
  /** `ws://` or `wss://` URL of a relay: the visualizer's `/inspect`, or `@statelyai/inspect`'s server. */
  url: string;
  clock: Clock;
  logger: Logger;
  /** Events kept while not connected (oldest dropped first). */
  maxDeferred?: number;
  /** Above this many bytes waiting in the socket, new events are dropped (and counted). */
  maxBufferedBytes?: number;
}

/**
 * Sends inspection events over a WebSocket exactly as `@statelyai/inspect`'s `createWebSocketInspector`
 * does: one JSON text message per event, in its `StatelyInspectionEvent` shape. It never blocks or fails
 * the engine: while disconnected it keeps the last `maxDeferred` events and reconnects with backoff; when
 * the receiver is slower than the engine, events are dropped and counted instead of piling up in memory.
 */
export class WebSocketInspectSink {
  /** Counters: sent, dropped (slow or absent receiver). */
  readonly stats = { sent: 0, dropped: 0 };
  private ws: WebSocket | null = null;
  private deferred: InspectionEvent[] = [];
  private retryMs = 500;
  private retryTimer: unknown = null;
  private closed = false;
  private seq = 0;
  private warnedDrop = false;
  private outage = false;

  constructor(private readonly options: WebSocketSinkOptions) {}

  /** Connects (and keeps reconnecting until `close`). */
  start(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.options.url, { handshakeTimeout: 5000 });
    this.ws = ws;
    ws.on('open', () => {
      this.retryMs = 500;
      this.outage = false;
      this.options.logger.info({ url: this.options.url }, 'inspection connected');
      const waiting = this.deferred;
      this.deferred = [];
      for (const event of waiting) this.inspect(event);
    });
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.includes('"@steadfast.error"'))
        this.options.logger.warn(
          { code: 'INSPECTION_REFUSED', reply: text.slice(0, 300) },
          'inspection receiver refused an event',
        );
    });
    ws.on('error', (err) =>
      this.options.logger.debug({ err: describeError(err) }, 'inspection socket error'),
    );
    ws.on('close', () => {
      if (this.ws === ws) this.ws = null;
      if (this.closed) return;
      // Warn once per outage; the retries themselves are debug noise.
      const line = { code: 'INSPECTION_UNREACHABLE' as const, url: this.options.url, retryMs: this.retryMs };
      if (this.outage) this.options.logger.debug(line, 'inspection receiver unreachable; retrying');
      else this.options.logger.warn(line, 'inspection receiver unreachable; retrying');
      this.outage = true;
      this.retryTimer = this.options.clock.setTimeout(() => this.start(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    });
  }

  /** The inspection observer: pass it where XState takes `inspect`. */
  readonly inspect = (event: InspectionEvent): void => {
    if (this.closed) return;
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) {
      this.deferred.push(event);
      if (this.deferred.length > (this.options.maxDeferred ?? 1000)) {
        this.deferred.shift();
        this.stats.dropped += 1;
      }
      return;
    }
    if (ws.bufferedAmount > (this.options.maxBufferedBytes ?? 8 << 20)) {
      this.stats.dropped += 1;
      if (!this.warnedDrop) {
        this.warnedDrop = true;
        this.options.logger.warn(
          { code: 'INSPECTION_DROPPED', url: this.options.url },
          'inspection receiver is slower than the engine: dropping events',
        );
      }
      return;
    }
    this.seq += 1;
    const wire = toStatelyEvent(event, String(this.seq), this.options.clock.now());
    if (wire === null) return;
    ws.send(JSON.stringify(wire, wireReplacer));
    this.stats.sent += 1;
  };

  /** Waits (up to `timeoutMs`) for queued messages to leave, then closes. */
  async close(timeoutMs = 2000): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== null) this.options.clock.clearTimeout(this.retryTimer);
    const ws = this.ws;
    if (ws === null) return;
    if (ws.readyState === WebSocket.OPEN) {
      const deadline = this.options.clock.now() + timeoutMs;
      while (ws.bufferedAmount > 0 && this.options.clock.now() < deadline) {
        await new Promise((r) => this.options.clock.setTimeout(r, 20));
      }
      await new Promise<void>((resolve) => {
        const t = this.options.clock.setTimeout(() => {
          ws.terminate();
          resolve();
        }, 500);
        ws.once('close', () => {
          this.options.clock.clearTimeout(t);
          resolve();
        });
        ws.close(1000, 'engine stopping');
      });
    } else ws.terminate();
    if (this.stats.dropped > 0)
      this.options.logger.warn(
        { code: 'INSPECTION_DROPPED', url: this.options.url, ...this.stats },
        'inspection events dropped',
      );
  }
}
