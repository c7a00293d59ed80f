import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError } from '../domain/errors.js';
import type { EngineMetrics } from './metrics.js';

/**
 * The engine's HTTP endpoint for monitoring, on 127.0.0.1 only: `/metrics` (Prometheus text),
 * `/healthz` (200 `ok` while the process serves anything) and `/readyz` (200 `ready` when the engine has
 * recovered and reconciled and its venue stream is live, else 503 with a JSON reason). GET and HEAD only.
 */
export class MetricsServer {
  private constructor(
    private readonly server: http.Server,
    /** Base URL, e.g. `http://127.0.0.1:9464`. */
    readonly origin: string,
  ) {}

  /** Listens on 127.0.0.1:`port` (0: any free port). Rejects when it cannot (the port is taken). */
  static async start(metrics: EngineMetrics, port: number): Promise<MetricsServer> {
    const server = http.createServer((req, res) => {
      void respond(metrics, req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    return new MetricsServer(server, `http://127.0.0.1:${address.port}`);
  }

  /** The URL Prometheus scrapes. */
  get url(): string {
    return `${this.origin}/metrics`;
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function respond(
  metrics: EngineMetrics,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only\n');
  try {
    switch (path) {
      case '/metrics':
        return send(res, 200, metrics.contentType, await metrics.metrics());
      case '/healthz':
        return send(res, 200, 'text/plain', 'ok\n');
      case '/readyz': {
        const readiness = metrics.readiness();
        if (readiness.ready) {
          const desk = metrics.tradingState();
          const note = desk === null ? '' : `; trading ${desk.state}: ${desk.reason ?? 'no reason given'}`;
          return send(res, 200, 'text/plain', `ready${note}\n`);
        }
        return send(res, 503, 'application/json', `${JSON.stringify(readiness)}\n`);
      }
      default:
        return send(res, 404, 'text/plain', 'not found: /metrics, /healthz, /readyz\n');
    }
  } catch (err) {
    send(res, 500, 'text/plain', `${describeError(err)}\n`);
  }
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
