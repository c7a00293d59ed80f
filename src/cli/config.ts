import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../domain/errors.js';
import { DEFAULT_LEASE_TTL_MS } from '../engine/engine-options.js';
import { isPostgresUrl, postgresTarget } from '../persistence/postgres.js';
import { fieldName, nonNegativeDecimal, positiveDecimal } from '../domain/schema-errors.js';
import { SYMBOL_RE } from '../domain/types.js';

const probability = z.number().min(0).max(1);
const ms = z.number().int().nonnegative();

const paperMarket = z.object({
  symbol: z.string().regex(SYMBOL_RE, 'must look like BASE/QUOTE'),
  initialPrice: positiveDecimal,
  tickSize: positiveDecimal,
  stepSize: positiveDecimal,
  minQuantity: positiveDecimal,
  minNotional: nonNegativeDecimal,
  volatilityTicks: z.number().int().min(1).optional(),
});

/** Risk limits of one symbol (or of every symbol): each absent limit is not checked. */
const riskLimits = {
  maxOrderQuantity: positiveDecimal.optional(),
  maxOrderNotional: positiveDecimal.optional(),
  maxPosition: positiveDecimal.optional(),
  maxOpenOrders: z.number().int().min(1).max(1000).optional(),
  priceBandBps: positiveDecimal.optional(),
  maxSubmitsPerSecond: z.number().int().min(1).max(10_000).optional(),
};

