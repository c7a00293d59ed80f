import type { Clock } from '../domain/clock.js';
import { ConfigError, describeError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { inspectRuntime } from '../runtime/inspection.js';
import type { InspectableRuntime } from '../runtime/inspection.js';
import { WebSocketInspectSink } from './websocket-sink.js';

/** Where `--inspect` without a URL sends events: the visualizer on its default port. */
export const DEFAULT_INSPECT_URL = 'ws://127.0.0.1:4280/inspect';

/**
 * Reads `--inspect [url]`: absent -> null (off); given without a value -> the visualizer's default URL;
 * otherwise one or more comma-separated `ws://`, `wss://` (or `http://`, `https://`, read as their
 * WebSocket twins) URLs. Anything else throws a ConfigError naming `--inspect`.
 */
export function parseInspectUrls(value: string | boolean | undefined): string[] | null {
  if (value === undefined || value === false) return null;
  if (value === true) return [DEFAULT_INSPECT_URL];
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => p === ''))
    throw new ConfigError(
      '--inspect',
      `must be a URL or a comma-separated list of URLs, got ${JSON.stringify(value)}`,
    );
  return parts.map((part) => {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      throw new ConfigError(
        '--inspect',
        `not a URL: ${JSON.stringify(part)} (e.g. ws://127.0.0.1:4280/inspect)`,
      );
    }
    const protocol = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' }[url.protocol];
    if (protocol === undefined) {
      throw new ConfigError(
        '--inspect',
        `must be a ws://, wss://, http:// or https:// URL, got ${JSON.stringify(part)}`,
      );
    }
    if (url.username !== '' || url.password !== '') {
      throw new ConfigError(
        '--inspect',
        'must not carry credentials (user:password@): inspection sends no secrets',
      );
    }
    url.protocol = protocol;
    url.hash = '';
    return url.toString();
  });
}

/** A running inspection stream. */
export interface Inspection {
  /** Stops listening to the runtime and closes the sockets after sending what is queued. */
  close(): Promise<void>;
}

/** Streams the runtime's committed transitions, as XState inspection events, to every URL. */
export function startInspection(
  runtime: InspectableRuntime,
  urls: readonly string[],
  clock: Clock,
  logger: Logger,
): Inspection {
  const sinks = urls.map((url) => new WebSocketInspectSink({ url, clock, logger }));
  for (const sink of sinks) sink.start();
  const unsubscribe = inspectRuntime(
    runtime,
    (event) => {
      for (const sink of sinks) sink.inspect(event);
    },
    (err) => logger.warn({ code: 'INSPECTION_FAILED', err: describeError(err) }, 'inspection failed'),
  );
  logger.info({ urls }, 'inspection on: streaming XState inspection events');
  return {
    async close() {
      unsubscribe();
      await Promise.all(sinks.map((s) => s.close()));
    },
  };
}
