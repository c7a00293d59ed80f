import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ValidationError, describeError } from '../src/domain/errors.js';
import { handleApi, isApiPath } from './api.js';
import type { ApiContext } from './api.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The page's files, read once: `/name` -> body. Only these are ever served. */
function loadStatic(dir: string): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (type !== undefined) files.set(`/${name}`, { type, body: fs.readFileSync(path.join(dir, name)) });
  }
  const index = files.get('/index.html');
  if (index !== undefined) files.set('/', index);
  // The chart library, served from its npm package (the page loads nothing from elsewhere).
  const require = createRequire(import.meta.url);
  for (const name of ['uPlot.iife.min.js', 'uPlot.min.css']) {
    const file = require.resolve(`uplot/dist/${name}`);
    files.set(`/vendor/${name}`, { type: TYPES[path.extname(name)]!, body: fs.readFileSync(file) });
  }
  return files;
}

/** Host names a loopback server answers to (anything else may be a DNS-rebinding page). */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, head: boolean) {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy':
      "default-src 'self'; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; img-src 'self' data:; frame-ancestors 'none'",
  });
  res.end(head ? undefined : body);
}

const json = (res: http.ServerResponse, status: number, body: unknown, head = false) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), head);

/**
 * The visualizer's HTTP server: the page, its JSON API and the `/inspect` WebSocket relay. Read-only: GET
 * and HEAD only (anything else is 405), requests must name a loopback host, and WebSocket upgrades are
 * accepted on `/inspect` only, from no origin (a program) or this page's own origin.
 */
export function createVisualizerServer(ctx: ApiContext, publicDir: string): http.Server {
  const files = loadStatic(publicDir);
  const allowedHost = (server: http.Server, host: string | undefined): boolean => {
    const address = server.address();
    if (host === undefined || address === null || typeof address === 'string') return false;
    return LOOPBACK_NAMES.some((name) => host === `${name}:${address.port}`);
  };
  const server = http.createServer((req, res) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      json(res, 405, { error: `method ${req.method ?? '?'} not allowed: this server is read-only` });
      return;
    }
    if (!allowedHost(server, req.headers.host)) {
      json(res, 403, { error: 'host: only loopback host names are served' }, head);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = files.get(url.pathname);
    if (file !== undefined) {
      send(res, 200, file.type, file.body, head);
      return;
    }
    if (!isApiPath(url.pathname)) {
      json(res, 404, { error: `no such path: ${url.pathname}` }, head);
      return;
    }
    handleApi(url.pathname, url.searchParams, ctx)
      .then((answer) => json(res, answer.status, answer.body, head))
      .catch((err: unknown) => {
        if (err instanceof ValidationError) json(res, 400, { error: err.message, field: err.field }, head);
        else json(res, 500, { error: describeError(err) }, head);
      });
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = req.headers.origin;
    const ok =
      url.pathname === '/inspect' &&
      allowedHost(server, req.headers.host) &&
      (origin === undefined || origin === `http://${req.headers.host ?? ''}`);
    if (!ok) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    ctx.relay.upgrade(req, socket, head);
  });
  return server;
}
