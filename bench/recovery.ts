import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { createPaperVenue } from '../src/adapters/paper/paper-venue.js';
import { DEFAULT_PAPER_MARKETS } from '../src/cli/config.js';
import { systemClock } from '../src/domain/clock.js';
import { silentLogger } from '../src/domain/logger.js';
import { Engine } from '../src/engine/engine.js';
import { orderActorId } from '../src/machines/messages.js';
import type { OrderInput } from '../src/machines/order.machine.js';

/** What a recovery run measured. */
export interface RecoveryResult {
  liveOrders: number;
  /** From process start (node's own clock) to trading-ready, as the engine measured it. */
  readyMs: number;
  /** From spawning the process to reading its ready line. */
  wallMs: number;
  rssMb: number;
  actors: number;
}

/**
 * Builds an engine database with `liveOrders` open order actors, and a paper venue holding the same open
 * orders (far from the market, so none fills), by running the real engine once. The engine database is
 * `db` (a SQLite file or a PostgreSQL URL; default `<dir>/engine.db`), the venue's `<dir>/venue.db`.
 */
export async function seedLiveOrders(
  dir: string,
  liveOrders: number,
  db = path.join(dir, 'engine.db'),
): Promise<void> {
  const venue = createPaperVenue({
    dbPath: path.join(dir, 'venue.db'),
    seed: 1,
    clock: systemClock,
    markets: DEFAULT_PAPER_MARKETS,
  });
  const engine = await Engine.open({
    dbPath: db,
    durability: 'normal',
    venue,
    clock: systemClock,
    logger: silentLogger,
    symbols: ['BTC/USDT'],
    strategy: {
      levels: 0,
      spreadBps: '1',
      levelSpacingBps: '1',
      orderSize: '0.01',
      maxPosition: '1',
      skewBps: '0',
      requoteBps: '1',
    },
    strategyIntervalMs: 1000,
    maxOpenOrders: 10,
    timeouts: { ackMs: 5000, cancelMs: 5000, lookupRetryMs: 500, absenceProofMs: 10_000 },
    maxAttempts: 3,
    gapFillIntervalMs: 60_000,
    unknownOrders: 'report',
    newInstallId: () => 'bench0',
  });
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < liveOrders; i += 1) {
    const clientOrderId = `sfbench0-r-${i}`;
    const price = String(1000 + (i % 500));
    const placed = await venue.placeOrder({
      clientOrderId,
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      price,
      quantity: '0.01',
    });
    const input: OrderInput = {
      clientOrderId,
      venue: venue.id,
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      price,
      quantity: '0.01',
      level: null,
      owner: null,
      requestWindowMs: venue.requestWindowMs,
      timeouts: { ackMs: 5000, cancelMs: 5000, lookupRetryMs: 500, absenceProofMs: 10_000 },
      maxAttempts: 3,
      at: systemClock.now(),
    };
    pending.push(engine.runtime.spawn(orderActorId(clientOrderId), 'order', input));
    pending.push(
      engine.runtime.send(orderActorId(clientOrderId), {
        type: 'ORDER_ACCEPTED',
        venueOrderId: placed.venueOrderId,
        filledQuantity: '0',
      }),
    );
  }
  await Promise.all(pending);
  await engine.stop({ timeoutMs: 0 });
  await venue.close();
}

/**
 * Starts the real CLI on the seeded database with --exit-when-ready and reads what it reports: recovery,
 * reconciliation with the paper venue, trading-ready. `bundle` runs what `npm start` runs (the esbuild
 * bundle, built first by `npm run build`); `tsx` runs the sources.
 */
export function measureRecovery(
  dir: string,
  liveOrders: number,
  entry: 'bundle' | 'tsx' = 'bundle',
  db = path.join(dir, 'engine.db'),
): Promise<RecoveryResult> {
  const root = path.resolve(import.meta.dirname, '..');
  if (entry === 'bundle') {
    const built = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) throw new Error(`npm run build failed (${built.status})`);
  }
  const args = [
    ...(entry === 'bundle' ? ['dist/steadfast.mjs'] : ['--import', 'tsx', 'src/main.ts']),
    'start',
    '--db',
    db,
    '--venue-db',
    path.join(dir, 'venue.db'),
  ];
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [...args, '--exit-when-ready', '--log-level', 'warn', '--seed', '1'],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  let result: RecoveryResult | undefined;
  // Resolves once the engine has exited (its database may be removed next), with what it reported ready.
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line === undefined || result !== undefined) return;
      const wallMs = performance.now() - t0;
      const r = JSON.parse(line) as { readyMs: number; rssMb: number; actors: number };
      result = { liveOrders, readyMs: r.readyMs, wallMs, rssMb: r.rssMb, actors: r.actors };
    });
    child.on('exit', (code) => {
      if (result === undefined) reject(new Error(`engine exited ${code} before ready`));
      else resolve(result);
    });
  });
}
