import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openVenueSimStore } from '../persistence/venues/venue-sim-store.js';
import { SimExchange } from './exchange.js';
import { Faults } from './faults.js';
import { handleHttp } from './http-handler.js';
import type { HttpDeps } from './http-handler.js';
import { resolveVenueSimOptions } from './options.js';
import type { VenueSimOptions } from './options.js';
import { PriceWalk } from './price-walk.js';
import { restRoutes } from './rest-routes.js';
import { UserStream, WS_API_PATH } from './user-stream.js';

export type { VenueSimOptions } from './options.js';
export { DEMO_CREDENTIALS } from './options.js';

/** A running venue simulator. */
export interface VenueSim {
  /** Base URL, `http://127.0.0.1:PORT` (REST under `/api/v3`, admin under `/admin/`). */
  url: string;
  /** The WS API URL ccxt's user-data stream uses, `ws://127.0.0.1:PORT/ws-api/v3`. */
  wsUrl: string;
  /** The bound port. */
  port: number;
  /** Its SQLite file. */
  dbPath: string;
  /** Stops serving: drops sockets, stops the walk, closes the file. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a Binance-spot-compatible venue simulator (REST `/api/v3`, WS API `/ws-api/v3`, admin `/admin/`)
 * on its own SQLite file. Throws a ValidationError/ConfigError naming the field for bad options (nothing is
 * created then, except the file's directory).
 */
export async function startVenueSim(options: VenueSimOptions): Promise<VenueSim> {
  const o = resolveVenueSimOptions(options);
  const faults = new Faults(o.seed);
  if (o.faults !== undefined) faults.set(o.faults, o.clock.now());
  const store = openVenueSimStore(o.dbPath);
  let exchange: SimExchange;
  try {
    exchange = new SimExchange(
      {
        store,
        markets: o.markets,
        fees: { makerBps: o.makerFeeBps, takerBps: o.takerFeeBps },
        seed: o.seed,
        balances: o.balances,
      },
      o.clock.now(),
    );
  } catch (err) {
    store.close();
    throw err;
  }
  const userStream = new UserStream({ credentials: o.credentials, clock: o.clock, faults, logger: o.logger });
  const routes = restRoutes({
    exchange,
    store,
    userStream,
    credentials: o.credentials,
    hides: (view, order, now) => faults.hidesOrder(now, view, order.clientOrderId),
  });
  const publish = userStream.publish.bind(userStream);
  const pending = new Set<unknown>();
  const deps: HttpDeps = {
    routes,
    credentials: o.credentials,
    faults,
    clock: o.clock,
    logger: o.logger,
    admin: { exchange, store, faults, userStream, publish },
    publish,
    pending,
  };
  const server = http.createServer((req, res) => void handleHttp(deps, req, res));
  server.on('upgrade', (req, socket, head: Buffer) => userStream.handleUpgrade(req, socket, head));
  server.on('clientError', (_err, socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => resolve());
    });
  } catch (err) {
    userStream.close();
    store.close();
    throw err;
  }
  const walk =
    o.tickMs > 0
      ? new PriceWalk({ clock: o.clock, exchange, tickMs: o.tickMs, publish, logger: o.logger })
      : null;
  walk?.start();
  const port = (server.address() as AddressInfo).port;
  const host = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;
  o.logger.info(
    { port, host: o.host, dbPath: o.dbPath, symbols: [...o.markets.values()].map((m) => m.symbol) },
    'venue-sim: listening',
  );
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}${WS_API_PATH}`,
    port,
    dbPath: o.dbPath,
    close: () =>
      (closing ??= (async () => {
        walk?.stop();
        for (const timer of pending) o.clock.clearTimeout(timer);
        pending.clear();
        userStream.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        store.close();
      })()),
  };
}
