/**
 * Realized PnL recomputed from fills first-in first-out, independently of the engine: its own exact
 * arithmetic (BigInt units and a decimal scale, never big.js), fed the venue's own prices and quantities.
 */

/** An exact decimal: `units / 10^scale`. */
interface Exact {
  units: bigint;
  scale: number;
}

function exact(s: string): Exact {
  const neg = s.startsWith('-');
  const [int, frac = ''] = s.replace(/^[-+]/, '').split('.');
  const units = BigInt(`${int}${frac}` || '0');
  return { units: neg ? -units : units, scale: frac.length };
}
const rescale = (a: Exact, scale: number): bigint => a.units * 10n ** BigInt(scale - a.scale);
const add = (a: Exact, b: Exact): Exact => {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
};
const neg = (a: Exact): Exact => ({ units: -a.units, scale: a.scale });
const sub = (a: Exact, b: Exact): Exact => add(a, neg(b));
const mul = (a: Exact, b: Exact): Exact => ({ units: a.units * b.units, scale: a.scale + b.scale });
const cmp = (a: Exact, b: Exact): number => {
  const d = sub(a, b).units;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};
const sign = (a: Exact): number => cmp(a, { units: 0n, scale: 0 });
const min = (a: Exact, b: Exact): Exact => (cmp(a, b) <= 0 ? a : b);

/** `a` as a decimal string without trailing zeros (`-0.50` -> `-0.5`, zero -> `0`). */
function shown(a: Exact): string {
  if (a.units === 0n) return '0';
  const digits = (a.units < 0n ? -a.units : a.units).toString().padStart(a.scale + 1, '0');
  const int = digits.slice(0, digits.length - a.scale);
  const frac = digits.slice(digits.length - a.scale).replace(/0+$/, '');
  return `${a.units < 0n ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** A decimal string in shown's form. */
export const canonical = (s: string): string => shown(exact(s));

/** A position's starting point: flat, or what an archived journal base holds. */
export interface FifoStart {
  lots: readonly { quantity: string; price: string }[];
  /** Signed: > 0 long. */
  quantity: string;
  realizedPnl: string;
}

/**
 * The realized PnL after `fills`, applied in order from `start`: a fill against the position closes the
 * oldest lots at their own prices, any excess opens a lot on its side. Fees are not part of it.
 */
export function fifoRealizedPnl(
  fills: readonly { side: string; price: string; quantity: string }[],
  start: FifoStart = { lots: [], quantity: '0', realizedPnl: '0' },
): string {
  const lots = start.lots.map((l) => ({ quantity: exact(l.quantity), price: exact(l.price) }));
  let position = exact(start.quantity);
  let realized = exact(start.realizedPnl);
  for (const f of fills) {
    const fillSign = f.side === 'buy' ? 1 : -1;
    const price = exact(f.price);
    let remaining = exact(f.quantity);
    const positionSign = sign(position);
    if (positionSign !== 0 && positionSign !== fillSign) {
      while (sign(remaining) > 0 && lots.length > 0) {
        const lot = lots[0]!;
        const take = min(remaining, lot.quantity);
        const perUnit = positionSign > 0 ? sub(price, lot.price) : sub(lot.price, price);
        realized = add(realized, mul(perUnit, take));
        remaining = sub(remaining, take);
        lot.quantity = sub(lot.quantity, take);
        if (sign(lot.quantity) === 0) lots.shift();
      }
    }
    if (sign(remaining) > 0) lots.push({ quantity: remaining, price });
    position = fillSign > 0 ? add(position, exact(f.quantity)) : sub(position, exact(f.quantity));
  }
  return shown(realized);
}
