import { ConfigError, describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { EngineMetrics } from '../engine/metrics.js';
import { MetricsServer } from '../engine/metrics-server.js';
import type { Config } from './config.js';
import type { StartFlags } from './start.js';

/**
 * The monitoring endpoint, when `metrics.port` (or `--metrics-port`) is set: it listens before the venue
 * and the engine open (a taken port is a bad flag: exit 2, nothing changed), answers /healthz at once and
 * /readyz 503 until the engine has recovered and reconciled; logs `metrics ready` with its URL.
 */
export async function startMonitoring(
  config: Config,
  flags: StartFlags,
  logger: Logger,
): Promise<{ metrics: EngineMetrics; server: MetricsServer } | null> {
  const port = config.metrics.port;
  if (port === undefined) return null;
  const metrics = new EngineMetrics();
  let server: MetricsServer;
  try {
    server = await MetricsServer.start(metrics, port);
  } catch (err) {
    const field = flags.metricsPort !== undefined ? '--metrics-port' : 'metrics.port';
    throw new ConfigError(field, `cannot listen on 127.0.0.1:${port}: ${describeError(err)}`);
  }
  logger.info(
    { url: server.url, healthz: `${server.origin}/healthz`, readyz: `${server.origin}/readyz` },
    'metrics ready',
  );
  return { metrics, server };
}
