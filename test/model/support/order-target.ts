import { expect } from 'vitest';
import { topState } from '../../../src/engine/projections.js';
import type { OrderContext } from '../../../src/machines/order.machine.js';
import { statePath } from '../../../src/runtime/snapshot-shape.js';
import type { ModelTarget } from './model-run.js';
import { orderModel } from './order-model.js';

/**
 * The order machine enacted on the runtime: the actor is spawned as the engine spawns orders; commands and
 * venue facts are sent to it; call replies come from the venue side; timers fire from the clock.
 */
export function orderTarget(seed: number): ModelTarget {
  const spec = orderModel(seed);
  return {
    spec,
    actorId: spec.actorId,
    create: async (ctx) => {
      await ctx.runtime.spawn(spec.actorId, 'order', spec.input);
    },
    check: async (ctx, view, where) => {
      // The orders projection follows the actor in the same transaction.
      const c = view.snapshot.context as OrderContext;
      const row = await ctx.engine.db.db
        .selectFrom('orders')
        .select(['state', 'venue_order_id', 'reason', 'anomalies'])
        .where('client_order_id', '=', c.clientOrderId)
        .executeTakeFirst();
      expect(row, `${where}: orders projection`).toEqual({
        state: topState(statePath(view.snapshot.value)),
        venue_order_id: c.venueOrderId,
        reason: c.reason,
        anomalies: c.anomalies.length,
      });
    },
    expectSent: (oracle, sent) => {
      // Every call the model started reached the venue, once, with the model's input and outbox key.
      expect(sent).toEqual(
        oracle.calls.map((c) => ({
          key: c.key,
          actorId: spec.actorId,
          childId: c.childId,
          src: c.src,
          input: c.input,
        })),
      );
    },
  };
}
