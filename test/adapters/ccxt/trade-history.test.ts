import type { Trade } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { fetchAllTrades, TRADES_PAGE } from '../../../src/adapters/ccxt/trade-history.js';
import type { VenueFill } from '../../../src/adapters/venue.js';

const DAY = 24 * 60 * 60 * 1000;

/** A venue holding `trades` that answers like Binance: by time at most 24 h, by id without a window. */
function venue(trades: { id: number; at: number }[], now: number) {
  const calls: string[] = [];
  const asTrade = (t: { id: number; at: number }) =>
    ({ id: String(t.id), info: { id: t.id }, timestamp: t.at }) as unknown as Trade;
  return {
    calls,
    pager: {
      since: async (since: number) => {
        calls.push(`since ${since}`);
        return trades
          .filter((t) => t.at >= since && t.at < since + DAY)
          .slice(0, TRADES_PAGE)
          .map(asTrade);
      },
      fromId: async (fromId: string) => {
        calls.push(`fromId ${fromId}`);
        return trades
          .filter((t) => t.id >= Number(fromId))
          .slice(0, TRADES_PAGE)
          .map(asTrade);
      },
      now: () => now,
    },
  };
}

const convert = (t: Trade): VenueFill => ({ tradeId: String(t.id), at: t.timestamp }) as unknown as VenueFill;

describe('fetchAllTrades (paging of the account trade list)', () => {
  it('one request when everything fits one page of the last 24 h', async () => {
    const v = venue(
      [
        { id: 1, at: 1000 },
        { id: 2, at: 2000 },
      ],
      5000,
    );
    const got = await fetchAllTrades(v.pager, 0, convert);
    expect(got.map((f) => f.tradeId)).toEqual(['1', '2']);
    expect(v.calls).toEqual(['since 0']);
  });

  it('follows full pages by trade id, without duplicates, oldest first', async () => {
    const trades = Array.from({ length: 2500 }, (_, i) => ({ id: 100 + i, at: 10_000 + Math.floor(i / 3) }));
    const v = venue(trades, 20_000);
    const got = await fetchAllTrades(v.pager, 10_000, convert);
    expect(got).toHaveLength(2500);
    expect(new Set(got.map((f) => f.tradeId)).size).toBe(2500);
    expect(got[0]!.tradeId).toBe('100');
    expect(got.at(-1)!.tradeId).toBe('2599');
    expect(v.calls).toEqual(['since 10000', 'fromId 1100', 'fromId 2100']);
  });

  it('continues past a 24 h window: by id after a window with trades, by day over empty ones', async () => {
    const trades = [
      { id: 1, at: 0.5 * DAY },
      { id: 2, at: 3.5 * DAY },
      { id: 3, at: 3.6 * DAY },
    ];
    const v = venue(trades, 4 * DAY);
    expect((await fetchAllTrades(v.pager, 0, convert)).map((f) => f.tradeId)).toEqual(['1', '2', '3']);
    expect(v.calls).toEqual(['since 0', 'fromId 2']);
    const empty = venue(trades.slice(1), 3.9 * DAY);
    expect((await fetchAllTrades(empty.pager, 0, convert)).map((f) => f.tradeId)).toEqual(['2', '3']);
    expect(empty.calls).toEqual([`since 0`, `since ${DAY}`, `since ${2 * DAY}`, `since ${3 * DAY}`]);
  });
});
