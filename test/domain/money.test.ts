import fc from 'fast-check';
import { initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { Dec, fmt, parseDecimal } from '../../src/domain/decimal.js';
import { positionBookMachine } from '../../src/machines/position-book.machine.js';
import type { Side } from '../../src/domain/types.js';

/**
 * Money math cross-checked against an independent model: scaled BigInt integers (no big.js, no floats).
 * Prices and quantities have up to 8 decimals (scale 1e8); PnL and notionals are products (scale 1e16).
 */

const Q_SCALE = 8; // quantities and prices
const PNL_SCALE = 16; // price × quantity
const AVG_DP = 18; // Dec.DP: averagePrice is rounded half-even to 18 places

/** Canonical decimal string of `value / 10^scale`: no exponent, no trailing zeros, `0` for zero. */
function toDecimal(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  const body = frac.length > 0 ? `${int}.${frac}` : int;
  return negative && body !== '0' ? `-${body}` : body;
}

/** Integer division rounded half to even (b > 0). */
function divHalfEven(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  const twice = 2n * (r < 0n ? -r : r);
  if (twice < b) return q;
  const away = a < 0n ? q - 1n : q + 1n;
  if (twice > b) return away;
  return q % 2n === 0n ? q : away;
}

interface ModelLot {
  qty: bigint; // scale 1e8, > 0
  price: bigint; // scale 1e8
}

/** An independent FIFO position in scaled integers. */
class ModelBook {
  position = 0n; // scale 1e8, signed
  lots: ModelLot[] = [];
  realized = 0n; // scale 1e16
  fees = new Map<string, bigint>(); // scale 1e8

  apply(side: Side, price: bigint, qty: bigint, fee: bigint, feeCurrency: string): void {
    const fillSign = side === 'buy' ? 1n : -1n;
    const posSign = this.position > 0n ? 1n : this.position < 0n ? -1n : 0n;
    let remaining = qty;
    if (posSign !== 0n && posSign !== fillSign) {
      while (remaining > 0n && this.lots.length > 0) {
        const lot = this.lots[0]!;
        const take = remaining < lot.qty ? remaining : lot.qty;
        const perUnit = posSign > 0n ? price - lot.price : lot.price - price;
        this.realized += perUnit * take;
        remaining -= take;
        lot.qty -= take;
        if (lot.qty === 0n) this.lots.shift();
      }
    }
    if (remaining > 0n) {
      const last = this.lots[this.lots.length - 1];
      if (last !== undefined && last.price === price) last.qty += remaining;
      else this.lots.push({ qty: remaining, price });
    }
    this.position += fillSign * qty;
    this.fees.set(feeCurrency, (this.fees.get(feeCurrency) ?? 0n) + fee);
  }

  state(): string {
    return this.position > 0n ? 'long' : this.position < 0n ? 'short' : 'flat';
  }

  averagePrice(): string {
    let qty = 0n;
    let cost = 0n; // scale 1e16
    for (const lot of this.lots) {
      qty += lot.qty;
      cost += lot.qty * lot.price;
    }
    if (qty === 0n) return '0';
    // cost / 1e16 ÷ qty / 1e8 = cost / (qty × 1e8); at 18 places: cost × 1e18 / (qty × 1e8)
    return toDecimal(divHalfEven(cost * 10n ** BigInt(AVG_DP - PNL_SCALE + Q_SCALE), qty), AVG_DP);
  }

  view() {
    return {
      state: this.state(),
      quantity: toDecimal(this.position, Q_SCALE),
      realizedPnl: toDecimal(this.realized, PNL_SCALE),
      lots: this.lots.map((l) => ({
        quantity: toDecimal(l.qty, Q_SCALE),
        price: toDecimal(l.price, Q_SCALE),
      })),
      averagePrice: this.averagePrice(),
    };
  }
}

/** A fill as generated: `close` means "exactly the current position, the other way" (hits flat exactly). */
interface GenFill {
  kind: 'random' | 'close';
  side: Side;
  price: bigint;
  qty: bigint;
  fee: bigint;
  feeCurrency: string;
}

const scaledPrice = fc.oneof(
  // a few recurring prices so that lots merge and positions close at their entry price
  fc.constantFrom(100_00000000n, 100_50000000n, 99_99999999n, 1n),
  fc.bigInt({ min: 1n, max: 1_000_000_00000000n }),
);
const scaledQty = fc.oneof(
  fc.constantFrom(1_00000000n, 50000000n, 10000000n, 20000000n, 1n),
  fc.bigInt({ min: 1n, max: 1_000_00000000n }),
);
const genFill: fc.Arbitrary<GenFill> = fc.record({
  kind: fc.constantFrom<GenFill['kind']>('random', 'random', 'random', 'random', 'close'),
  side: fc.constantFrom<Side>('buy', 'sell'),
  price: scaledPrice,
  qty: scaledQty,
  fee: fc.bigInt({ min: 0n, max: 1_00000000n }),
  feeCurrency: fc.constantFrom('USDT', 'BNB', 'BTC'),
});

describe('money: the position book against an independent BigInt FIFO', () => {
  it('random fill sequences give exactly the same quantity, realized PnL, lots, average price and fees', () => {
    fc.assert(
      fc.property(fc.array(genFill, { minLength: 200, maxLength: 400 }), (fills) => {
        const model = new ModelBook();
        let [snap] = initialTransition(positionBookMachine, { venue: 'paper', symbol: 'BTC/USDT', at: 0 });
        fills.forEach((f, i) => {
          let { side, qty } = f;
          if (f.kind === 'close' && model.position !== 0n) {
            side = model.position > 0n ? 'sell' : 'buy';
            qty = model.position > 0n ? model.position : -model.position;
          }
          model.apply(side, f.price, qty, f.fee, f.feeCurrency);
          const [next, actions] = transition(positionBookMachine, snap, {
            type: 'APPLY_FILL',
            tradeId: `T-${i}`,
            side,
            price: toDecimal(f.price, Q_SCALE),
            quantity: toDecimal(qty, Q_SCALE),
            fee: toDecimal(f.fee, Q_SCALE),
            feeCurrency: f.feeCurrency,
            at: i,
          });
          expect(actions).toEqual([]);
          snap = next;
          expect({
            state: snap.value,
            quantity: snap.context.quantity,
            realizedPnl: snap.context.realizedPnl,
            lots: snap.context.lots,
            averagePrice: snap.context.averagePrice,
          }).toEqual(model.view());
        });
        const fees: Record<string, string> = {};
        for (const [currency, total] of model.fees) fees[currency] = toDecimal(total, Q_SCALE);
        expect(snap.context.fees).toEqual(fees);
        expect(snap.context.fillCount).toBe(fills.length);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('the BigInt model helpers are right on hand-checked values', () => {
    expect(toDecimal(0n, 8)).toBe('0');
    expect(toDecimal(-1n, 8)).toBe('-0.00000001');
    expect(toDecimal(123_45000000n, 8)).toBe('123.45');
    expect(toDecimal(-30_00000000n, 8)).toBe('-30');
    expect(divHalfEven(5n, 2n)).toBe(2n);
    expect(divHalfEven(7n, 2n)).toBe(4n);
    expect(divHalfEven(-5n, 2n)).toBe(-2n);
    expect(divHalfEven(-7n, 2n)).toBe(-4n);
    expect(divHalfEven(5n, 3n)).toBe(2n);
    const model = new ModelBook();
    model.apply('buy', 100_00000000n, 1_00000000n, 0n, 'USDT');
    model.apply('buy', 110_00000000n, 1_00000000n, 0n, 'USDT');
    model.apply('sell', 120_00000000n, 50000000n, 0n, 'USDT');
    expect(model.view()).toEqual({
      state: 'long',
      quantity: '1.5',
      realizedPnl: '10',
      lots: [
        { quantity: '0.5', price: '100' },
        { quantity: '1', price: '110' },
      ],
      averagePrice: '106.666666666666666667',
    });
  });
});

describe('money: no JS number enters money math', () => {
  it('Dec refuses numbers, in the constructor and in arithmetic', () => {
    expect(() => new Dec(0.1 as never)).toThrow(/Invalid value/);
    expect(() => new Dec(1 as never)).toThrow(/Invalid value/);
    expect(() => new Dec('0.1').plus(0.2 as never)).toThrow(/Invalid value/);
    expect(() => new Dec('0.1').times(3 as never)).toThrow(/Invalid value/);
    expect(() => new Dec('1').gt(0 as never)).toThrow(/Invalid value/);
    // strings are exact
    expect(fmt(new Dec('0.1').plus('0.2'))).toBe('0.3');
  });

  it('parseDecimal refuses numbers and non-plain decimals', () => {
    expect(() => parseDecimal('price', 0.1)).toThrow(/must be a decimal string/);
    expect(() => parseDecimal('price', '1e5')).toThrow(/must be a decimal string/);
    expect(() => parseDecimal('price', 'NaN')).toThrow(/must be a decimal string/);
    expect(() => parseDecimal('price', '0', 'positive')).toThrow(/must be > 0/);
    expect(fmt(parseDecimal('price', '-0.50'))).toBe('-0.5');
  });

  it('a fill carrying a number quantity is refused by the position book instead of being applied', () => {
    const [snap] = initialTransition(positionBookMachine, { venue: 'paper', symbol: 'BTC/USDT', at: 0 });
    expect(() =>
      transition(positionBookMachine, snap, {
        type: 'APPLY_FILL',
        tradeId: 'T-1',
        side: 'buy',
        price: '100',
        quantity: 0.1 as never,
        fee: '0',
        feeCurrency: 'USDT',
        at: 1,
      }),
    ).toThrow(/Invalid value/);
  });
});
