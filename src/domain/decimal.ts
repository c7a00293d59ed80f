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

/*
 * String arithmetic for the engine's per-event money math (fills, positions). Each operand is read into an
 * integer mantissa and a scale (`12.5` is 125 × 10^-1) and the operation is done on the mantissas as
 * integers: exact as long as every mantissa and every intermediate result stays a safe integer (|n| <
 * 2^53, checked: an integer result of 2^53 or more can only come out as 2^53 or more, so an inexact one
 * never passes the check). Anything else (more than 15 significant digits, a product too large, a
 * string this reader does not take such as `1e5`) is done by big.js instead, with the same result.
 * The results are canonical, like fmt(): no exponent, no trailing zeros, `0` for zero. No value is ever
 * a fraction held in a JS number: these functions cost a result string and no intermediate objects.
 */

/** The last operand read by `read`: mantissa and scale. */
let readM = 0;
let readS = 0;

/**
 * Reads `s` (`-?digits(.digits)?`) into readM/readS; false when it is not of that form or too long, and
 * for anything that is not a string (big.js then refuses a number: Dec is strict).
 */
function read(s: string): boolean {
  if (typeof s !== 'string') return false;
  const n = s.length;
  if (n === 0 || n > 64) return false;
  let i = 0;
  const negative = s.charCodeAt(0) === 45;
  if (negative) i = 1;
  const first = i;
  let m = 0;
  let scale = 0;
  let dot = -1;
  for (; i < n; i += 1) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (dot !== -1 || i === first || i === n - 1) return false;
      dot = i;
      continue;
    }
    if (c < 48 || c > 57) return false;
    // Once m reaches 2^53 it stays at or above it, so the check below catches every inexact step.
    m = m * 10 + (c - 48);
    if (dot !== -1) scale += 1;
  }
  if (i === first || m > Number.MAX_SAFE_INTEGER) return false;
  readM = negative ? 0 - m : m;
  readS = scale;
  return true;
}

/** Exact powers of ten (10^22 is the largest a double holds exactly). */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** Two operands read and brought to one scale (`alignedS`), or false. */
let alignedA = 0;
let alignedB = 0;
let alignedS = 0;

function readAligned(a: string, b: string): boolean {
  if (!read(a)) return false;
  const ma = readM;
  const sa = readS;
  if (!read(b)) return false;
  let mb = readM;
  const sb = readS;
  let m = ma;
  if (sa < sb) {
    if (sb - sa > 22) return false;
    m = ma * POW10[sb - sa]!;
    if (!Number.isSafeInteger(m)) return false;
  } else if (sb < sa) {
    if (sa - sb > 22) return false;
    mb = mb * POW10[sa - sb]!;
    if (!Number.isSafeInteger(mb)) return false;
  }
  alignedA = m;
  alignedB = mb;
  alignedS = sa > sb ? sa : sb;
  return true;
}

/** The canonical string of mantissa `m` at scale `s` (m a safe integer). */
function written(m: number, s: number): string {
  if (m === 0) return '0';
  while (s > 0 && m % 10 === 0) {
    m /= 10; // exact: m is a multiple of 10
    s -= 1;
  }
  const negative = m < 0;
  const digits = String(negative ? -m : m); // a safe integer prints without an exponent
  if (s === 0) return negative ? `-${digits}` : digits;
  const body =
    digits.length > s
      ? `${digits.slice(0, digits.length - s)}.${digits.slice(digits.length - s)}`
      : `0.${'0'.repeat(s - digits.length)}${digits}`;
  return negative ? `-${body}` : body;
}

/** True when `s` is already written as `written` would write it (`readM`/`readS` hold it). */
function isCanonical(s: string): boolean {
  if (readM === 0) return s === '0';
  if (readS > 0 && s.charCodeAt(s.length - 1) === 48) return false; // trailing zero
  const start = readM < 0 ? 1 : 0;
  // A leading zero is only the `0` of `0.x`.
  return !(s.charCodeAt(start) === 48 && s.charCodeAt(start + 1) !== 46);
}

/** `a` written canonically (as fmt would): `a` itself when it already is. */
export function canonicalStr(a: string): string {
  if (!read(a)) return fmt(new Dec(a));
  return isCanonical(a) ? a : written(readM, readS);
}

/** Adds decimal strings exactly. */
export function addStr(a: string, b: string): string {
  if (readAligned(a, b)) {
    const sum = alignedA + alignedB;
    if (Number.isSafeInteger(sum)) return written(sum, alignedS);
  }
  return fmt(new Dec(a).plus(b));
}

/** Subtracts decimal strings exactly (a - b). */
export function subStr(a: string, b: string): string {
  if (readAligned(a, b)) {
    const difference = alignedA - alignedB;
    if (Number.isSafeInteger(difference)) return written(difference, alignedS);
  }
  return fmt(new Dec(a).minus(b));
}

/** Multiplies decimal strings exactly. */
export function mulStr(a: string, b: string): string {
  if (read(a)) {
    const ma = readM;
    const sa = readS;
    if (read(b)) {
      const product = ma * readM;
      if (Number.isSafeInteger(product)) return written(product, sa + readS);
    }
  }
  return fmt(new Dec(a).times(b));
}

/** Compares decimal strings: -1, 0 or 1. */
export function cmpStr(a: string, b: string): number {
  if (readAligned(a, b)) return alignedA < alignedB ? -1 : alignedA > alignedB ? 1 : 0;
  return new Dec(a).cmp(b);
}

/** The sign of a decimal string: -1, 0 or 1. */
export function signStr(a: string): number {
  if (read(a)) return readM < 0 ? -1 : readM > 0 ? 1 : 0;
  return new Dec(a).cmp('0');
}

/** `a` rounded to `dp` decimal places (half-even, as Dec.RM), canonical: `a` itself when it has no more. */
export function roundStr(a: string, dp: number): string {
  if (read(a) && readS <= dp) return isCanonical(a) ? a : written(readM, readS);
  return fmt(new Dec(a).round(dp, BigJs.roundHalfEven));
}