/** The engine's configuration file (JSON). Every field is optional; see README for the defaults. */
export const configSchema = z
  .object({
    db: z.string().min(1).default('data/steadfast.db'),
    durability: z.enum(['intent', 'normal', 'full']).default('intent'),
    symbols: z.array(z.string().regex(SYMBOL_RE, 'must look like BASE/QUOTE')).min(1).default(['BTC/USDT']),
    venue: z
      .object({
        kind: z.enum(['paper', 'binance']).default('paper'),
        url: z.string().url().optional(),
        keyFile: z.string().optional(),
        // binance (ccxt) only: WS API URL override, spot testnet, recvWindow and HTTP timeout.
        wsUrl: z.string().url().optional(),
        sandbox: z.boolean().optional(),
        recvWindowMs: z.number().int().min(100).max(60_000).default(5000),
        timeoutMs: z.number().int().min(100).max(120_000).default(5000),
        // How long start-up retries venue reads that fail transiently (network, 5xx, rate limits).
        startupRetryMs: z.number().int().min(0).max(600_000).default(30_000),
      })
      .strict()
      .prefault({}),
    paper: z
      .object({
        db: z.string().optional(),
        seed: z.number().int().default(1),
        tickMs: z.number().int().min(1).default(100),
        latencyMs: z.object({ min: ms, max: ms }).strict().default({ min: 1, max: 5 }),
        makerFeeBps: nonNegativeDecimal.default('1'),
        takerFeeBps: nonNegativeDecimal.default('5'),
        requestWindowMs: z.number().int().min(1).default(2000),
        faults: z
          .object({
            failBeforeVenue: probability,
            timeoutAfterAccept: probability,
            reject: probability,
            duplicateUpdate: probability,
            lateUpdate: probability,
            dropUpdate: probability,
            maxLateMs: ms,
          })
          .partial()
          .strict()
          .prefault({}),
        markets: z.array(paperMarket).min(1).optional(),
      })
      .strict()
      .prefault({}),
    strategy: z
      .object({
        levels: z.number().int().min(0).max(20).default(3),
        spreadBps: nonNegativeDecimal.default('1'),
        levelSpacingBps: nonNegativeDecimal.default('1'),
        orderSize: positiveDecimal.default('0.01'),
        maxPosition: positiveDecimal.default('0.1'),
        skewBps: nonNegativeDecimal.default('4'),
        requoteBps: nonNegativeDecimal.default('2'),
        intervalMs: z.number().int().min(10).default(500),
      })
      .strict()
      .prefault({}),
    risk: z
      .object({
        ...riskLimits,
        maxOpenOrders: z.number().int().min(1).max(1000).default(10),
        haltAfterDenials: z.number().int().min(1).optional(),
        haltWindowMs: z.number().int().min(1).default(60_000),
        symbols: z
          .record(z.string().regex(SYMBOL_RE, 'must look like BASE/QUOTE'), z.object(riskLimits).strict())
          .default({}),
      })
      .strict()
      .prefault({}),
    orders: z
      .object({
        ackTimeoutMs: z.number().int().min(1).default(3000),
        cancelTimeoutMs: z.number().int().min(1).default(3000),
        lookupRetryMs: z.number().int().min(1).default(500),
        absenceProofMs: z.number().int().min(0).max(3_600_000).default(30_000),
        maxAttempts: z.number().int().min(1).max(10).default(3),
        // After a failed commit, cancel this engine's open orders straight at the venue as it stops.
        cancelOnDatabaseFailure: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    reconcile: z
      .object({
        gapFillIntervalMs: z.number().int().min(100).default(5000),
        balanceCheckIntervalMs: z.number().int().min(0).default(30_000),
        unknownOrders: z.enum(['cancel-own', 'cancel-all', 'report']).default('cancel-own'),
      })
      .strict()
      .prefault({}),
    venueBudget: z
      .object({
        requestsPerSecond: z.number().positive().default(50),
        burst: z.number().int().min(1).default(20),
      })
      .strict()
      .prefault({}),
    // Ended orders and old journal rows move to archive files (docs/operations.md#retention).
    retention: z
      .object({
        enabled: z.boolean().default(true),
        keepEndedForMs: z.number().int().min(0).default(3_600_000),
        intervalMs: z.number().int().min(1000).default(60_000),
        dir: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    // The engine's lease on its account (docs/postgres.md): renewed every third of ttlMs; a standby takes
    // it over once it has not been renewed for ttlMs.
    lease: z
      .object({ ttlMs: z.number().int().min(300).max(600_000).default(DEFAULT_LEASE_TTL_MS) })
      .strict()
      .prefault({}),
    // The monitoring endpoint (/metrics, /healthz, /readyz) on 127.0.0.1; absent: none. 0: any free port.
    metrics: z
      .object({ port: z.number().int().min(0).max(65_535).optional() })
      .strict()
      .prefault({}),
    statusIntervalMs: z.number().int().min(0).default(1000),
    stopTimeoutMs: z.number().int().min(0).default(10_000),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  })
  .strict();

/** The resolved configuration. */
export type Config = z.infer<typeof configSchema>;

/** Validates a config object, naming the first bad field (`strategy.levels: ...`). */
export function parseConfig(raw: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  throw new ConfigError(
    fieldName('', [...issue.path, ...keys.slice(0, 1)]),
    `${issue.message} (in ${source})`,
  );
}

/** Reads and validates a JSON config file. */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('--config', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError('--config', `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Built-in paper markets, used when the config names none. */
export const DEFAULT_PAPER_MARKETS = [
  {
    symbol: 'BTC/USDT',
    initialPrice: '50000',
    tickSize: '0.01',
    stepSize: '0.0001',
    minQuantity: '0.0001',
    minNotional: '5',
    volatilityTicks: 400,
  },
  {
    symbol: 'ETH/USDT',
    initialPrice: '3000',
    tickSize: '0.01',
    stepSize: '0.001',
    minQuantity: '0.001',
    minNotional: '5',
    volatilityTicks: 40,
  },
];

/** Where the paper venue keeps its state when the config does not say: beside the engine database. */
export function defaultVenueDb(db: string): string {
  if (isPostgresUrl(db)) {
    // The paper venue is a SQLite file: named after the PostgreSQL database and schema, under data/.
    const { url, schema } = postgresTarget(db);
    const name = new URL(url).pathname.replace(/^\//, '') || 'postgres';
    return path.join('data', `${name}${schema === undefined ? '' : `.${schema}`}.paper-venue.db`);
  }
  const parsed = path.parse(db);
  return path.join(parsed.dir, `${parsed.name}.paper-venue${parsed.ext || '.db'}`);
}
