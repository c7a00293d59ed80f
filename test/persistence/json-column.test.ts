import { describe, expect, it } from 'vitest';
import { bindRecord } from '../../src/persistence/bound-statement.js';
import { boundValue, jsonColumn } from '../../src/persistence/json-column.js';

/** What the writer thread binds for a column recorded from `value`: the column is posted, so cloned. */
const written = (value: object): unknown => boundValue(structuredClone(jsonColumn(value)));

describe('jsonColumn', () => {
  it('keeps plain data as it is, written as the same JSON text', () => {
    const values: object[] = [
      { type: 'FILL', price: '101.5', quantity: '0.25', at: 1_765_000_000_123, n: -0, ok: true },
      { a: undefined, b: null, c: [1, undefined, 'x', [], {}], d: { e: { f: [NaN, Infinity, -1.5e-9] } } },
      { 2: 'two', 1: 'one', z: 'last', y: 'then' },
      Object.assign(Object.create(null) as object, { bare: 'proto' }),
      [{ x: 1 }, 'lone \ud800 surrogate', 'ünïcödé'],
      { sparse: [1, , 3] }, // eslint-disable-line no-sparse-arrays
    ];
    for (const value of values) {
      expect(jsonColumn(value)).toBe(value);
      expect(written(value)).toBe(JSON.stringify(value));
    }
  });

  it('makes the text at once for anything JSON.stringify treats its own way', () => {
    class Decimal {
      constructor(readonly v: string) {}
      toJSON(): string {
        return this.v;
      }
    }
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 40; i += 1) deep = { deep };
    const values: object[] = [
      { price: new Decimal('1.5') },
      { at: new Date(0) },
      { error: new Error('boom') },
      { fn: () => 1 },
      { set: new Map([[1, 2]]) },
      { own: { toJSON: () => 'x' } },
      { proxy: new Proxy({ a: 1 }, {}) },
      deep,
    ];
    for (const value of values) expect(jsonColumn(value)).toBe(JSON.stringify(value));
    expect(() => jsonColumn(cyclic)).toThrow(TypeError);
    expect(() => jsonColumn({ big: 1n })).toThrow(TypeError);
  });

  it('is bound as its text; other fields as they are', () => {
    const statement = { sql: '?, ?, ?, ?', params: ['event', 'text', 'n', { value: 7 }] };
    const event = { type: 'E', at: 1 };
    expect(bindRecord(statement, { event, text: '{"a":1}', n: null })).toEqual([
      '{"type":"E","at":1}',
      '{"a":1}',
      null,
      7,
    ]);
  });
});
