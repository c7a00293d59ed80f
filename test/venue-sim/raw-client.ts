import { createHmac } from 'node:crypto';
import { WebSocket } from 'ws';

/** The reply of a raw request. */
export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, or undefined for a non-JSON body. */
  json: unknown;
}

/** How to sign a raw request; omit for a public call. */
export interface RawAuth {
  apiKey?: string;
  secret: string;
  /** Default Date.now(). */
  timestamp?: number;
  recvWindow?: number;
  /** Replaces the computed signature. */
  signature?: string;
}

/**
 * Sends a Binance REST request the way ccxt does (binance-subset.md §2): `timestamp` first, then the
 * params, then `recvWindow`, then `signature`; GET/DELETE in the query, POST/PUT in an urlencoded body.
 */
export async function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  params: Record<string, string | number> = {},
  auth?: RawAuth,
): Promise<RawReply> {
  const pairs: [string, string][] = [];
  if (auth) pairs.push(['timestamp', String(auth.timestamp ?? Date.now())]);
  for (const [k, v] of Object.entries(params)) pairs.push([k, String(v)]);
  if (auth?.recvWindow !== undefined) pairs.push(['recvWindow', String(auth.recvWindow)]);
  let encoded = new URLSearchParams(pairs).toString();
  if (auth) {
    const signature = auth.signature ?? createHmac('sha256', auth.secret).update(encoded).digest('hex');
    encoded += `${encoded === '' ? '' : '&'}signature=${signature}`;
  }
  const inBody = method === 'POST' || method === 'PUT';
  const url = `${baseUrl}${path}${!inBody && encoded !== '' ? `?${encoded}` : ''}`;
  const headers: Record<string, string> = {};
  if (auth?.apiKey !== undefined) headers['X-MBX-APIKEY'] = auth.apiKey;
  if (inBody) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(url, { method, headers, ...(inBody && { body: encoded }) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A raw WS API connection that records every message. */
export interface RawStream {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  /** Sends `userDataStream.subscribe.signature` signed with `secret`; resolves with the reply. */
  subscribe(apiKey: string, secret: string, opts?: { timestamp?: number }): Promise<Record<string, unknown>>;
  /** The executionReports received so far (unwrapped). */
  reports(): Record<string, unknown>[];
  /** Resolves when `predicate` holds for the recorded messages (rejects after `ms`). */
  until(predicate: (messages: Record<string, unknown>[]) => boolean, ms?: number): Promise<void>;
  close(): void;
}

/** Opens a raw WS API connection to `wsUrl`. */
export async function openRawStream(wsUrl: string): Promise<RawStream> {
  const ws = new WebSocket(wsUrl);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data: Buffer) =>
    messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const until: RawStream['until'] = async (predicate, ms = 3000) => {
    const deadline = Date.now() + ms;
    while (!predicate(messages)) {
      if (Date.now() > deadline) throw new Error(`timed out; messages: ${JSON.stringify(messages)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    ws,
    messages,
    async subscribe(apiKey, secret, opts = {}) {
      const id = String(nextId++);
      const params = { apiKey, recvWindow: 10000, timestamp: opts.timestamp ?? Date.now() };
      const payload = `apiKey=${apiKey}&recvWindow=10000&timestamp=${params.timestamp}`;
      const signature = createHmac('sha256', secret).update(payload).digest('hex');
      ws.send(
        JSON.stringify({
          id,
          method: 'userDataStream.subscribe.signature',
          params: { ...params, signature },
        }),
      );
      await until((m) => m.some((x) => x['id'] === id));
      return messages.find((x) => x['id'] === id) ?? {};
    },
    reports: () =>
      messages
        .map((m) => (m['event'] ?? m) as Record<string, unknown>)
        .filter((e) => e['e'] === 'executionReport'),
    until,
    close: () => ws.terminate(),
  };
}
