import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { FaultPlan } from '../../src/adapters/paper/fault-plan.js';
import { Rng } from '../../src/adapters/paper/rng.js';
import { UpdateStream } from '../../src/adapters/paper/update-stream.js';
import type { VenueEvent, VenueFact } from '../../src/adapters/venue.js';
import { parseVenueEvent } from '../../src/adapters/venue-event-schema.js';
import { ValidationError } from '../../src/domain/errors.js';
import { rawFill, rawOrder } from '../support/engine-harness.js';
import { recordingLogger } from '../support/ccxt-venue.js';

/**
 * The one check of venue payloads, at the adapters' edge: the schema names the offending field, and the
 * paper venue's push channel drops (and reports) what fails it. The ccxt adapter's edge is tested against
 * the simulator (test/adapters/ccxt/ccxt-venue.test.ts, test/engine/venue-stream.test.ts).
 */

const fieldOf = (raw: unknown): string => {
  try {
    parseVenueEvent(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).field;
  }
  throw new Error('expected a ValidationError');
};

describe('venue payloads are validated at the adapter edge', () => {
  it('names the offending field', () => {
    expect(fieldOf(rawFill({ price: 'NaN' }))).toBe('fill.price');
    expect(fieldOf(rawFill({ quantity: 0.04 }))).toBe('fill.quantity');
    expect(fieldOf(rawFill({ quantity: '0' }))).toBe('fill.quantity');
    expect(fieldOf(rawFill({ symbol: 'btcusdt' }))).toBe('fill.symbol');
    expect(fieldOf(rawOrder({ status: 'gone' }))).toBe('order.status');
    expect(fieldOf(rawOrder({ filledQuantity: '-1' }))).toBe('order.filledQuantity');
    expect(fieldOf({ kind: 'trade', fill: rawFill().fill })).toBe('kind');
  });

  it('returns a new plain object with only the fields of the port', () => {
    const raw = rawFill({ extra: 'dropped' });
    const parsed = parseVenueEvent(raw);
    expect(parsed).toEqual(rawFill());
    expect(parsed).not.toBe(raw);
  });

  it('the paper venue refuses a malformed update (a warning and a refusal naming the field and the order) and delivers the rest', async () => {
    const clock = new SimulatedClock();
    const logger = recordingLogger();
    const stream = new UpdateStream({
      clock,
      faults: new FaultPlan(1, undefined),
      rng: new Rng(1),
      latency: { min: 0, max: 0 },
      onListenerError: (err) => {
        throw err;
      },
      logger,
    });
    const got: VenueEvent[] = [];
    stream.subscribe((e) => void got.push(e));
    const malformed = [rawFill({ price: 'NaN' }), rawOrder({ status: 'gone' })] as unknown as VenueFact[];
    stream.emit([...malformed, rawFill() as unknown as VenueFact]);
    await Promise.resolve();
    expect(got).toEqual([
      {
        kind: 'refused',
        reason: expect.stringContaining('fill.price') as unknown,
        field: 'fill.price',
        clientOrderId: 'o1',
      },
      {
        kind: 'refused',
        reason: expect.stringContaining('order.status') as unknown,
        field: 'order.status',
        clientOrderId: 'o1',
      },
      rawFill(),
    ]);
    const warned = logger.lines.filter((l) => l.level === 'warn');
    expect(warned.map((l) => [l.msg, l.obj.field])).toEqual([
      ['malformed venue update ignored', 'fill.price'],
      ['malformed venue update ignored', 'order.status'],
    ]);
  });
});
