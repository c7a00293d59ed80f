import BigJs from 'big.js';
import { ValidationError } from './errors.js';

/**
 * Exact decimal arithmetic for prices, quantities, fees and PnL. A private Big constructor in strict mode:
 * it refuses JS numbers (`Dec(0.1)` throws), so a float can never enter money math by accident.
 * Only division rounds, to `Dec.DP` places (used for display values such as an average price).
 */
export const Dec = BigJs();
Dec.strict = true;
Dec.DP = 18;
Dec.RM = BigJs.roundHalfEven;
Dec.NE = -40;
Dec.PE = 60;

/** An exact decimal value. */
export type Decimal = BigJs;

/** Canonical decimal string: no exponent, no trailing zeros, `-0` written as `0`. */
export function fmt(value: Decimal): string {
  const s = value.toFixed();
  return s === '-0' ? '0' : s;
}

const DECIMAL_RE = /^-?(?:\d+)(?:\.\d+)?$/;

/** True when `s` is a plain decimal literal (`12`, `-0.5`); rejects `NaN`, `1e5`, `''`, `.5`. */
export function isDecimalString(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 64 && DECIMAL_RE.test(s);
}

/**
 * Parses a decimal string for `field`, with optional sign constraints. Throws a ValidationError naming the
 * field. Numbers are refused on purpose: venue payloads and strategies must send strings.
 */
export function parseDecimal(
  field: string,
  value: unknown,
  constraint: 'any' | 'positive' | 'nonNegative' = 'any',
): Decimal {
  if (!isDecimalString(value)) {
    throw new ValidationError(field, `must be a decimal string, got ${JSON.stringify(value)}`);
  }
  const d = new Dec(value);
  if (constraint === 'positive' && d.lte('0')) throw new ValidationError(field, `must be > 0, got ${value}`);
  if (constraint === 'nonNegative' && d.lt('0'))
    throw new ValidationError(field, `must be >= 0, got ${value}`);
  return d;
}

/** Adds decimal strings exactly. */
export function addStr(a: string, b: string): string {
  return fmt(new Dec(a).plus(b));
}

/** Compares decimal strings: -1, 0 or 1. */
export function cmpStr(a: string, b: string): number {
  return new Dec(a).cmp(b);
}
