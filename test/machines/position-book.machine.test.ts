import { initialTransition, transition } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import { positionBookMachine } from '../../src/machines/position-book.machine.js';
import type { BookFill, PositionBookEvent } from '../../src/machines/position-book.machine.js';
import type { Side } from '../../src/domain/types.js';
import { restoreSnapshot } from './helpers.js';

type Snap = SnapshotFrom<typeof positionBookMachine>;

let tradeNo = 0;

function create(): Snap {
  tradeNo = 0;
  const [snap, actions] = initialTransition(positionBookMachine, {
    venue: 'paper',
    symbol: 'BTC/USDT',
    at: 500,
  });
  expect(actions).toEqual([]);
  return snap;
}

function fillEvent(
  side: Side,
  quantity: string,
  price: string,
  fee = '0',
  feeCurrency = 'USDT',
): PositionBookEvent {
  tradeNo += 1;
  const fill: BookFill = {
    tradeId: `T-${tradeNo}`,
    side,
    price,
    quantity,
    fee,
    feeCurrency,
    at: 1_000 + tradeNo,
  };
  return { type: 'APPLY_FILL', ...fill };
}

/** Applies one fill; the position book emits nothing and always accepts a fill. */
function apply(
  snap: Snap,
  side: Side,
  quantity: string,
  price: string,
  fee = '0',
  feeCurrency = 'USDT',
): Snap {
  const [next, actions] = transition(
    positionBookMachine,
    snap,
    fillEvent(side, quantity, price, fee, feeCurrency),
  );
  expect(actions).toEqual([]);
  expect(next).not.toBe(snap);
  return next;
}

/** The parts of the book a fill changes. */
const view = (snap: Snap) => ({
  state: snap.value,
  quantity: snap.context.quantity,
  lots: snap.context.lots,
  averagePrice: snap.context.averagePrice,
  realizedPnl: snap.context.realizedPnl,
});

