import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../domain/logger.js';
import { BinanceError, errors } from './binance-error.js';
import type { Faults } from './faults.js';
import { streamEventJson } from './formats.js';
import { verifyWsParams } from './signing.js';
import type { Credentials } from './signing.js';
import type { SimEvent } from './sim-event.js';

/** Path of the WS API (what ccxt 4.5.84 uses for the spot user-data stream). */
export const WS_API_PATH = '/ws-api/v3';

/** One connected socket: WS API subscriptions, or a legacy `/ws/<listenKey>` stream. */
interface Peer {
  ws: WebSocket;
  /** WS API subscription ids of this connection (events are wrapped `{subscriptionId, event}`). */
  subscriptions: Set<number>;
  nextSubscriptionId: number;
  /** True for a `/ws/<listenKey>` socket (events are sent bare). */
  legacy: boolean;
}

/** What the user-data stream needs. */
export interface UserStreamOptions {
  credentials: Credentials;
  clock: Clock;
  faults: Faults;
  logger: Logger;
}

/**
 * The user-data stream: the WS API at `/ws-api/v3` (`userDataStream.subscribe.signature`, as ccxt uses it)
 * and the legacy listenKey stream at `/ws/<listenKey>`. Pushes every committed order change as an
 * `executionReport` and balance changes as `outboundAccountPosition`, applying the duplicate/reorder faults.
 */
export class UserStream {
  readonly #o: UserStreamOptions;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #peers = new Set<Peer>();
  readonly #listenKeys = new Set<string>();
  #held: { payload: Record<string, unknown>; copies: number; timer: unknown } | null = null;

  constructor(options: UserStreamOptions) {
    this.#o = options;
  }

  /** Takes over an HTTP upgrade; refuses unknown paths and listenKeys. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const legacyKey = path.startsWith('/ws/') ? path.slice(4) : null;
    if (path !== WS_API_PATH && (legacyKey === null || !this.#listenKeys.has(legacyKey))) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const peer: Peer = { ws, subscriptions: new Set(), nextSubscriptionId: 0, legacy: legacyKey !== null };
      this.#peers.add(peer);
      ws.on('close', () => this.#peers.delete(peer));
      ws.on('error', () => this.#peers.delete(peer));
      ws.on('message', (data: Buffer) => this.#onMessage(peer, data.toString('utf8')));
    });
  }

  /** Creates a listenKey for the legacy stream (POST /api/v3/userDataStream). */
  createListenKey(): string {
    const key = randomBytes(30).toString('hex');
    this.#listenKeys.add(key);
    return key;
  }

  /** Keeps a listenKey alive (PUT) or deletes it (DELETE); -1125 when unknown. */
  touchListenKey(key: string, remove: boolean): void {
    if (!this.#listenKeys.has(key)) throw errors.badListenKey();
    if (remove) this.#listenKeys.delete(key);
  }

  /** Number of connected sockets that receive events. */
  get subscriberCount(): number {
    let n = 0;
    for (const p of this.#peers) if (p.legacy || p.subscriptions.size > 0) n++;
    return n;
  }

  /** Pushes committed events to every subscriber, applying the report faults. */
  publish(events: readonly SimEvent[]): void {
    for (const e of events) {
      const payload = streamEventJson(e);
      if (e.kind !== 'executionReport') {
        this.#send(payload);
        continue;
      }
      const f = this.#o.faults.forReport();
      const copies = f.duplicate ? 2 : 1;
      const previous = this.#held;
      this.#held = null;
      if (previous) {
        // This report overtakes the held one, which follows right after it.
        this.#o.clock.clearTimeout(previous.timer);
        for (let i = 0; i < copies; i++) this.#send(payload);
        for (let i = 0; i < previous.copies; i++) this.#send(previous.payload);
      } else if (f.holdMs > 0) {
        const timer = this.#o.clock.setTimeout(() => this.#flushHeld(), f.holdMs);
        this.#held = { payload, copies, timer };
      } else {
        for (let i = 0; i < copies; i++) this.#send(payload);
      }
    }
  }

  /** Pushes `event` as it is to every subscriber (no faults); returns how many sockets got it. */
  pushRaw(event: Record<string, unknown>): number {
    this.#send(event);
    return this.subscriberCount;
  }

  /** Sends `text` as one frame, verbatim, to every subscriber; returns how many sockets got it. */
  pushText(text: string): number {
    for (const p of this.#peers) p.ws.send(text);
    return this.subscriberCount;
  }

  /** Drops every socket at once (the client sees close code 1006); returns how many. */
  disconnectAll(): number {
    const n = this.#peers.size;
    for (const p of this.#peers) p.ws.terminate();
    this.#peers.clear();
    return n;
  }

  /** Drops every socket and any held report. */
  close(): void {
    if (this.#held) this.#o.clock.clearTimeout(this.#held.timer);
    this.#held = null;
    this.disconnectAll();
    this.#wss.close();
  }

  #flushHeld(): void {
    const held = this.#held;
    this.#held = null;
    if (held) for (let i = 0; i < held.copies; i++) this.#send(held.payload);
  }

  #send(event: Record<string, unknown>): void {
    for (const p of this.#peers) {
      if (p.legacy) p.ws.send(JSON.stringify(event));
      for (const subscriptionId of p.subscriptions) p.ws.send(JSON.stringify({ subscriptionId, event }));
    }
  }

  #onMessage(peer: Peer, text: string): void {
    let msg: { id?: unknown; method?: unknown; params?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      peer.ws.send(
        JSON.stringify({ id: null, status: 400, error: { code: -1000, msg: 'Malformed request.' } }),
      );
      return;
    }
    const id = typeof msg.id === 'string' || typeof msg.id === 'number' ? msg.id : null;
    const reply = (body: Record<string, unknown>) => peer.ws.send(JSON.stringify({ id, ...body }));
    try {
      const result = this.#call(peer, msg.method, msg.params);
      reply({ status: 200, result });
    } catch (err) {
      const e = err instanceof BinanceError ? err : new BinanceError(400, -1000, 'Internal error.');
      if (!(err instanceof BinanceError))
        this.#o.logger.warn(
          { code: 'SIM_WS_REQUEST_FAILED', err: String(err) },
          'venue-sim: ws request failed',
        );
      reply({ status: e.status, error: e.body() });
    }
  }

  #call(peer: Peer, method: unknown, params: unknown): Record<string, unknown> {
    const p = typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
    switch (method) {
      case 'userDataStream.subscribe.signature': {
        verifyWsParams(p, this.#o.credentials, this.#o.clock.now());
        const subscriptionId = peer.nextSubscriptionId++;
        peer.subscriptions.add(subscriptionId);
        return { subscriptionId };
      }
      case 'userDataStream.unsubscribe': {
        const sid = p['subscriptionId'];
        if (typeof sid === 'number') peer.subscriptions.delete(sid);
        else peer.subscriptions.clear();
        return {};
      }
      case 'ping':
        return {};
      case 'time':
        return { serverTime: this.#o.clock.now() };
      default:
        throw new BinanceError(400, -1100, `Illegal characters found in parameter 'method'.`);
    }
  }
}
