import type { Clock } from '../domain/clock.js';
import { ConfigError, describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { DEFAULT_STARTUP_RETRY_MS, retryRead, startupRetry } from '../domain/retry.js';
import { VenueError } from './venue.js';
import type { VenuePort } from './venue.js';

/** A venue the CLI runs: the port plus start/stop of whatever it simulates (nothing for a real exchange). */
export interface RunnableVenue extends VenuePort {
  /** Starts an in-process market (the paper venue's price feed); a no-op for an exchange. */
  start(): void;
  /** Pauses an in-process market before the engine's last reconciliation; a no-op for an exchange. */
  stop(): void;
}

/** How to reach a Binance-compatible exchange through ccxt. */
export interface ExchangeVenueOptions {
  /** The ccxt.pro exchange id (`binance`). */
  exchangeId: string;
  /** Base URL of a Binance-compatible venue; absent = the exchange's production endpoints. */
  url?: string | undefined;
  /** WS API URL override. */
  wsUrl?: string | undefined;
  /** ccxt sandbox mode (Binance: the spot testnet). */
  sandbox?: boolean | undefined;
  /** JSON key file `{apiKey, secret}`; absent = STEADFAST_API_KEY / STEADFAST_API_SECRET. */
  keyFile?: string | undefined;
  recvWindowMs: number;
  timeoutMs: number;
  /** How long the account check retries a venue failing transiently (default DEFAULT_STARTUP_RETRY_MS). */
  startupRetryMs?: number | undefined;
  budget: { requestsPerSecond: number; burst: number };
  /** Seeds anything random on our side (reconnect jitter). */
  seed: number;
  clock: Clock;
  logger: Logger;
  /** The process environment (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Opens the ccxt venue adapter (loading ccxt only now, so paper runs never pay for it), then proves the
 * account works with one signed call. A refused key or signature is a ConfigError naming where the keys
 * came from (exit code 2); a stale timestamp or an unreachable venue is a plain error.
 */
export async function openExchangeVenue(options: ExchangeVenueOptions): Promise<RunnableVenue> {
  const { resolveCredentials, API_KEY_ENV, API_SECRET_ENV } = await import('./ccxt/credentials.js');
  const credentials = resolveCredentials({ keyFile: options.keyFile, env: options.env });
  const { createCcxtClient } = await import('./ccxt/ccxt-client.js');
  const { CcxtVenue } = await import('./ccxt/ccxt-venue.js');
  const { accountProblemOf } = await import('./ccxt/error-map.js');
  const exchange = await createCcxtClient({
    exchangeId: options.exchangeId,
    credentials,
    url: options.url,
    wsUrl: options.wsUrl,
    sandbox: options.sandbox,
    recvWindowMs: options.recvWindowMs,
    timeoutMs: options.timeoutMs,
    keepAliveMs: 20_000,
  });
  const venue = new CcxtVenue({
    exchange,
    id: options.exchangeId,
    credentials,
    clock: options.clock,
    logger: options.logger,
    recvWindowMs: options.recvWindowMs,
    budget: options.budget,
    seed: options.seed,
  });
  const where = options.url ?? `${options.exchangeId}${options.sandbox === true ? ' (sandbox)' : ''}`;
  try {
    await retryRead(
      options.clock,
      () => venue.fetchBalance(),
      startupRetry(options.startupRetryMs ?? DEFAULT_STARTUP_RETRY_MS, options.logger, 'account check'),
    );
  } catch (err) {
    await venue.close();
    const problem = accountProblemOf(err instanceof VenueError ? err.cause : err);
    if (problem === 'auth') {
      const field =
        credentials.source === 'environment' ? `${API_KEY_ENV}/${API_SECRET_ENV}` : 'venue.keyFile';
      throw new ConfigError(
        field,
        `${where} refused the API key pair from ${credentials.source}: ${describeError(err)}`,
      );
    }
    throw new VenueError(
      err instanceof VenueError ? err.kind : 'unknown',
      `cannot use the account at ${where}: ${describeError(err)}`,
      { cause: err },
    );
  }
  options.logger.info(
    { venue: options.exchangeId, url: where, keys: credentials.source },
    'venue account ready',
  );
  return venue;
}
