import fc from 'fast-check';

/**
 * Values no venue payload field should hold: missing, null, non-decimal or out-of-range numbers, oversized
 * strings, values of other types.
 */
export const hostileValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constantFrom('', 'NaN', 'Infinity', '-1', '1e308', '-0', '0x10', '1,5', ' 1', '١', '1'.repeat(400)),
  fc.double(),
  fc.integer(),
  fc.bigInt().map((b) => b.toString()),
  fc.boolean(),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 10_000, maxLength: 20_000 }),
  fc.array(fc.anything(), { maxLength: 4 }),
  fc.object({ maxDepth: 3 }),
  fc.anything(),
);
