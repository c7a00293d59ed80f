import type { VenuePort } from '../domain/venue-port.js';
import type { Clock } from '../domain/clock.js';
import type { CallFailure, OrderCalls } from '../machines/order.machine.js';
import { VenueEffects } from './venue-effects.js';

/**
 * The order machine's calls against a venue port, for `orderMachineWith` (running the machine with
 * `createActor`, outside the durable runtime): the same calls and error classification as the engine's
 * VenueEffects, with nothing durable around them. A failed call rejects with its CallFailure, which is the
 * error the machine's guards read.
 */
export function venueOrderCalls(venue: VenuePort, clock: Clock): OrderCalls {
  const effects = new VenueEffects(venue, clock);
  let next = 0;
  const run = async <T>(src: string, input: unknown): Promise<T> => {
    next += 1;
    const row = {
      key: `direct/${next}`,
      actorId: 'direct',
      childId: src,
      src,
      input,
      createdAt: clock.now(),
    };
    const event = (await effects.execute(row)) as { type: string; output?: unknown; error?: CallFailure };
    if (event.type.startsWith('xstate.done.')) return event.output as T;
    throw event.error;
  };
  return {
    placeOrder: (input) => run('placeOrder', input),
    cancelOrder: (input) => run('cancelOrder', input),
    lookupOrder: (input) => run('lookupOrder', input),
  };
}
