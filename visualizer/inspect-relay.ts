import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { z } from 'zod';
import { describeError } from '../src/domain/errors.js';
import { parseWith } from '../src/domain/schema-errors.js';

const base = {
  sessionId: z.string().min(1).max(500),
  rootId: z.string().max(500).optional(),
  createdAt: z.string().max(40).optional(),
  _version: z.string().max(40).optional(),
};
const eventObject = z.looseObject({ type: z.string().max(500) });

/**
 * One inspection event as `@statelyai/inspect`'s WebSocket inspector sends it (its `StatelyInspectionEvent`:
 * XState's InspectionEvent with actor refs replaced by session ids, one JSON text message each).
 */
export const statelyInspectionEvent = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('@xstate.actor'),
    ...base,
    name: z.string().max(500),
    definition: z.string().optional(),
    parentId: z.string().max(500).optional(),
    snapshot: z.looseObject({ status: z.string().optional() }),
  }),
  z.looseObject({
    type: z.literal('@xstate.event'),
    ...base,
    event: eventObject,
    sourceId: z.string().optional(),
  }),
  z.looseObject({
    type: z.literal('@xstate.snapshot'),
    ...base,
    event: eventObject,
    snapshot: z.looseObject({ status: z.string().optional() }),
  }),
]);

/** Counters of the relay. */
export interface RelayStats {
  clients: number;
  received: number;
  rejected: number;
}

/**
 * `ws://127.0.0.1:<port>/inspect`: a WebSocket relay that speaks `@statelyai/inspect`'s protocol, like its
 * `createInspectorServer`: every valid inspection event a client sends is broadcast to the other clients
 * (the visualizer page listens) and the last `keep` are replayed to new clients. Nothing is stored on disk.
 * An invalid message is answered with `{ type: '@steadfast.error', error }` naming the field, and dropped.
 */
export class InspectRelay {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  private readonly recent: string[] = [];
  readonly stats: RelayStats = { clients: 0, received: 0, rejected: 0 };

  constructor(private readonly keep = 200) {
    this.wss.on('connection', (ws) => {
      this.stats.clients = this.wss.clients.size;
      for (const text of this.recent) ws.send(text);
      ws.on('message', (data, isBinary) => this.receive(ws, data, isBinary));
      ws.on('close', () => (this.stats.clients = this.wss.clients.size));
      ws.on('error', () => ws.terminate());
    });
  }

  /** Takes over an HTTP upgrade request already checked by the server (path, host, origin). */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  /** The last inspection events relayed (raw JSON texts, oldest first). */
  recentEvents(limit: number): unknown[] {
    return this.recent.slice(-limit).map((t) => JSON.parse(t) as unknown);
  }

  /** Closes every connection. */
  close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private receive(from: WebSocket, data: RawData, isBinary: boolean): void {
    let text: string;
    try {
      if (isBinary) throw new Error('(message): must be a JSON text message');
      text = data.toString();
      parseWith(statelyInspectionEvent, JSON.parse(text));
    } catch (err) {
      this.stats.rejected += 1;
      from.send(JSON.stringify({ type: '@steadfast.error', error: describeError(err) }));
      return;
    }
    this.stats.received += 1;
    this.recent.push(text);
    if (this.recent.length > this.keep) this.recent.shift();
    for (const client of this.wss.clients) {
      if (client !== from && client.readyState === WebSocket.OPEN) client.send(text);
    }
  }
}
