import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addStr, cmpStr, mulStr, subStr } from '../../src/domain/decimal.js';
import { riskRuleOf } from '../../src/domain/risk.js';
import { RiskChecker, checkRisk } from '../../src/engine/risk.js';
import type { RiskConfig, RiskOrder, RiskView } from '../../src/engine/risk.js';

/**
 * Each pre-trade risk rule, checked alone: a value at the limit is allowed, one step beyond it denied
 * (for the counts, a place once the limit is reached). fast-check prints the seed of a failing run.
 */

/** A positive decimal string with `scale` places, and the smallest step at that scale. */
const decimal = fc
  .tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: 8 }))
  .map(([m, scale]) => ({ value: shift(m, scale), step: shift(1n, scale) }));

function shift(m: bigint, scale: number): string {
  if (scale === 0) return m.toString();
  const s = m.toString().padStart(scale + 1, '0');
  const out = `${s.slice(0, -scale)}.${s.slice(-scale)}`.replace(/\.?0+$/, '');
  return out === '' ? '0' : out;
}

const side = fc.constantFrom<'buy' | 'sell'>('buy', 'sell');
const EMPTY: RiskView = { mid: null, position: '0', live: [], recentSubmits: 0 };
const order = (o: Partial<RiskOrder>): RiskOrder =>
  Object.assign({ side: 'buy', quantity: '1', price: null }, o);
const view = (v: Partial<RiskView>): RiskView => Object.assign({}, EMPTY, v);
const ruleOf = (o: RiskOrder, v: RiskView, limits: Parameters<typeof checkRisk>[2]) =>
  checkRisk(o, v, limits)?.rule ?? null;

describe('pre-trade risk rules', () => {
  it('maxOrderQuantity: the limit is allowed, one step more denied', () => {
    fc.assert(
      fc.property(decimal, side, ({ value, step }, s) => {
        const limits = { maxOrderQuantity: value };
        expect(ruleOf(order({ side: s, quantity: value }), EMPTY, limits)).toBeNull();
        expect(ruleOf(order({ side: s, quantity: addStr(value, step) }), EMPTY, limits)).toBe(
          'maxOrderQuantity',
        );
      }),
    );
  });

  it('maxOrderNotional: quantity × price at the limit is allowed, beyond it denied (market: at the mid)', () => {
    fc.assert(
      fc.property(decimal, decimal, fc.boolean(), (q, p, market) => {
        const notional = mulStr(q.value, p.value);
        const o = order({ quantity: q.value, price: market ? null : p.value });
        const v = view({ mid: p.value });
        expect(ruleOf(o, v, { maxOrderNotional: notional })).toBeNull();
        const below = subStr(notional, mulStr(q.step, p.step));
        if (cmpStr(below, '0') > 0)
          expect(ruleOf(o, v, { maxOrderNotional: below })).toBe('maxOrderNotional');
      }),
    );
    expect(ruleOf(order({ price: null }), EMPTY, { maxOrderNotional: '1' })).toBe('maxOrderNotional');
  });

  it('maxPosition: the worst case (position, every live order of the side filled, the order) at the limit is allowed', () => {
    const live = fc.array(
      fc.tuple(side, decimal).map(([s, d]) => ({ side: s, remaining: d.value })),
      {
        maxLength: 6,
      },
    );
    fc.assert(
      fc.property(decimal, side, live, decimal, fc.boolean(), (q, s, orders, pos, short) => {
        const position = short ? `-${pos.value}` : pos.value;
        const v = view({ position, live: orders });
        const o = order({ side: s, quantity: q.value });
        let worst = addStr(position, '0');
        for (const l of orders)
          if (l.side === s) worst = s === 'buy' ? addStr(worst, l.remaining) : subStr(worst, l.remaining);
        worst = s === 'buy' ? addStr(worst, q.value) : subStr(worst, q.value);
        const limit = s === 'buy' ? worst : subStr('0', worst);
        if (cmpStr(limit, '0') <= 0) {
          // The order leaves its side flat or on the other side: any limit allows it.
          expect(ruleOf(o, v, { maxPosition: q.step })).toBeNull();
          return;
        }
        expect(ruleOf(o, v, { maxPosition: limit })).toBeNull();
        expect(ruleOf(o, v, { maxPosition: addStr(limit, '1') })).toBeNull();
        const tighter = subStr(limit, q.step);
        if (cmpStr(tighter, '0') > 0) expect(ruleOf(o, v, { maxPosition: tighter })).toBe('maxPosition');
      }),
    );
  });

  it('maxPosition counts orders of unknown outcome as filled', () => {
    const v = view({ position: '0.5', live: [{ side: 'buy', remaining: '0.3' }] });
    expect(ruleOf(order({ quantity: '0.2' }), v, { maxPosition: '1' })).toBeNull();
    expect(ruleOf(order({ quantity: '0.21' }), v, { maxPosition: '1' })).toBe('maxPosition');
    // A sell while long only moves the short side: allowed even beyond a small limit.
    expect(ruleOf(order({ side: 'sell', quantity: '1.5' }), v, { maxPosition: '1' })).toBeNull();
    expect(ruleOf(order({ side: 'sell', quantity: '1.51' }), v, { maxPosition: '1' })).toBe('maxPosition');
  });

  it('maxOpenOrders: denied once the limit of live orders is reached, allowed below', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), (n) => {
        const live = Array.from({ length: n }, () => ({ side: 'buy' as const, remaining: '1' }));
        expect(ruleOf(order({}), view({ live }), { maxOpenOrders: n })).toBe('maxOpenOrders');
        expect(ruleOf(order({}), view({ live: live.slice(1) }), { maxOpenOrders: n })).toBeNull();
      }),
    );
  });

  it('priceBandBps: a price exactly the band away from the mid is allowed, one step further denied', () => {
    fc.assert(
      fc.property(decimal, decimal, fc.boolean(), (mid, band, above) => {
        const offset = mulStr(mulStr(mid.value, band.value), '0.0001');
        const edge = above ? addStr(mid.value, offset) : subStr(mid.value, offset);
        const step = mulStr(mid.step, mulStr(band.step, '0.0001'));
        const beyond = above ? addStr(edge, step) : subStr(edge, step);
        const v = view({ mid: mid.value });
        const limits = { priceBandBps: band.value };
        expect(ruleOf(order({ price: edge }), v, limits)).toBeNull();
        expect(ruleOf(order({ price: beyond }), v, limits)).toBe('priceBandBps');
      }),
    );
    expect(ruleOf(order({ price: '1' }), EMPTY, { priceBandBps: '10' })).toBe('priceBandBps');
    expect(ruleOf(order({ price: null }), EMPTY, { priceBandBps: '10' })).toBeNull();
  });

  it('maxSubmitsPerSecond: denied once the limit of places in the window is reached', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), (n) => {
        expect(ruleOf(order({}), view({ recentSubmits: n }), { maxSubmitsPerSecond: n })).toBe(
          'maxSubmitsPerSecond',
        );
        expect(ruleOf(order({}), view({ recentSubmits: n - 1 }), { maxSubmitsPerSecond: n })).toBeNull();
      }),
    );
  });

  it('no limit: nothing is denied', () => {
    fc.assert(
      fc.property(decimal, side, (q, s) => {
        expect(checkRisk(order({ side: s, quantity: q.value, price: q.value }), EMPTY, {})).toBeNull();
      }),
    );
  });
});

