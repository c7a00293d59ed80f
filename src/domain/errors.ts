/**
 * Typed errors. Every error carries a stable `code`, an optional `cause`, and says whether retrying the
 * same operation can help (`retryable`). Callers branch on `code`/`retryable`, never on message text.
 */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'CONFIG_INVALID'
  | 'SNAPSHOT_VERSION_MISMATCH'
  | 'REVISION_CONFLICT'
  | 'DATABASE_LOCKED'
  | 'LEASE_LOST'
  | 'DATABASE_UNREACHABLE'
  | 'STORAGE_FULL'
  | 'STORAGE_IO_ERROR'
  | 'STORAGE_READ_ONLY'
  | 'STORAGE_BUSY'
  | 'STORAGE_CORRUPT'
  | 'VENUE_REJECTED'
  | 'VENUE_UNKNOWN_OUTCOME'
  | 'VENUE_NOT_FOUND'
  | 'VENUE_DUPLICATE_ORDER'
  | 'VENUE_RATE_LIMITED'
  | 'VENUE_UNAVAILABLE'
  | 'RUNTIME_STOPPED'
  | 'INTERNAL';

/** Base class of every error the engine raises on purpose. */
export class SteadfastError extends Error {
  /** A stable machine-readable code. */
  readonly code: ErrorCode;
  /** True when the same operation may succeed if tried again later. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * Bad input from a user, a config file, a strategy or a venue payload. `field` names the offending field
 * with a dotted path (`desired[2].price`, `risk.maxOpenOrders`). Terminal: the same input fails again.
 */
export class ValidationError extends SteadfastError {
  /** Dotted path of the first offending field. */
  readonly field: string;
  /** Every problem found, each `path: message`. */
  readonly issues: readonly string[];

  constructor(field: string, message: string, issues: readonly string[] = [`${field}: ${message}`]) {
    super('INVALID_INPUT', issues.join('; '));
    this.field = field;
    this.issues = issues;
  }
}

/** A config file or command-line flag is invalid. */
export class ConfigError extends SteadfastError {
  /** Dotted path (or `--flag`) of the offending setting. */
  readonly field: string;

  constructor(field: string, message: string, options: { cause?: unknown } = {}) {
    super('CONFIG_INVALID', `${field}: ${message}`, options);
    this.field = field;
  }
}

/** Describes an unknown thrown value in one line, without leaking structure. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
