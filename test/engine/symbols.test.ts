import { describe, expect, it } from 'vitest';
import { symbolIdPrefix } from '../../src/engine/symbols.js';

describe('symbolIdPrefix (clientOrderIds of several symbols in one run)', () => {
  const symbols = ['BTC/USDT', 'ETH/USDT'];

  it('gives each configured symbol its own prefix under the run prefix', () => {
    const btc = symbolIdPrefix('sfabc-1-', symbols, 'BTC/USDT');
    const eth = symbolIdPrefix('sfabc-1-', symbols, 'ETH/USDT');
    expect(btc).toBe('sfabc-1-0-');
    expect(eth).toBe('sfabc-1-1-');
    // Each AdjustOrders workflow numbers its orders from 0: the first id of each must differ, and neither
    // prefix may be a prefix of the other's ids.
    expect(`${btc}0`).not.toBe(`${eth}0`);
    expect(`${eth}0`.startsWith(btc)).toBe(false);
    expect(`${btc}0`.startsWith(eth)).toBe(false);
  });

  it('keeps ids of 37 or more symbols apart too (base 36 tags)', () => {
    const many = Array.from({ length: 40 }, (_, i) => `S${i}/USDT`);
    const prefixes = many.map((s) => symbolIdPrefix('sfx-2-', many, s));
    expect(new Set(prefixes).size).toBe(many.length);
    expect(prefixes[36]).toBe('sfx-2-10-');
  });

  it('refuses a symbol that is not configured', () => {
    expect(() => symbolIdPrefix('sfx-1-', symbols, 'DOGE/USDT')).toThrow(/DOGE\/USDT/);
  });
});
