import fs from 'node:fs';
import { ConfigError } from '../../domain/errors.js';

/** Environment variable holding the API key. */
export const API_KEY_ENV = 'STEADFAST_API_KEY';
/** Environment variable holding the API secret. */
export const API_SECRET_ENV = 'STEADFAST_API_SECRET';

/**
 * An API key pair. Only ever passed to the ccxt client: never logged, stored or printed. `toJSON` and
 * the inspector hide both values, so a stray `JSON.stringify` or logger call prints `[redacted]`.
 */
export class ApiCredentials {
  readonly #apiKey: string;
  readonly #secret: string;
  /** Where the pair came from (`environment` or the key file's path), for error messages. */
  readonly source: string;

  constructor(apiKey: string, secret: string, source: string) {
    this.#apiKey = apiKey;
    this.#secret = secret;
    this.source = source;
  }

  /** The API key. */
  get apiKey(): string {
    return this.#apiKey;
  }

  /** The API secret. */
  get secret(): string {
    return this.#secret;
  }

  /** Replaces every occurrence of the key or the secret in `text` with `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const s of [this.#apiKey, this.#secret]) if (s.length >= 4) out = out.split(s).join('[redacted]');
    return out;
  }

  /** Never serializes the values. */
  toJSON(): string {
    return `[credentials from ${this.source}: redacted]`;
  }

  /** Never prints the values (util.inspect, console.log). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }
}

/** Where credentials may come from. */
export interface CredentialSources {
  /** Path of a JSON key file `{ "apiKey": "...", "secret": "..." }` (config `venue.keyFile`). */
  keyFile?: string | undefined;
  /** The process environment (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/**
 * Resolves the API key pair: from `venue.keyFile` when the config names one, else from the environment
 * variables STEADFAST_API_KEY and STEADFAST_API_SECRET. Throws a ConfigError naming what is missing
 * (never the values).
 */
export function resolveCredentials(sources: CredentialSources = {}): ApiCredentials {
  if (sources.keyFile !== undefined) return readKeyFile(sources.keyFile);
  const env = sources.env ?? process.env;
  const apiKey = env[API_KEY_ENV];
  const secret = env[API_SECRET_ENV];
  if (!nonEmpty(apiKey) || !nonEmpty(secret)) {
    throw new ConfigError(
      nonEmpty(apiKey) ? API_SECRET_ENV : API_KEY_ENV,
      `not set (the binance venue needs an API key pair: set ${API_KEY_ENV} and ${API_SECRET_ENV}, ` +
        'or name a JSON key file in the config as venue.keyFile)',
    );
  }
  return new ApiCredentials(apiKey.trim(), secret.trim(), 'environment');
}

function readKeyFile(file: string): ApiCredentials {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('venue.keyFile', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message could quote the file's content: say only where it failed.
    throw new ConfigError(
      'venue.keyFile',
      `${file} is not valid JSON (expected {"apiKey": ..., "secret": ...})`,
    );
  }
  const obj = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  for (const field of ['apiKey', 'secret'] as const) {
    if (!nonEmpty(obj[field])) {
      throw new ConfigError(`venue.keyFile`, `${file}: field "${field}" must be a non-empty string`);
    }
  }
  return new ApiCredentials(String(obj.apiKey).trim(), String(obj.secret).trim(), file);
}
