import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Dec,
  addStr,
  canonicalStr,
  cmpStr,
  fmt,
  mulStr,
  roundStr,
  signStr,
  subStr,
} from '../../src/domain/decimal.js';

/**
 * The string arithmetic (integer mantissas, big.js beyond safe integers) against big.js itself: the same
 * canonical result for every operation, from small operands to ones well past 2^53.
 */

/** Decimal literals as venues and the engine write them: signs, leading and trailing zeros, long ones. */
const decimal = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.bigInt({ min: 0n, max: 10n ** 24n })),
    fc.integer({ min: 0, max: 20 }),
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 0, max: 2 }),
  )
  .map(([negative, mantissa, scale, leading, trailing]) => {
    const digits = mantissa.toString().padStart(scale + 1, '0');
    const int = '0'.repeat(leading) + digits.slice(0, digits.length - scale);
    const frac = digits.slice(digits.length - scale) + (scale > 0 ? '0'.repeat(trailing) : '');
    return `${negative ? '-' : ''}${int}${frac.length > 0 ? `.${frac}` : ''}`;
  });

const big = (s: string) => new Dec(s);

describe('decimal strings', () => {
  it('add, subtract, multiply and compare exactly as big.js', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        expect(addStr(a, b)).toBe(fmt(big(a).plus(b)));
        expect(subStr(a, b)).toBe(fmt(big(a).minus(b)));
        expect(mulStr(a, b)).toBe(fmt(big(a).times(b)));
        expect(cmpStr(a, b)).toBe(big(a).cmp(b));
        expect(signStr(a)).toBe(big(a).cmp('0'));
        expect(canonicalStr(a)).toBe(fmt(big(a)));
        expect(roundStr(a, 18)).toBe(fmt(big(a).round(18)));
        expect(roundStr(a, 3)).toBe(fmt(big(a).round(3)));
      }),
      { numRuns: 5000 },
    );
  });

  it('handles the edges of safe integers and of the literal form', () => {
    const max = String(Number.MAX_SAFE_INTEGER);
    const cases: [string, string][] = [
      [max, '1'],
      [max, '-1'],
      [`-${max}`, '-1'],
      ['9007199254740993', '0'],
      ['94906267', '94906267'],
      ['94906266', '94906267'],
      ['0.1', '0.2'],
      ['-0', '0'],
      ['-0.000', '0.0'],
      ['1e5', '2'],
      ['0.00000000000000000000001', '100000000000000'],
      ['40000', '0.25'],
    ];
    for (const [a, b] of cases) {
      expect(addStr(a, b)).toBe(fmt(big(a).plus(b)));
      expect(subStr(a, b)).toBe(fmt(big(a).minus(b)));
      expect(mulStr(a, b)).toBe(fmt(big(a).times(b)));
      expect(cmpStr(a, b)).toBe(big(a).cmp(b));
      expect(canonicalStr(a)).toBe(fmt(big(a)));
    }
    expect(canonicalStr('40000')).toBe('40000');
    expect(() => addStr('1.', 'x')).toThrow();
    expect(() => cmpStr('', '1')).toThrow();
    expect(() => addStr(0.1 as unknown as string, '1')).toThrow(/Invalid/);
  });
});
