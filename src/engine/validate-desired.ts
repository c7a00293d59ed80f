import { z } from 'zod';
import { Dec } from '../domain/decimal.js';
import { ValidationError } from '../domain/errors.js';
import { parseWith, positiveDecimal } from '../domain/schema-errors.js';
import type { DesiredOrder, Market } from '../domain/types.js';

const desiredOrder = z.object({
  side: z.enum(['buy', 'sell']),
  price: positiveDecimal,
  quantity: positiveDecimal,
  level: z.string().min(1).max(32),
});

const desiredSet = z.array(desiredOrder).max(200);

/**
 * Validates a strategy's desired orders for `symbol` against the venue's markets: shape, positive decimal
 * price and quantity (strings only: `NaN`, `-1`, `1e3` and numbers are refused), known symbol, tick and step
 * multiples, minimum quantity and notional, unique levels. Throws a ValidationError naming the field.
 */
export function validateDesired(
  symbol: string,
  desired: unknown,
  markets: ReadonlyMap<string, Market>,
): DesiredOrder[] {
  const market = markets.get(symbol);
  if (market === undefined) throw new ValidationError('symbol', `unknown symbol ${JSON.stringify(symbol)}`);
  const orders = parseWith(desiredSet, desired, 'desired');
  const levels = new Set<string>();
  orders.forEach((o, i) => {
    const at = `desired[${i}]`;
    if (levels.has(`${o.side}/${o.level}`))
      throw new ValidationError(`${at}.level`, `duplicate level ${o.level}`);
    levels.add(`${o.side}/${o.level}`);
    if (!new Dec(o.price).mod(market.tickSize).eq('0')) {
      throw new ValidationError(`${at}.price`, `must be a multiple of the tick size ${market.tickSize}`);
    }
    if (!new Dec(o.quantity).mod(market.stepSize).eq('0')) {
      throw new ValidationError(`${at}.quantity`, `must be a multiple of the step size ${market.stepSize}`);
    }
    if (new Dec(o.quantity).lt(market.minQuantity)) {
      throw new ValidationError(`${at}.quantity`, `must be >= ${market.minQuantity}`);
    }
    if (new Dec(o.price).times(o.quantity).lt(market.minNotional)) {
      throw new ValidationError(`${at}.price`, `notional must be >= ${market.minNotional}`);
    }
  });
  return orders;
}
