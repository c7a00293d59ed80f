import { expect } from 'vitest';
import type { AnyEventObject } from 'xstate';
import { orderActorId } from '../../../src/machines/messages.js';
import type { OrderContext } from '../../../src/machines/order.machine.js';
import { adjustOrdersModel } from './adjust-orders-model.js';
import type { ModelTarget, StepContext } from './model-run.js';
import type { OracleRun, OracleStep } from './oracle.js';

/**
 * The AdjustOrders workflow enacted on the runtime with real order actors: the workflow's commands spawn
 * and submit orders (whose place calls go to the venue side) or cancel them, in the workflow's own
 * transaction. A notification of the path is produced the way the engine produces it: by driving the
 * order actor itself (a venue fact that ends it, or a cancel asked by someone else), whose state change
 * the runtime routes back to the workflow.
 */

type Command = { type: string; to?: string; id?: string; input?: unknown; reason?: string };

const commandsUpTo = (oracle: OracleRun, step: OracleStep | undefined): Command[] =>
  oracle.steps.slice(0, step === undefined ? 0 : step.index + 1).flatMap((s) => s.emitted as Command[]);

async function drive(ctx: StepContext, event: AnyEventObject): Promise<void> {
  const id = orderActorId(String(event.clientOrderId));
  const venueOrderId = `v-${String(event.clientOrderId)}`;
  const send = async (e: AnyEventObject) =>
    expect(await ctx.runtime.send(id, e), `${id} ${e.type}`).toBe(true);
  if (event.state === 'cancelled') await send({ type: 'ORDER_CANCELLED', venueOrderId, filledQuantity: '0' });
  else if (event.state === 'filled') {
    const row = await ctx.engine.store.loadActors([id]);
    const quantity = (JSON.parse(row[0]!.snapshot) as { context: OrderContext }).context.quantity;
    await send({ type: 'ORDER_COMPLETED', venueOrderId, filledQuantity: quantity });
  } else if (event.state === 'pendingCancel') {
    await send({ type: 'ORDER_ACCEPTED', venueOrderId, filledQuantity: '0' });
    await send({ type: 'CANCEL_ORDER', reason: 'cancelled by someone else' });
  } else throw new Error(`no way to drive an order to ${String(event.state)}`);
}

/** The AdjustOrders model for one seed, enacted with real order actors. */
export function adjustOrdersTarget(seed: number): ModelTarget {
  const spec = adjustOrdersModel(seed);
  return {
    spec,
    actorId: spec.actorId,
    create: async (ctx) => {
      await ctx.runtime.spawn(spec.actorId, 'adjustOrders', spec.input);
    },
    send: async (ctx, raw, step) => {
      if (raw.type === 'ORDER_STATE_CHANGED') return drive(ctx, raw);
      expect(await ctx.runtime.send(spec.actorId, raw)).toBe(step.accepted);
    },
    check: async (ctx, _view, where, step) => {
      // Every command the model emitted so far was applied to its order actor, and nothing else was.
      const commands = commandsUpTo(ctx.oracle, step);
      const db = ctx.engine.db.db;
      const inits = await db
        .selectFrom('journal')
        .select(['actor_id', 'event'])
        .where('event_type', '=', 'xstate.init')
        .where('actor_id', 'like', 'order/%')
        .orderBy('seq')
        .execute();
      expect(
        inits.map((r) => ({ id: r.actor_id, input: (JSON.parse(r.event) as { input: unknown }).input })),
        `${where}: orders spawned`,
      ).toEqual(commands.filter((c) => c.type === 'engine.spawn').map((c) => ({ id: c.id, input: c.input })));
      for (const type of ['SUBMIT', 'CANCEL_ORDER']) {
        const rows = await db
          .selectFrom('journal')
          .select(['actor_id', 'event'])
          .where('event_type', '=', type)
          .orderBy('seq')
          .execute();
        const mine = rows.filter(
          (r) => (JSON.parse(r.event) as { reason?: string }).reason !== 'cancelled by someone else',
        );
        expect(
          mine.map((r) => r.actor_id),
          `${where}: ${type} commands applied`,
        ).toEqual(commands.filter((c) => c.type === type).map((c) => c.to));
      }
    },
    expectSent: (oracle, sent) => {
      // One place per spawned order; one cancel per order someone else cancelled (the workflow's own
      // cancels reach orders still waiting for their place reply, which only record the request).
      const spawned = commandsUpTo(oracle, oracle.steps.at(-1)).filter((c) => c.type === 'engine.spawn');
      expect(sent.filter((c) => c.src === 'placeOrder').map((c) => c.actorId)).toEqual(
        spawned.map((c) => c.id),
      );
      const cancelledElsewhere = oracle.steps
        .filter((s) => s.event.type === 'ORDER_STATE_CHANGED' && s.event.state === 'pendingCancel')
        .map((s) => orderActorId(String(s.event.clientOrderId)));
      expect(sent.filter((c) => c.src === 'cancelOrder').map((c) => c.actorId)).toEqual(cancelledElsewhere);
      expect(sent.every((c) => c.src === 'placeOrder' || c.src === 'cancelOrder')).toBe(true);
    },
  };
}
