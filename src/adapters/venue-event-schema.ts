import { z } from 'zod';
import type { VenueFact, VenueFill, VenueOrder } from '../domain/venue-port.js';
import { decimalString, nonNegativeDecimal, parseWith, positiveDecimal } from '../domain/schema-errors.js';
import { SYMBOL_RE } from '../domain/types.js';

const id = z.string().min(1).max(64);
const time = z.number().int().nonnegative();
const side = z.enum(['buy', 'sell']);

const venueOrder = z.object({
  clientOrderId: id,
  venueOrderId: id,
  symbol: z.string().regex(SYMBOL_RE, 'must be BASE/QUOTE'),
  side,
  type: z.enum(['limit', 'market']),
  price: positiveDecimal.nullable(),
  quantity: positiveDecimal,
  filledQuantity: nonNegativeDecimal,
  status: z.enum(['open', 'partiallyFilled', 'filled', 'cancelled', 'rejected', 'expired']),
  updatedAt: time,
});

const venueFill = z.object({
  tradeId: id,
  clientOrderId: id.nullable(),
  venueOrderId: id,
  symbol: z.string().regex(SYMBOL_RE, 'must be BASE/QUOTE'),
  side,
  price: positiveDecimal,
  quantity: positiveDecimal,
  fee: decimalString,
  feeCurrency: z.string().min(1).max(16),
  liquidity: z.enum(['maker', 'taker']).nullable(),
  at: time,
});

const venueFact = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('order'), order: venueOrder }),
  z.object({ kind: z.literal('fill'), fill: venueFill }),
]);

/**
 * The adapters' one check of what a venue sent (pushed or fetched), before it crosses the port: the engine
 * trusts the port's types and never checks them again. A malformed fact throws a ValidationError naming
 * the field (`fill.price`); the value returned is a new plain object with only the port's fields.
 */
export function parseVenueEvent(raw: unknown): VenueFact {
  return parseWith(venueFact, raw) as VenueFact;
}

/** Validates one order view (fields named `order.…`). */
export function parseVenueOrder(raw: unknown): VenueOrder {
  return parseWith(venueOrder, raw, 'order') as VenueOrder;
}

/** Validates one fill (fields named `fill.…`). */
export function parseVenueFill(raw: unknown): VenueFill {
  return parseWith(venueFill, raw, 'fill') as VenueFill;
}
