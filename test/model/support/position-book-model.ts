import type { AnyEventObject, AnyMachineSnapshot } from 'xstate';
import { Rng, deriveSeed } from '../../../src/adapters/paper/rng.js';
import { Dec, fmt } from '../../../src/domain/decimal.js';
import type { Side } from '../../../src/domain/types.js';
import { bookActorId } from '../../../src/machines/messages.js';
import { positionBookMachine } from '../../../src/machines/position-book.machine.js';
import type { PositionBookContext, PositionBookInput } from '../../../src/machines/position-book.machine.js';
import { SYMBOL, T0, VENUE } from '../../support/engine-harness.js';
import type { ModelSpec } from './path-generator.js';

/**
 * The position book's model: seeded fills (prices, sizes) that open, add to, reduce, close and flip a
 * position, up to four fills per path. Besides the machine's own transitions, the tour reaches every kind
 * of position change from every state (a goal per kind), so FIFO lots and realized PnL go through each
 * case.
 */

const STEP = '0.001';
const MAX_FILLS = 4;

const units = (n: number): string => fmt(new Dec(STEP).times(String(n)));
const contextOf = (s: AnyMachineSnapshot): PositionBookContext => s.context as PositionBookContext;

/** The kind of change a fill makes to a signed position. */
export function moveKind(before: string, after: string): string {
  const b = new Dec(before);
  const a = new Dec(after);
  if (b.eq('0')) return a.gt('0') ? 'open long' : 'open short';
  if (a.eq('0')) return 'close';
  if (a.gt('0') !== b.gt('0')) return 'flip';
  return a.abs().gt(b.abs()) ? 'add' : 'reduce';
}

/** The position book model for one seed. */
export function positionBookModel(seed: number): ModelSpec & { input: PositionBookInput; actorId: string } {
  const rng = new Rng(deriveSeed(seed, 'model:positionBook'));
  const small = rng.int(1, 40);
  const large = small + rng.int(1, 40);
  const prices = Array.from({ length: MAX_FILLS }, () =>
    fmt(new Dec(String(rng.int(9000, 11000))).div('100')),
  );
  const input: PositionBookInput = { venue: VENUE, symbol: SYMBOL, at: T0 };
  const fill = (c: PositionBookContext, side: Side, quantity: string): AnyEventObject => {
    const price = prices[c.fillCount]!;
    return {
      type: 'APPLY_FILL',
      tradeId: `bt-${c.fillCount + 1}`,
      side,
      price,
      quantity,
      fee: fmt(new Dec(price).times(quantity).times('0.0001')),
      feeCurrency: c.fillCount % 2 === 0 ? 'USDT' : 'BTC',
      at: T0 + 10 + c.fillCount,
    };
  };
  const events = (snapshot: AnyMachineSnapshot): AnyEventObject[] => {
    const c = contextOf(snapshot);
    const q = new Dec(c.quantity);
    const out = [
      fill(c, 'buy', units(small)),
      fill(c, 'sell', units(small)),
      fill(c, 'buy', units(large)),
      fill(c, 'sell', units(large)),
    ];
    if (!q.eq('0')) {
      const against: Side = q.gt('0') ? 'sell' : 'buy';
      out.push(fill(c, against, fmt(q.abs())), fill(c, against, fmt(q.abs().plus(units(small)))));
    }
    return out;
  };
  return {
    machine: positionBookMachine,
    input,
    startTime: T0,
    actorId: bookActorId(VENUE, SYMBOL),
    events,
    stateKey: (s) => {
      const c = contextOf(s);
      return JSON.stringify([s.value, c.fillCount, c.quantity, c.lots, c.realizedPnl]);
    },
    stopWhen: (s) => contextOf(s).fillCount >= MAX_FILLS,
    goals: (from, _event, to) => [
      `${JSON.stringify(from.value)} ${moveKind(contextOf(from).quantity, contextOf(to).quantity)}`,
    ],
    label: (e, earlier) => {
      const signed = (f: AnyEventObject) =>
        f.side === 'buy' ? String(f.quantity) : `-${String(f.quantity)}`;
      const before = fmt(earlier.reduce((q, f) => q.plus(signed(f)), new Dec('0')));
      const kind = moveKind(before, fmt(new Dec(before).plus(signed(e))));
      return `${String(e.side)} ${String(e.quantity)} @ ${String(e.price)} (${kind})`;
    },
  };
}
