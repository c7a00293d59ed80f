import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../domain/clock.js';
import { SteadfastError, describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { handleAdmin } from './admin.js';
import type { AdminDeps } from './admin.js';
import { BinanceError, errors } from './binance-error.js';
import type { Faults } from './faults.js';
import { isLoopback, readBody, sendJson, sendText } from './http-io.js';
import { Params } from './params.js';
import { runRoute } from './rest-routes.js';
import type { RestAnswer, RestRoute } from './rest-routes.js';
import type { Credentials } from './signing.js';
import type { SimEvent } from './sim-event.js';

/** What the HTTP handler works with. */
export interface HttpDeps {
  routes: ReadonlyMap<string, RestRoute>;
  credentials: Credentials;
  faults: Faults;
  clock: Clock;
  logger: Logger;
  admin: AdminDeps;
  publish: (events: SimEvent[]) => void;
  /** Timers of latency waits and of connections held open by acceptThenDrop (cleared on close). */
  pending: Set<unknown>;
}

/** Waits `ms` on the clock; never resolves if the server closes first (its sockets are gone then). */
function hold(deps: HttpDeps, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = deps.clock.setTimeout(() => {
      deps.pending.delete(timer);
      resolve();
    }, ms);
    deps.pending.add(timer);
  });
}

/** Handles one HTTP request: `/admin/...` (loopback only) or `/api/v3/...` (with the fault plan). */
export async function handleHttp(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const rawQuery = q >= 0 ? raw.slice(q + 1) : '';
  try {
    const rawBody = await readBody(req);
    if (path.startsWith('/admin/')) return handleAdminHttp(deps, req, res, path.slice(6), rawBody);
    if (path.startsWith('/api/v3/')) return await handleApi(deps, req, res, path, rawQuery, rawBody);
    sendText(res, 404, `Not Found: ${path} (venue simulator serves /api/v3/, /ws-api/v3 and /admin/)`);
  } catch (err) {
    deps.logger.error(
      { code: 'SIM_REQUEST_FAILED', err: describeError(err), path },
      'venue-sim: request failed',
    );
    if (!res.headersSent)
      sendJson(res, 500, { code: -1000, msg: 'An unknown error occurred while processing the request.' });
  }
}

function handleAdminHttp(
  deps: HttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  rawBody: string,
) {
  if (!isLoopback(req.socket.remoteAddress)) {
    sendJson(res, 403, { error: 'the admin API only answers loopback clients' });
    return;
  }
  let body: unknown = {};
  try {
    if (rawBody.trim() !== '') body = JSON.parse(rawBody);
  } catch {
    sendJson(res, 400, { error: 'body: must be JSON', field: 'body' });
    return;
  }
  try {
    const reply = handleAdmin(deps.admin, { method: req.method ?? 'GET', path, body, now: deps.clock.now() });
    if (reply === null) sendJson(res, 404, { error: `unknown admin route ${req.method} /admin${path}` });
    else sendJson(res, 200, reply);
  } catch (err) {
    if (!(err instanceof SteadfastError)) throw err;
    const field = (err as { field?: unknown }).field;
    sendJson(res, 400, { error: err.message, ...(typeof field === 'string' && { field }) });
  }
}

async function handleApi(
  deps: HttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  rawQuery: string,
  rawBody: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const f = deps.faults.forRequest(deps.clock.now(), method);
  if (f.latencyMs > 0) await hold(deps, f.latencyMs);
  if (f.ban) {
    const e = errors.banned(f.ban.untilMs);
    sendJson(res, e.status, e.body(), { 'retry-after': String(f.ban.retryAfterSec) });
    return;
  }
  if (f.rateLimit) {
    const e = errors.tooManyRequests();
    sendJson(res, e.status, e.body(), { 'retry-after': String(f.rateLimit.retryAfterSec) });
    return;
  }
  if (f.serverError !== null) {
    sendText(res, f.serverError, 'Service Unavailable (venue simulator fault)');
    return;
  }
  const route = deps.routes.get(`${method} ${path}`);
  if (!route) {
    sendText(res, 404, `Not Found: ${method} ${path}`);
    return;
  }
  const now = deps.clock.now();
  const header = req.headers['x-mbx-apikey'];
  const apiKeyHeader = Array.isArray(header) ? header[0] : header;
  let status = 200;
  let answer: RestAnswer;
  try {
    const params = new Params(rawQuery, rawBody);
    answer = runRoute(
      route,
      { method, path, params, rawQuery, rawBody, apiKeyHeader, now },
      deps.credentials,
    );
  } catch (err) {
    if (!(err instanceof BinanceError)) throw err;
    status = err.status;
    answer = { body: err.body() };
  }
  if (answer.events) deps.publish(answer.events);
  if (f.drop) {
    deps.logger.info({ method, path }, 'venue-sim: fault acceptThenDrop, reply dropped');
    if (f.drop.holdMs > 0) await hold(deps, f.drop.holdMs);
    req.socket.destroy();
    return;
  }
  deps.logger.debug({ method, path, status }, 'venue-sim: request');
  sendJson(res, status, answer.body);
}
