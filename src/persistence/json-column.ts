import { types } from 'node:util';

/**
 * A JSON text column's value in a commit record: the text itself, or plain data that is written as
 * `JSON.stringify(data)` when the record is bound (bindRecord), on the writer thread when there is one.
 * Posted to the writer thread, plain data is copied by structured clone into the message's own buffer;
 * its JSON text would be a string built on this thread's heap (and flattened again by the clone). The
 * text written is the same either way: plainJson admits only data whose structured clone stringifies
 * exactly as the original does.
 */
export type JsonColumn = string | PlainJson;

/** Data that plainJson admitted (see JsonColumn). */
export type PlainJson = object & { readonly __plainJson?: never };

/** Deeper data is stringified where it is recorded (its clone would be as good, but the walk is bounded). */
const MAX_DEPTH = 32;

/**
 * True when `value` is JSON-like data whose structured clone stringifies to the same text: strings,
 * numbers, booleans, null and undefined, in arrays and in objects whose prototype is Object.prototype or
 * null. Anything else (a class instance, a Map, a Date, an Error, a function, a bigint, an object with
 * toJSON, a proxy, a cycle or very deep nesting) is not: JSON.stringify treats it its own way, or a clone cannot
 * be made. Allocates nothing for objects with fast properties.
 */
function isPlain(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_DEPTH || types.isProxy(value)) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i += 1) if (!isPlain(value[i], depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const record = value as Record<string, unknown>;
  for (const key in record) if (!isPlain(record[key], depth + 1)) return false;
  return true;
}

/**
 * The value of a JSON column for `value`: the data itself when it is plain (see isPlain), else its JSON
 * text now. The data must not change after it is recorded (events and snapshots never do).
 */
export function jsonColumn(value: object): JsonColumn {
  return isPlain(value, 0) ? (value as PlainJson) : JSON.stringify(value);
}

/** The value bound for a record field: plain data as its JSON text, anything else as it is. */
export function boundValue(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
}
