import crypto from 'node:crypto';
import type { VenueFill } from '../domain/venue-port.js';
import { Dec, fmt } from '../domain/decimal.js';
import type { LedgerTrade } from '../persistence/engine-store.js';

/** The ledger key of one version of a trade: the venue's id, `~`, and a digest of its content. */
export function versionKey(
  fill: Pick<VenueFill, 'tradeId' | 'venueOrderId' | 'side' | 'price' | 'quantity'>,
): string {
  const content = [fill.venueOrderId, fill.side, fmt(new Dec(fill.price)), fmt(new Dec(fill.quantity))].join(
    '|',
  );
  return `${fill.tradeId}~${crypto.createHash('sha256').update(content).digest('hex').slice(0, 12)}`;
}

/** True when the ledger's row and the fill describe the same trade (order, side, price and quantity). */
export function sameTrade(recorded: LedgerTrade, fill: VenueFill): boolean {
  return (
    recorded.venueOrderId === fill.venueOrderId &&
    recorded.side === fill.side &&
    sameDecimal(recorded.price, fill.price) &&
    sameDecimal(recorded.quantity, fill.quantity)
  );
}

/** Equal decimals, compared as text first (the usual case: a trade delivered twice). */
function sameDecimal(a: string, b: string): boolean {
  return a === b || new Dec(a).eq(b);
}
