import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { defaultArchiveDir } from '../persistence/archive/archive-store.js';
import { orderActorId } from '../machines/messages.js';
import { listFills, listOrders, readOrder } from '../persistence/operator-queries.js';
import type {
  FillRecord,
  IgnoredFactRecord,
  JournalRecord,
  OrderRecord,
} from '../persistence/operator-queries.js';
import type { Kysely } from 'kysely';
import { openEngineDatabaseReadOnly, shownDb } from '../persistence/open-database.js';
import { isPostgresUrl } from '../persistence/postgres.js';
import type { Database } from '../persistence/schema.js';

/**
 * The operator's read commands on orders and fills: `orders`, `order <clientOrderId>`, `fills`. Each opens
 * the database read-only (never migrating or writing), so it works whether or not an engine runs on it.
 */

/** An ISO 8601 date or date-time: `2026-12-07`, `2026-12-07T08:00:00Z`, `2026-12-07T08:00:00.5+01:00`. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Commander parser of `--since`: an ISO time, as ms since the epoch (commander names the flag if not). */
export function parseIsoTime(value: string): number {
  const ms = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`must be an ISO time (e.g. 2026-12-07T08:00:00Z).`);
  return ms;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Runs `fn` on a read-only connection to `file`, then closes it. */
async function reading<T>(file: string, fn: (db: Kysely<Database>) => Promise<T>) {
  const db = await openEngineDatabaseReadOnly(file);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** `npm run cli -- orders --db <path> [--state S] [--symbol X] [--json]`: the orders, oldest first. */
export async function runOrders(options: {
  db: string;
  state?: string;
  symbol?: string;
  json: boolean;
}): Promise<number> {
  const orders = await reading(options.db, (db) =>
    listOrders(db, { state: options.state, symbol: options.symbol }),
  );
  process.stdout.write(options.json ? `${JSON.stringify({ orders })}\n` : formatOrders(orders));
  return 0;
}

/**
 * `npm run cli -- order <clientOrderId> --db <path> [--json]`: one order, its actor's whole journal and its
 * ledger fills; an order retention moved is read from its archive file (`<db>.archive/<day>.db`, named as
 * `archivedIn`). Exit 1 when neither has such an order.
 */
export async function runOrder(options: {
  db: string;
  clientOrderId: string;
  json: boolean;
}): Promise<number> {
  const read = (file: string) =>
    reading(file, (db) => readOrder(db, options.clientOrderId, orderActorId(options.clientOrderId)));
  let found = await read(options.db);
  let archivedIn: string | undefined;
  // Retention archives SQLite databases only (PostgreSQL keeps every order).
  const archived =
    found !== null || isPostgresUrl(options.db) ? [] : archiveFiles(defaultArchiveDir(options.db));
  for (const file of archived) {
    found = await read(file);
    if (found !== null) {
      archivedIn = file;
      break;
    }
  }
  if (found === null) {
    process.stderr.write(
      `steadfast: no order ${options.clientOrderId} in ${shownDb(options.db)} (\`npm run cli -- orders --db ${shownDb(options.db)}\` lists them)\n`,
    );
    return 1;
  }
  const shown = {
    ...(archivedIn === undefined ? {} : { archivedIn }),
    order: found.order,
    journal: found.journal.map((j) => Object.assign({}, j, { event: JSON.parse(j.event) as unknown })),
    ignoredFacts: found.ignoredFacts.map((f) =>
      Object.assign({}, f, { event: JSON.parse(f.event) as unknown }),
    ),
    fills: found.fills,
  };
  process.stdout.write(
    options.json
      ? `${JSON.stringify(shown)}\n`
      : `${archivedIn === undefined ? '' : `(archived in ${archivedIn})\n`}${formatOrder(found.order, found.journal, found.ignoredFacts, found.fills)}`,
  );
  return 0;
}

/** The archive files in `dir`, newest day first. */
function archiveFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}-\d{2}-\d{2}\.db$/.test(f))
    .sort()
    .reverse()
    .map((f) => path.join(dir, f));
}

/** `npm run cli -- fills --db <path> [--since <ISO time>] [--json]`: ledger fills in the order they happened. */
export async function runFills(options: { db: string; since?: number; json: boolean }): Promise<number> {
  const fills = await reading(options.db, (db) => listFills(db, { since: options.since }));
  process.stdout.write(options.json ? `${JSON.stringify({ fills })}\n` : formatFills(fills));
  return 0;
}

function orderLine(o: OrderRecord): string {
  const price = o.price === null ? o.type : `@ ${o.price}`;
  const extra = [
    o.venueOrderId === null ? '' : `venue id ${o.venueOrderId}`,
    o.reason === null ? '' : `reason ${o.reason}`,
    o.fillGap === null ? '' : `fill gap ${o.fillGap}`,
  ].filter((x) => x !== '');
  return (
    `${o.clientOrderId}  ${o.venue} ${o.symbol} ${o.side} ${o.quantity} ${price}  ${o.state}` +
    `  ${iso(o.updatedAt)}${extra.length > 0 ? `  (${extra.join(', ')})` : ''}`
  );
}

function fillLine(f: FillRecord): string {
  const order = f.clientOrderId ?? `venue order ${f.venueOrderId}`;
  return (
    `${iso(f.at)}  ${f.venue} ${f.symbol} ${f.side} ${f.quantity} @ ${f.price}  fee ${f.fee} ${f.feeCurrency}` +
    `  trade ${f.tradeId}  ${order}  ${f.status}`
  );
}

function formatOrders(orders: readonly OrderRecord[]): string {
  if (orders.length === 0) return 'no orders\n';
  return `${orders.map(orderLine).join('\n')}\n${orders.length} orders\n`;
}

function formatOrder(
  o: OrderRecord,
  journal: readonly JournalRecord[],
  ignored: readonly IgnoredFactRecord[],
  fills: readonly FillRecord[],
): string {
  const lines = [orderLine(o), `journal (${journal.length} events):`];
  for (const j of journal) lines.push(`  rev ${j.rev}  ${iso(j.at)}  ${j.eventType} -> ${j.state}`);
  if (ignored.length > 0) lines.push(`ignored venue facts (${ignored.length}):`);
  for (const f of ignored) {
    lines.push(`  at rev ${f.rev}  ${iso(f.at)}  ${f.eventType} in ${f.state}: ${f.reason}`);
  }
  lines.push(`fills (${fills.length}):`);
  for (const f of fills) lines.push(`  ${fillLine(f)}`);
  return `${lines.join('\n')}\n`;
}

function formatFills(fills: readonly FillRecord[]): string {
  if (fills.length === 0) return 'no fills\n';
  return `${fills.map(fillLine).join('\n')}\n${fills.length} fills\n`;
}
