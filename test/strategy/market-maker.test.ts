import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec, fmt } from '../../src/domain/decimal.js';
import type { DesiredOrder, Market } from '../../src/domain/types.js';
import { validateDesired } from '../../src/engine/validate-desired.js';
import { midOf, quote, shouldRequote } from '../../src/strategy/market-maker.js';
import type { MarketMakerParams, MarketView } from '../../src/strategy/market-maker.js';

const MARKET: Market = {
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01',
  stepSize: '0.001',
  minQuantity: '0.001',
  minNotional: '5',
};

/** 2 levels, 10 bps then 15 bps from the (skewed) mid; size 0.0109 rounds down to the step: 0.01. */
const PARAMS: MarketMakerParams = {
  levels: 2,
  spreadBps: '10',
  levelSpacingBps: '5',
  orderSize: '0.0109',
  maxPosition: '0.1',
  skewBps: '20',
  requoteBps: '2',
};

/** Mid exactly 1000. */
const view = (position: string, over: Partial<MarketView> = {}): MarketView => ({
  market: MARKET,
  bid: '999.99',
  ask: '1000.01',
  position,
  ...over,
});

const buy = (price: string, level: number, quantity = '0.01'): DesiredOrder => ({
  side: 'buy',
  price,
  quantity,
  level: `bid-${level}`,
});
const sell = (price: string, level: number, quantity = '0.01'): DesiredOrder => ({
  side: 'sell',
  price,
  quantity,
  level: `ask-${level}`,
});