describe('position book machine', () => {
  it('starts flat with an empty book', () => {
    const snap = create();
    expect(snap.value).toBe('flat');
    expect(snap.context).toEqual({
      venue: 'paper',
      symbol: 'BTC/USDT',
      quantity: '0',
      lots: [],
      averagePrice: '0',
      realizedPnl: '0',
      fees: {},
      fillCount: 0,
      lastTradeId: null,
      updatedAt: 500,
    });
  });

  it('flat -> long -> flat -> short -> long -> short -> flat with FIFO realized PnL (exact strings)', () => {
    let s = create();

    s = apply(s, 'buy', '1', '100', '0.1', 'USDT');
    expect(view(s)).toEqual({
      state: 'long',
      quantity: '1',
      lots: [{ quantity: '1', price: '100' }],
      averagePrice: '100',
      realizedPnl: '0',
    });
    expect(s.context).toMatchObject({ fillCount: 1, lastTradeId: 'T-1', updatedAt: 1_001 });

    s = apply(s, 'buy', '1', '110', '0.00001', 'BNB');
    expect(view(s)).toEqual({
      state: 'long',
      quantity: '2',
      lots: [
        { quantity: '1', price: '100' },
        { quantity: '1', price: '110' },
      ],
      averagePrice: '105',
      realizedPnl: '0',
    });

    // partial close of the oldest lot: (120 - 100) × 0.5
    s = apply(s, 'sell', '0.5', '120', '0.2', 'USDT');
    expect(view(s)).toEqual({
      state: 'long',
      quantity: '1.5',
      lots: [
        { quantity: '0.5', price: '100' },
        { quantity: '1', price: '110' },
      ],
      // (0.5 × 100 + 1 × 110) / 1.5 = 106.66…, 18 places, half-even
      averagePrice: '106.666666666666666667',
      realizedPnl: '10',
    });

    // closes the rest of the oldest lot and half of the next: (90 - 100) × 0.5 + (90 - 110) × 0.5 = -15
    s = apply(s, 'sell', '1', '90');
    expect(view(s)).toEqual({
      state: 'long',
      quantity: '0.5',
      lots: [{ quantity: '0.5', price: '110' }],
      averagePrice: '110',
      realizedPnl: '-5',
    });

    // back to flat: (100 - 110) × 0.5 = -5
    s = apply(s, 'sell', '0.5', '100');
    expect(view(s)).toEqual({
      state: 'flat',
      quantity: '0',
      lots: [],
      averagePrice: '0',
      realizedPnl: '-10',
    });

    s = apply(s, 'sell', '2', '100');
    expect(view(s)).toEqual({
      state: 'short',
      quantity: '-2',
      lots: [{ quantity: '2', price: '100' }],
      averagePrice: '100',
      realizedPnl: '-10',
    });

    // short lot bought back cheaper: (100 - 90) × 0.5 = 5
    s = apply(s, 'buy', '0.5', '90');
    expect(view(s)).toEqual({
      state: 'short',
      quantity: '-1.5',
      lots: [{ quantity: '1.5', price: '100' }],
      averagePrice: '100',
      realizedPnl: '-5',
    });

    // flip through zero: closes 1.5 at (100 - 95) × 1.5 = 7.5, opens 1.5 long at 95
    s = apply(s, 'buy', '3', '95');
    expect(view(s)).toEqual({
      state: 'long',
      quantity: '1.5',
      lots: [{ quantity: '1.5', price: '95' }],
      averagePrice: '95',
      realizedPnl: '2.5',
    });

    // flip back: closes 1.5 at (99 - 95) × 1.5 = 6, opens 1 short at 99
    s = apply(s, 'sell', '2.5', '99');
    expect(view(s)).toEqual({
      state: 'short',
      quantity: '-1',
      lots: [{ quantity: '1', price: '99' }],
      averagePrice: '99',
      realizedPnl: '8.5',
    });

    s = apply(s, 'buy', '1', '99.5');
    expect(view(s)).toEqual({ state: 'flat', quantity: '0', lots: [], averagePrice: '0', realizedPnl: '8' });

    expect(s.context.fees).toEqual({ USDT: '0.3', BNB: '0.00001' });
    expect(s.context.fillCount).toBe(10);
    expect(s.context.lastTradeId).toBe('T-10');
    expect(s.context.updatedAt).toBe(1_010);
  });

  it('a FIFO close spanning several lots realizes each at its own price', () => {
    let s = create();
    s = apply(s, 'buy', '0.3', '10');
    s = apply(s, 'buy', '0.3', '20');
    s = apply(s, 'buy', '0.3', '30');
    // sells 0.7 at 25: 0.3 × 15 + 0.3 × 5 + 0.1 × (-5) = 4.5 + 1.5 - 0.5
    s = apply(s, 'sell', '0.7', '25');
    expect(view(s)).toEqual({
      state: 'long',
      quantity: '0.2',
      lots: [{ quantity: '0.2', price: '30' }],
      averagePrice: '30',
      realizedPnl: '5.5',
    });
  });

  it('a fill never changes the book it was applied to; lots it does not touch are shared, not copied', () => {
    let s = create();
    s = apply(s, 'buy', '0.3', '10');
    s = apply(s, 'buy', '0.3', '20');
    s = apply(s, 'buy', '0.3', '30');
    const before = structuredClone(s.context);
    const partialClose = apply(s, 'sell', '0.1', '25');
    const merge = apply(s, 'buy', '0.2', '30');
    expect(s.context).toEqual(before);
    expect(partialClose.context.lots).toEqual([
      { quantity: '0.2', price: '10' },
      { quantity: '0.3', price: '20' },
      { quantity: '0.3', price: '30' },
    ]);
    expect(merge.context.lots[2]).toEqual({ quantity: '0.5', price: '30' });
    expect(partialClose.context.lots[1]).toBe(s.context.lots[1]);
    expect(merge.context.lots[0]).toBe(s.context.lots[0]);
  });

  it('fees accumulate per currency, exactly', () => {
    let s = create();
    s = apply(s, 'buy', '1', '1', '0.1', 'USDT');
    s = apply(s, 'buy', '1', '1', '0.2', 'USDT');
    s = apply(s, 'sell', '1', '1', '0.00000001', 'BNB');
    s = apply(s, 'sell', '1', '1', '0.00000002', 'BNB');
    s = apply(s, 'sell', '1', '1', '0', 'BTC');
    expect(s.context.fees).toEqual({ USDT: '0.3', BNB: '0.00000003', BTC: '0' });
    // fees are not part of realized PnL
    expect(s.context.realizedPnl).toBe('0');
  });

  it('merges a fill into the newest lot at the same price (numerically equal), never into older lots', () => {
    let s = create();
    s = apply(s, 'buy', '1', '100');
    s = apply(s, 'buy', '2', '100.00');
    expect(s.context.lots).toEqual([{ quantity: '3', price: '100' }]);
    s = apply(s, 'buy', '1', '101');
    s = apply(s, 'buy', '0.5', '100');
    expect(s.context.lots).toEqual([
      { quantity: '3', price: '100' },
      { quantity: '1', price: '101' },
      { quantity: '0.5', price: '100' },
    ]);
    expect(s.context.quantity).toBe('4.5');
    // (300 + 101 + 50) / 4.5 = 100.222…
    expect(s.context.averagePrice).toBe('100.222222222222222222');

    let short = create();
    short = apply(short, 'sell', '1', '50.10');
    short = apply(short, 'sell', '1', '50.1');
    expect(short.value).toBe('short');
    expect(short.context.lots).toEqual([{ quantity: '2', price: '50.1' }]);
  });

  it('averagePrice rounds half-even to 18 places; money values never round', () => {
    let s = create();
    s = apply(s, 'buy', '1', '1');
    s = apply(s, 'buy', '2', '2');
    expect(s.context.averagePrice).toBe('1.666666666666666667');
    s = apply(s, 'sell', '3', '1.00000000000000000001');
    expect(s.context.realizedPnl).toBe('-1.99999999999999999997');
    expect(s.value).toBe('flat');
    // Lots at one price average to it without a division, rounded the same way (half-even, 18 places).
    let even = create();
    even = apply(even, 'buy', '1', '1.0000000000000000005');
    expect(even.context.averagePrice).toBe('1');
    even = apply(even, 'sell', '1', '2');
    even = apply(even, 'sell', '3', '1.0000000000000000015');
    even = apply(even, 'sell', '2', '1.0000000000000000015');
    expect(even.context.lots).toEqual([{ quantity: '5', price: '1.0000000000000000015' }]);
    expect(even.context.averagePrice).toBe('1.000000000000000002');
  });

  it('0.1 + 0.2 is 0.3: a tiny position opens and closes exactly flat', () => {
    let s = create();
    s = apply(s, 'buy', '0.1', '0.3');
    s = apply(s, 'buy', '0.2', '0.3');
    expect(s.context.quantity).toBe('0.3');
    expect(s.context.lots).toEqual([{ quantity: '0.3', price: '0.3' }]);
    s = apply(s, 'sell', '0.3', '0.6');
    expect(view(s)).toEqual({
      state: 'flat',
      quantity: '0',
      lots: [],
      averagePrice: '0',
      realizedPnl: '0.09',
    });
  });

  it('a persisted book round-trips through JSON and createActor(...).getSnapshot()', () => {
    let s = create();
    s = apply(s, 'sell', '1.5', '99.9', '0.01', 'USDT');
    const json = JSON.stringify(positionBookMachine.getPersistedSnapshot(s));
    const restored = restoreSnapshot(positionBookMachine, json);
    expect(restored.status).toBe('active');
    expect(restored.value).toBe('short');
    expect(restored.context).toEqual(s.context);
    const [next] = transition(positionBookMachine, restored, fillEvent('buy', '1.5', '99.8'));
    expect(next.value).toBe('flat');
    expect(next.context.realizedPnl).toBe('0.15');
  });
});