const config = (c: Partial<RiskConfig>): RiskConfig =>
  Object.assign({ haltWindowMs: 60_000, symbols: {} }, c);
const placeView = { mid: null, position: '0', live: [] };

describe('RiskChecker', () => {
  it('counts places in a sliding 1 s window of the batch clock', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 10_000 }), (n, t0) => {
        const risk = new RiskChecker(config({ maxSubmitsPerSecond: n }));
        for (let i = 0; i < n; i += 1) expect(risk.check('A/B', order({}), placeView, t0)).toBeNull();
        expect(risk.check('A/B', order({}), placeView, t0 + 999)?.rule).toBe('maxSubmitsPerSecond');
        expect(risk.check('C/D', order({}), placeView, t0 + 999)).toBeNull(); // per symbol
        expect(risk.check('A/B', order({}), placeView, t0 + 1000)).toBeNull();
        expect(risk.denials.get('maxSubmitsPerSecond')).toBe(1);
      }),
    );
  });

  it('per-symbol limits replace the global ones', () => {
    const risk = new RiskChecker(
      config({ maxOrderQuantity: '1', symbols: { 'BTC/USDT': { maxOrderQuantity: '0.1' } } }),
    );
    expect(risk.check('ETH/USDT', order({ quantity: '1' }), placeView, 0)).toBeNull();
    expect(risk.check('BTC/USDT', order({ quantity: '0.1' }), placeView, 0)).toBeNull();
    expect(risk.check('BTC/USDT', order({ quantity: '0.11' }), placeView, 0)?.rule).toBe('maxOrderQuantity');
  });

  it('trips the halt at haltAfterDenials denials within haltWindowMs, not one fewer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 5000 }), (n, windowMs) => {
        const risk = new RiskChecker(
          config({ maxOrderQuantity: '1', haltAfterDenials: n, haltWindowMs: windowMs }),
        );
        const big = order({ quantity: '2' });
        // Denials a window apart never add up.
        for (let i = 0; i < 3; i += 1) {
          for (let j = 0; j < n - 1; j += 1) risk.check('A/B', big, placeView, i * windowMs * 2);
          expect(risk.takeTrip()).toBeNull();
        }
        const at = 100 * windowMs;
        for (let j = 0; j < n - 1; j += 1) risk.check('A/B', big, placeView, at);
        expect(risk.takeTrip()).toBeNull();
        risk.check('A/B', big, placeView, at + windowMs - 1);
        expect(risk.takeTrip()).toEqual({ rule: 'maxOrderQuantity', denials: n, windowMs });
        expect(risk.takeTrip()).toBeNull();
      }),
    );
  });

  it('a denial reason names its rule (also as databases before the `denied` state wrote it)', () => {
    expect(riskRuleOf('denied by risk: maxPosition (worst-case position 2 beyond ±1)')).toBe('maxPosition');
    expect(riskRuleOf('rejected: denied by risk: maxPosition (worst-case position 2 beyond ±1)')).toBe(
      'maxPosition',
    );
    expect(riskRuleOf('denied by risk: noSuchRule (x)')).toBeNull();
    expect(riskRuleOf('denied by the trading state: halted')).toBeNull();
    expect(riskRuleOf(null)).toBeNull();
  });
});
