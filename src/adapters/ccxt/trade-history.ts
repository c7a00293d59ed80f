import type { Trade } from 'ccxt';
import type { VenueFill } from '../venue.js';

/** Binance returns at most this many trades per request. */
export const TRADES_PAGE = 1000;
/** Binance answers a `startTime`-only request with at most 24 h of trades after it. */
const WINDOW_MS = 24 * 60 * 60 * 1000;
/** A bound on pages per call, so a venue that keeps answering full pages cannot loop us forever. */
const MAX_PAGES = 200;

/** How to fetch one page of the account's trades of a symbol. */
export interface TradePager {
  /** Trades at or after `sinceMs` (first page). */
  since(sinceMs: number): Promise<Trade[]>;
  /** Trades with id >= `fromId` (later pages). */
  fromId(fromId: string): Promise<Trade[]>;
  now(): number;
}

const numericId = (id: string): bigint | null => (/^\d+$/.test(id) ? BigInt(id) : null);

/**
 * Every trade at or after `sinceMs`, following pages: the first by time, the next by trade id (ids grow,
 * and id pages are not bound to Binance's 24 h window); an empty time page steps the window a day forward
 * until now (a long engine downtime costs one request per empty day).
 * Converted with `convert`, deduplicated by trade id, oldest first.
 */
export async function fetchAllTrades(
  pager: TradePager,
  sinceMs: number,
  convert: (trade: Trade) => VenueFill,
): Promise<VenueFill[]> {
  const byId = new Map<string, VenueFill>();
  let windowStart = sinceMs;
  let byTime = true;
  let page = await pager.since(windowStart);
  for (let pages = 1; pages < MAX_PAGES; pages += 1) {
    for (const trade of page) {
      const fill = convert(trade);
      byId.set(fill.tradeId, fill);
    }
    const full = page.length >= TRADES_PAGE;
    // A short page is the end, unless it was by time and its 24 h window ends before now.
    const windowEnds = byTime && windowStart + WINDOW_MS <= pager.now();
    if (!full && !windowEnds) break;
    if (page.length > 0) {
      // Continue after the newest id seen: id pages are not bound to a time window.
      const ids = page.map((t) => numericId(String(t.info?.id ?? t.id ?? ''))).filter((n) => n !== null);
      if (ids.length === 0) break; // ids are not numeric: no id paging possible
      const last = ids.reduce((a, b) => (a > b ? a : b));
      page = await pager.fromId(String(last + 1n));
      byTime = false;
    } else {
      windowStart += WINDOW_MS; // an empty 24 h window: try the next
      page = await pager.since(windowStart);
    }
  }
  return [...byId.values()].sort(
    (a, b) =>
      a.at - b.at ||
      compareIds(numericId(a.tradeId), numericId(b.tradeId)) ||
      a.tradeId.localeCompare(b.tradeId),
  );
}

function compareIds(a: bigint | null, b: bigint | null): number {
  if (a === null || b === null) return 0;
  return a < b ? -1 : a > b ? 1 : 0;
}
