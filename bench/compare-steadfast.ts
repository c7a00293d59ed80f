import type { VenuePort } from '../src/domain/venue-port.js';
import { systemClock } from '../src/domain/clock.js';
import { silentLogger } from '../src/domain/logger.js';
import { listenToVenue } from '../src/engine/on-order-update.js';
import { projectors } from '../src/engine/projections.js';
import { ReadModel } from '../src/engine/read-model.js';
import { VenueEffects } from '../src/engine/venue-effects.js';
import { orderActorId } from '../src/machines/messages.js';
import type { OrderInput } from '../src/machines/order.machine.js';
import { EngineStore } from '../src/persistence/engine-store.js';
import { openEngineDatabase } from '../src/persistence/open-database.js';
import { DurableRuntime } from '../src/runtime/durable-runtime.js';
import type { OrderWorkflow } from './compare-workflow.js';

/** Venue facts that acknowledge an order: the place call's result may arrive after the pushed report. */
const ACKNOWLEDGED = new Set(['ORDER_ACCEPTED', 'ORDER_COMPLETED']);

/**
 * The order workflow as the engine runs it: an order actor is spawned and told to SUBMIT (its snapshot,
 * journal row and the place call's intent commit together), the call is released to the paper venue after
 * that commit, the venue's acknowledgement is committed (the call's result or the pushed order report, whichever comes
 * first), and the venue's fill is
 * applied through OnOrderUpdate (order, position book, fill ledger in one commit). An order is done when
 * both its acknowledgement and its fill are committed.
 */
export async function steadfastWorkflow(db: string, venue: VenuePort): Promise<OrderWorkflow> {
  const database = await openEngineDatabase(db, { durability: 'intent' });
  const store = new EngineStore(database.db, database);
  const runtime: DurableRuntime = new DurableRuntime({
    store,
    effects: new VenueEffects(venue, systemClock, (key) => runtime.isAwaited(key)),
    clock: systemClock,
    projectors,
  });
  const readModel = new ReadModel(systemClock, venue.id);
  runtime.onCommitted(readModel.committed);
  // Per order actor: what of the workflow is committed, and who waits for the rest.
  const progress = new Map<string, { acked: boolean; filled: boolean; done: () => void }>();
  runtime.onCommitted((transitions) => {
    for (const t of transitions) {
      const p = progress.get(t.actorId);
      if (p === undefined) continue;
      if (ACKNOWLEDGED.has(t.event.type) || t.event.type.startsWith('xstate.done.actor.')) p.acked = true;
      if (t.event.type === 'ORDER_FILLED') p.filled = true;
      if (p.acked && p.filled) {
        progress.delete(t.actorId);
        p.done();
      }
    }
  });
  await runtime.start();
  readModel.recovered(runtime.liveActors());
  const unsubscribe = listenToVenue(venue, runtime, store, silentLogger);
  return {
    name: database.dialect === 'sqlite' ? 'Steadfast on SQLite' : 'Steadfast on PostgreSQL',
    async run(order) {
      const id = orderActorId(order.clientOrderId);
      const at = systemClock.now();
      const input: OrderInput = {
        clientOrderId: order.clientOrderId,
        venue: venue.id,
        symbol: order.symbol,
        side: order.side,
        type: 'market',
        price: null,
        quantity: order.quantity,
        level: null,
        owner: null,
        requestWindowMs: venue.requestWindowMs,
        timeouts: { ackMs: 60_000, cancelMs: 60_000, lookupRetryMs: 1000, absenceProofMs: 10_000 },
        maxAttempts: 3,
        at,
      };
      const done = new Promise<void>((resolve) => {
        progress.set(id, { acked: false, filled: false, done: resolve });
      });
      await Promise.all([runtime.spawn(id, 'order', input), runtime.send(id, { type: 'SUBMIT', at })]);
      await done;
    },
    commits: () => runtime.stats.batches,
    async close() {
      unsubscribe();
      await runtime.settle(30_000);
      await runtime.stop();
      await database.close();
    },
  };
}
