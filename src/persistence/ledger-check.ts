import type { Kysely } from 'kysely';
import { addStr, subStr } from '../domain/decimal.js';
import { isPostgres } from './dialect.js';
import type { Database } from './schema.js';

/** A position projection next to the sum of the ledger fills that moved it. */
export interface PositionVsLedger {
  venue: string;
  symbol: string;
  /** The position's quantity, or null when the ledger has fills of a (venue, symbol) without a position. */
  position: string | null;
  /** Signed sum (buys minus sells) of the ledger's applied and orphan fills. */
  ledger: string;
  /** Ledger fills that moved the position. */
  fills: number;
}

/** What replay verification checks of the ledger. */
export interface LedgerCheck {
  positions: PositionVsLedger[];
  /** (venue, tradeId) pairs the ledger holds more than once. */
  duplicateTrades: { venue: string; tradeId: string; count: number }[];
}

/** Fill statuses that moved a position. */
const POSITION_FILLS = ['applied', 'orphan'];

/** Meta key of an archive file: the live database it was archived from (see archive-store.ts). */
export const ARCHIVE_OF_KEY = 'archive.of';

/**
 * Each position next to the signed sum of its ledger fills (exact decimals), and the (venue, tradeId)
 * pairs the ledger holds more than once. An archive file has no positions (they stay in the live
 * database, with every fill): only its duplicates are checked.
 */
export async function readLedgerCheck(db: Kysely<Database>): Promise<LedgerCheck> {
  const archiveOf = await db
    .selectFrom('meta')
    .select('value')
    .where('key', '=', ARCHIVE_OF_KEY)
    .executeTakeFirst();
  if (archiveOf !== undefined) return { positions: [], duplicateTrades: await duplicateTrades(db) };
  const positions = await db
    .selectFrom('positions')
    .select(['venue', 'symbol', 'quantity'])
    .orderBy('venue')
    .orderBy('symbol')
    .execute();
  const sums = new Map<string, PositionVsLedger>();
  for (const p of positions) {
    sums.set(JSON.stringify([p.venue, p.symbol]), {
      venue: p.venue,
      symbol: p.symbol,
      position: p.quantity,
      ledger: '0',
      fills: 0,
    });
  }
  for await (const f of positionFills(db)) {
    const key = JSON.stringify([f.venue, f.symbol]);
    let sum = sums.get(key);
    if (sum === undefined) {
      sum = { venue: f.venue, symbol: f.symbol, position: null, ledger: '0', fills: 0 };
      sums.set(key, sum);
    }
    sum.ledger = f.side === 'buy' ? addStr(sum.ledger, f.quantity) : subStr(sum.ledger, f.quantity);
    sum.fills += 1;
  }
  return { positions: [...sums.values()], duplicateTrades: await duplicateTrades(db) };
}

/** A ledger fill as the ledger check reads it. */
interface PositionFill {
  venue: string;
  trade_id: string;
  symbol: string;
  side: string;
  quantity: string;
}

/** Rows a keyset page of the ledger reads on PostgreSQL. */
const FILL_PAGE = 10_000;

/**
 * The ledger's fills that moved a position, read without holding them all: streamed on SQLite; on
 * PostgreSQL (whose streaming needs a cursor package) read in pages along the primary key.
 */
async function* positionFills(db: Kysely<Database>): AsyncGenerator<PositionFill> {
  const query = db
    .selectFrom('fills')
    .select(['venue', 'trade_id', 'symbol', 'side', 'quantity'])
    .where('status', 'in', POSITION_FILLS);
  if (!isPostgres(db)) {
    yield* query.stream();
    return;
  }
  let after: PositionFill | null = null;
  for (;;) {
    const from: PositionFill | null = after;
    const page: PositionFill[] = await (
      from === null
        ? query
        : query.where((eb) =>
            eb.or([
              eb('venue', '>', from.venue),
              eb.and([eb('venue', '=', from.venue), eb('trade_id', '>', from.trade_id)]),
            ]),
          )
    )
      .orderBy('venue')
      .orderBy('trade_id')
      .limit(FILL_PAGE)
      .execute();
    yield* page;
    const last: PositionFill | undefined = page.at(-1);
    if (page.length < FILL_PAGE || last === undefined) return;
    after = last;
  }
}

/** The (venue, tradeId) pairs the ledger holds more than once. */
async function duplicateTrades(db: Kysely<Database>): Promise<LedgerCheck['duplicateTrades']> {
  const duplicates = await db
    .selectFrom('fills')
    .select(['venue', 'trade_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['venue', 'trade_id'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  return duplicates.map((d) => ({ venue: d.venue, tradeId: d.trade_id, count: Number(d.n) }));
}