describe('quote', () => {
  it('gives N levels per side around the mid, bid then ask per level, at flat inventory', () => {
    // mid 1000: 10 bps -> 999 / 1001, 15 bps -> 998.5 / 1001.5 (all already on the tick).
    expect(quote(PARAMS, view('0'))).toEqual([
      buy('999', 0),
      sell('1001', 0),
      buy('998.5', 1),
      sell('1001.5', 1),
    ]);
    expect(quote({ ...PARAMS, levels: 3 }, view('0'))).toEqual([
      buy('999', 0),
      sell('1001', 0),
      buy('998.5', 1),
      sell('1001.5', 1),
      buy('998', 2),
      sell('1002', 2),
    ]);
    expect(quote({ ...PARAMS, levels: 1 }, view('0'))).toEqual([buy('999', 0), sell('1001', 0)]);
    expect(quote({ ...PARAMS, levels: 0 }, view('0'))).toEqual([]);
  });

  it('rounds prices away from the mid to the tick', () => {
    // mid 1000.005: raw bid 999.004995 -> 999, raw ask 1001.005005 -> 1001.01,
    // raw bid 998.5049925 -> 998.5, raw ask 1001.5050075 -> 1001.51.
    expect(quote(PARAMS, view('0', { bid: '1000', ask: '1000.01' }))).toEqual([
      buy('999', 0),
      sell('1001.01', 0),
      buy('998.5', 1),
      sell('1001.51', 1),
    ]);
    // With no spread the first level straddles the mid: floor and ceiling of 1000.005.
    expect(
      quote({ ...PARAMS, levels: 1, spreadBps: '0' }, view('0', { bid: '1000', ask: '1000.01' })),
    ).toEqual([buy('1000', 0), sell('1000.01', 0)]);
    // A coarser tick: 0.5. mid 1000.005 -> raw bid 999.004995 -> 999, raw ask 1001.005005 -> 1001.5.
    const coarse = { ...MARKET, tickSize: '0.5' };
    expect(
      quote({ ...PARAMS, levels: 1 }, view('0', { market: coarse, bid: '1000', ask: '1000.01' })),
    ).toEqual([buy('999', 0), sell('1001.5', 0)]);
  });

  it('sizes quotes down to the step and drops them under the minimum quantity', () => {
    expect(quote({ ...PARAMS, levels: 1, orderSize: '0.0129' }, view('0'))).toEqual([
      buy('999', 0, '0.012'),
      sell('1001', 0, '0.012'),
    ]);
    expect(quote({ ...PARAMS, levels: 1, orderSize: '0.02' }, view('0'))).toEqual([
      buy('999', 0, '0.02'),
      sell('1001', 0, '0.02'),
    ]);
    // 0.0009 rounds down to 0, under the minimum quantity 0.001: nothing to quote.
    expect(quote({ ...PARAMS, orderSize: '0.0009' }, view('0'))).toEqual([]);
    const bigMin = { ...MARKET, minQuantity: '0.02' };
    expect(quote(PARAMS, view('0', { market: bigMin }))).toEqual([]);
  });

  it('drops each quote whose notional is under the minimum', () => {
    // size 0.005: bids 999 x 0.005 = 4.995 and 998.5 x 0.005 = 4.9925 are under 5; asks 5.005, 5.0075 are not.
    expect(quote({ ...PARAMS, orderSize: '0.005' }, view('0'))).toEqual([
      sell('1001', 0, '0.005'),
      sell('1001.5', 1, '0.005'),
    ]);
  });

  it('skews quotes against inventory', () => {
    // long 0.05 = half of max: mid shifts down by 0.5 x 20 bps = 10 bps -> 999.
    expect(quote(PARAMS, view('0.05'))).toEqual([
      buy('998', 0),
      sell('1000', 0),
      buy('997.5', 1),
      sell('1000.5', 1),
    ]);
    // short 0.05: mid shifts up to 1001.
    expect(quote(PARAMS, view('-0.05'))).toEqual([
      buy('999.99', 0),
      sell('1002.01', 0),
      buy('999.49', 1),
      sell('1002.51', 1),
    ]);
    // No skew configured: inventory changes nothing.
    expect(quote({ ...PARAMS, skewBps: '0' }, view('0.05'))).toEqual(quote(PARAMS, view('0')));
  });

  it('quotes no bids at max long and no asks at max short (inventory clamped beyond)', () => {
    // At max long the mid shifts the full 20 bps down to 998: asks 998.998 -> 999, 999.497 -> 999.5.
    const atMaxLong = [sell('999', 0), sell('999.5', 1)];
    expect(quote(PARAMS, view('0.1'))).toEqual(atMaxLong);
    expect(quote(PARAMS, view('0.25'))).toEqual(atMaxLong);
    // At max short: 1002 -> bids 1000.998 -> 1000.99, 1000.497 -> 1000.49.
    const atMaxShort = [buy('1000.99', 0), buy('1000.49', 1)];
    expect(quote(PARAMS, view('-0.1'))).toEqual(atMaxShort);
    expect(quote(PARAMS, view('-0.3'))).toEqual(atMaxShort);
    // Just under the limits both sides still quote.
    expect(quote(PARAMS, view('0.099')).map((o) => o.side)).toEqual(['buy', 'sell', 'buy', 'sell']);
    expect(quote(PARAMS, view('-0.099')).map((o) => o.side)).toEqual(['buy', 'sell', 'buy', 'sell']);
  });

  it('is pure: same input, same output, inputs untouched', () => {
    const params = Object.freeze({ ...PARAMS });
    const market = Object.freeze({ ...MARKET });
    const v = Object.freeze(view('0.03', { market, bid: '1000', ask: '1000.01' }));
    const first = quote(params, v);
    first[0]!.price = '1';
    first.pop();
    const second = quote(params, v);
    const third = quote(params, v);
    expect(second).toEqual(third);
    expect(second).not.toBe(third);
    expect(second).toHaveLength(4);
    expect(second[0]!.price).not.toBe('1');
    expect(v).toEqual(view('0.03', { market: MARKET, bid: '1000', ask: '1000.01' }));
    expect(params).toEqual(PARAMS);
  });

  it('property: quotes are valid orders, rounded away from the skewed mid within one tick', () => {
    const cents = fc.integer({ min: 100_000, max: 10_000_000 }); // mids 1000.00 .. 100000.00 (x2 / 2)
    fc.assert(
      fc.property(
        cents,
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: -200, max: 200 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 200 }),
        (bidCents, spreadCents, positionSteps, levels, spreadBps, spacingBps, skewBps, sizeUnits) => {
          const bid = fmt(new Dec(String(bidCents)).div('100'));
          const ask = fmt(new Dec(String(bidCents + spreadCents)).div('100'));
          const position = fmt(new Dec(String(positionSteps)).times('0.001'));
          const params: MarketMakerParams = {
            ...PARAMS,
            levels,
            spreadBps: String(spreadBps),
            levelSpacingBps: String(spacingBps),
            skewBps: String(skewBps),
            orderSize: fmt(new Dec(String(sizeUnits)).times('0.0007')),
          };
          const out = quote(params, { market: MARKET, bid, ask, position });
          expect(validateDesired(MARKET.symbol, out, new Map([[MARKET.symbol, MARKET]]))).toEqual(out);

          const mid = new Dec(bid).plus(ask).div('2');
          let inventory = new Dec(position).div(PARAMS.maxPosition);
          if (inventory.gt('1')) inventory = new Dec('1');
          if (inventory.lt('-1')) inventory = new Dec('-1');
          const skewed = mid.times(new Dec('1').minus(inventory.times(String(skewBps)).div('10000')));
          const size = new Dec(String(sizeUnits)).times('0.0007');
          for (const o of out) {
            const i = Number(o.level.slice(4));
            expect(o.level).toBe(`${o.side === 'buy' ? 'bid' : 'ask'}-${i}`);
            expect(i).toBeLessThan(levels);
            expect(new Dec(o.quantity).lte(size)).toBe(true);
            expect(new Dec(o.quantity).gt(size.minus(MARKET.stepSize))).toBe(true);
            const offset = new Dec(String(spreadBps + spacingBps * i)).div('10000');
            const price = new Dec(o.price);
            if (o.side === 'buy') {
              const raw = skewed.times(new Dec('1').minus(offset));
              expect(price.lte(raw) && price.gt(raw.minus(MARKET.tickSize))).toBe(true);
            } else {
              const raw = skewed.times(new Dec('1').plus(offset));
              expect(price.gte(raw) && price.lt(raw.plus(MARKET.tickSize))).toBe(true);
            }
          }
          if (positionSteps >= 100) expect(out.filter((o) => o.side === 'buy')).toEqual([]);
          if (positionSteps <= -100) expect(out.filter((o) => o.side === 'sell')).toEqual([]);
          const bids = out.filter((o) => o.side === 'buy').map((o) => new Dec(o.price));
          const asks = out.filter((o) => o.side === 'sell').map((o) => new Dec(o.price));
          for (const b of bids) for (const a of asks) expect(b.lte(a)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 20240601 },
    );
  });

  it('property: a longer position never raises the quotes', () => {
    fc.assert(
      fc.property(fc.integer({ min: -99, max: 98 }), fc.integer({ min: 1, max: 99 }), (p, dp) => {
        const q = Math.min(99, p + dp);
        const lower = quote(PARAMS, view(fmt(new Dec(String(p)).times('0.001'))));
        const higher = quote(PARAMS, view(fmt(new Dec(String(q)).times('0.001'))));
        expect(lower.map((o) => o.level)).toEqual(higher.map((o) => o.level));
        lower.forEach((o, i) => expect(new Dec(higher[i]!.price).lte(o.price)).toBe(true));
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('midOf', () => {
  it('is the exact average of bid and ask', () => {
    expect(fmt(midOf({ bid: '999.99', ask: '1000.01' }))).toBe('1000');
    expect(fmt(midOf({ bid: '1000', ask: '1000.01' }))).toBe('1000.005');
    expect(fmt(midOf({ bid: '0.1', ask: '0.2' }))).toBe('0.15');
  });
});

describe('shouldRequote', () => {
  const mid = (s: string) => new Dec(s);

  it('always quotes the first time (and after a zero mid)', () => {
    expect(shouldRequote(PARAMS, null, mid('1000'))).toBe(true);
    expect(shouldRequote(PARAMS, '0', mid('1000'))).toBe(true);
  });

  it('requotes when the mid moved at least requoteBps either way', () => {
    // 2 bps of 1000 is 0.2.
    expect(shouldRequote(PARAMS, '1000', mid('1000'))).toBe(false);
    expect(shouldRequote(PARAMS, '1000', mid('1000.19'))).toBe(false);
    expect(shouldRequote(PARAMS, '1000', mid('1000.199999'))).toBe(false);
    expect(shouldRequote(PARAMS, '1000', mid('1000.2'))).toBe(true);
    expect(shouldRequote(PARAMS, '1000', mid('1000.21'))).toBe(true);
    expect(shouldRequote(PARAMS, '1000', mid('999.81'))).toBe(false);
    expect(shouldRequote(PARAMS, '1000', mid('999.8'))).toBe(true);
    expect(shouldRequote(PARAMS, '1000', mid('500'))).toBe(true);
  });

  it('uses the configured threshold; 0 requotes on every tick', () => {
    expect(shouldRequote({ ...PARAMS, requoteBps: '10' }, '1000', mid('1000.9'))).toBe(false);
    expect(shouldRequote({ ...PARAMS, requoteBps: '10' }, '1000', mid('1001'))).toBe(true);
    expect(shouldRequote({ ...PARAMS, requoteBps: '0.5' }, '1000', mid('1000.05'))).toBe(true);
    expect(shouldRequote({ ...PARAMS, requoteBps: '0.5' }, '1000', mid('1000.04'))).toBe(false);
    expect(shouldRequote({ ...PARAMS, requoteBps: '0' }, '1000', mid('1000'))).toBe(true);
  });
});
