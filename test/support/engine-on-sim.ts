import path from 'node:path';
import { systemClock } from '../../src/domain/clock.js';
import { Engine } from '../../src/engine/engine.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import { orderActorId } from '../../src/machines/messages.js';
import { startVenueOnSim } from './ccxt-venue.js';
import type { LogRecord, VenueOnSim, VenueOnSimOptions } from './ccxt-venue.js';
import { recordingLogger } from './ccxt-venue.js';

/** The sample market maker quoting one level each side (one bid, one ask), handing AdjustOrders its quotes every tick. */
const ONE_LEVEL = {
  levels: 1,
  spreadBps: '10',
  levelSpacingBps: '1',
  orderSize: '0.01',
  maxPosition: '1',
  skewBps: '0',
  requoteBps: '0',
};

/** A real engine (real SQLite file, real runtime) trading through a CcxtVenue on the venue simulator. */
export interface EngineOnSim {
  engine: Engine;
  logger: ReturnType<typeof recordingLogger>;
  /** What its CcxtVenue logged. */
  venueLogger: ReturnType<typeof recordingLogger>;
  /** Log lines with `code` (operator warnings), oldest first. */
  coded(code: string): LogRecord[];
  /** Stops the engine (orders stay at the venue, like any restart) and closes its venue client. */
  stop(): Promise<void>;
}

/** A simulator (price moved only through its admin API) and the directory for engine databases. */
export interface SimDesk {
  h: VenueOnSim;
  dir: string;
  /** Opens an engine on `db` (a file name in `dir`) with its own CcxtVenue; `trade` starts the strategy. */
  open(
    db: string,
    over?: Partial<EngineOptions>,
    trade?: boolean,
    venueOptions?: VenueOnSimOptions,
  ): Promise<EngineOnSim>;
  /** The simulator's open orders of this engine (clientOrderIds starting `sf`). */
  openAtVenue(): Promise<{ clientOrderId: string; side: string; executedQty: string }[]>;
  close(): Promise<void>;
}

/** Starts a simulator on a temporary file for engines opened in `dir`. */
export async function simDesk(dir: string): Promise<SimDesk> {
  const h = await startVenueOnSim({ seed: 5, startPrices: { 'BTC/USDT': '60000' } });
  const running = new Set<EngineOnSim>();
  return {
    h,
    dir,
    open: async (db, over = {}, trade = true, venueOptions = {}) => {
      const { venue, logger: venueLogger } = await h.openVenue(venueOptions);
      const logger = recordingLogger();
      const engine = await Engine.open({
        dbPath: path.join(dir, db),
        durability: 'normal',
        venue,
        clock: systemClock,
        logger,
        symbols: ['BTC/USDT'],
        strategy: ONE_LEVEL,
        strategyIntervalMs: 100,
        maxOpenOrders: 4,
        timeouts: { ackMs: 2000, cancelMs: 2000, lookupRetryMs: 250, absenceProofMs: 30_000 },
        maxAttempts: 3,
        gapFillIntervalMs: 300,
        balanceCheckIntervalMs: 0,
        unknownOrders: 'cancel-own',
        newInstallId: () => 'simdsk',
        ...over,
      });
      if (trade) engine.startTrading();
      let stopped = false;
      const handle: EngineOnSim = {
        engine,
        logger,
        venueLogger,
        coded: (code) => logger.lines.filter((l) => l.obj['code'] === code),
        stop: async () => {
          if (stopped) return;
          stopped = true;
          running.delete(handle);
          await engine.stop({ timeoutMs: 3000 });
          await venue.close();
        },
      };
      running.add(handle);
      return handle;
    },
    openAtVenue: async () =>
      (await h.admin.state()).orders.filter(
        (o) => o.clientOrderId.startsWith('sf') && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED'),
      ),
    close: async () => {
      for (const e of [...running]) await e.stop();
      await h.close();
    },
  };
}

/** The order's top-level state in the engine's memory, or `gone` once it left memory (terminal). */
export function orderState(e: EngineOnSim, clientOrderId: string): string {
  const actor = e.engine.runtime.actor(orderActorId(clientOrderId));
  return actor === undefined ? 'gone' : actor.state.split('.')[0]!;
}
