import { z } from 'zod';
import type { VenueEvent } from '../domain/venue-port.js';
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

const venueEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('order'), order: venueOrder }),
  z.object({ kind: z.literal('fill'), fill: venueFill }),
]);

/**
 * Validates a pushed or fetched venue fact. A malformed one throws a ValidationError naming the field
 * (`fill.price`) and must change nothing.
 */
export function parseVenueEvent(raw: unknown): VenueEvent {
  return parseWith(venueEvent, raw) as VenueEvent;
}
