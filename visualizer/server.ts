#!/usr/bin/env node
import path from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { ConfigError, SteadfastError, describeError } from '../src/domain/errors.js';
import type { Logger } from '../src/domain/logger.js';
import { machineRegistry } from '../src/machines/registry.js';
import { DashboardModel } from './dashboard-model.js';
import { DatabaseSource } from './database-source.js';
import { machineGraph } from './graph.js';
import { createVisualizerServer } from './http-server.js';
import { InspectRelay } from './inspect-relay.js';
import { layoutGraph } from './layout.js';

/**
 * `npm run visualize -- --db <path> --port <n>`: serves the visualizer page on 127.0.0.1 (loopback only,
 * read-only). The first stdout line is the page's URL; the second names the `/inspect` WebSocket that
 * `npm start -- --inspect <url>` streams to. Exit codes: 0 stopped by a signal, 1 failure, 2 bad flags.
 */
const HOST = '127.0.0.1';

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new ConfigError(
      '--port',
      `must be an integer from 0 to 65535 (0 picks a free port), got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('steadfast-visualize')
    .description('Serve the statechart visualizer of an engine database (read-only, loopback only).')
    .option(
      '--db <path>',
      'engine SQLite database (opened read-only; may not exist yet)',
      'data/steadfast.db',
    )
    .option('--port <n>', 'TCP port on 127.0.0.1; 0 picks a free one', '4280')
    .showHelpAfterError()
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .parse(argv);
  const flags = program.opts<{ db: string; port: string }>();
  const port = parsePort(flags.port);
  const logger: Logger = pino({ name: 'visualize' }, pino.destination(2));
  const source = await DatabaseSource.open(flags.db);
  if (source.waitingFor !== null)
    logger.warn(
      { code: 'VISUALIZER_WAITING_FOR_DB', db: flags.db },
      'no database yet: waiting for the engine to create it',
    );
  const diagrams = Promise.all(
    Object.values(machineRegistry).map((entry) => layoutGraph(machineGraph(entry.machine, entry.version))),
  );
  diagrams.catch((err: unknown) =>
    logger.error({ code: 'VISUALIZER_LAYOUT_FAILED', err: describeError(err) }, 'layout failed'),
  );
  const relay = new InspectRelay();
  const server = createVisualizerServer(
    { source, diagrams, relay, dashboard: new DashboardModel() },
    path.join(import.meta.dirname, 'public'),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' ? new ConfigError('--port', `${HOST}:${port} is already in use`) : err,
      ),
    );
    server.listen(port, HOST, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  process.stdout.write(`http://${HOST}:${bound}/\ninspect: ws://${HOST}:${bound}/inspect\n`);
  logger.info({ db: flags.db, url: `http://${HOST}:${bound}/` }, 'visualizer ready');
  const stop = () => {
    server.close();
    server.closeAllConnections();
    void relay
      .close()
      .then(() => source.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv).catch((err: unknown) => {
  const bad = err instanceof ConfigError || (err instanceof SteadfastError && err.code === 'INVALID_INPUT');
  process.stderr.write(`steadfast-visualize: ${describeError(err)}\n`);
  process.exit(bad ? 2 : 1);
});
