import { z } from 'zod';
import { isDecimalString } from './decimal.js';
import { ValidationError } from './errors.js';

/** Formats a zod issue path as a dotted field name: `desired[2].price`, `risk.symbols["BTC/USDT"]`. */
export function fieldName(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const p of path)
    out +=
      typeof p === 'number'
        ? `[${p}]`
        : typeof p === 'string' && !/^[A-Za-z_$][\w$]*$/.test(p)
          ? `[${JSON.stringify(p)}]`
          : out === ''
            ? String(p)
            : `.${String(p)}`;
  return out === '' ? '(root)' : out;
}

/** Parses `value` with `schema`, or throws a ValidationError naming every offending field. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix = ''): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${fieldName(prefix, i.path)}: ${i.message}`);
  const first = result.error.issues[0];
  throw new ValidationError(
    first ? fieldName(prefix, first.path) : prefix,
    first?.message ?? 'invalid',
    issues,
  );
}

/** A decimal string (`12.5`, never a number, `NaN` or `1e5`). */
export const decimalString = z.string().refine(isDecimalString, { message: 'must be a decimal string' });

/** A decimal string > 0. */
export const positiveDecimal = decimalString.refine((s) => !/^-|^0+(\.0+)?$/.test(s), {
  message: 'must be > 0',
});

/** A decimal string >= 0. */
export const nonNegativeDecimal = decimalString.refine((s) => !s.startsWith('-'), {
  message: 'must be >= 0',
});
