import { describe, expect, it } from 'vitest';
import type { AnyEventObject, SimulatedClock } from 'xstate';
import type { PaperVenue } from '../../src/adapters/paper/paper-venue.js';
import { VenueEffects } from '../../src/engine/venue-effects.js';
import { orderActorId } from '../../src/machines/messages.js';
import type { OrderContext } from '../../src/machines/order.machine.js';
import type { EffectHandler, OutboxRow } from '../../src/runtime/types.js';
import {
  ScriptedEffects,
  T0,
  advance,
  deferred,
  engineFile,
  idle,
  newClock,
  openEngine,
  openPaper,
  orderInput,
  paperEffects,
  requestKinds,
  venueFile,
} from '../support/engine-harness.js';
import type { EffectsFactory, EngineHandle } from '../support/engine-harness.js';
import { tempDirPerTest } from '../support/test-dir.js';
import { dialectMatrix } from '../support/dialects.js';

/**
 * A place call in flight when the process died: after the restart the outcome is unknown, so the order
 * must look itself up at the venue before anything is sent again.
 */

const tmp = tempDirPerTest('recovery');
const { cleanups } = tmp;

const O1 = orderActorId('o1');
const RESTART = T0 + 500;
const WINDOW = 5000; // the paper venue's default requestWindowMs

function paper(clock: SimulatedClock): PaperVenue {
  const venue = openPaper(venueFile(tmp.dir), clock);
  cleanups.push(() => venue.close());
  return venue;
}

async function engine(clock: SimulatedClock, effects: EffectHandler | EffectsFactory): Promise<EngineHandle> {
  const e = await openEngine({ file: target(), clock, effects });
  cleanups.push(() => e.close());
  return e;
}

/** Phase one: the order is submitted and the process "dies" while the place call is in flight. */
async function crashWhilePlacing(effects: EffectHandler, clock: SimulatedClock): Promise<void> {
  const first = await engine(clock, effects);
  await first.runtime.start();
  await first.runtime.spawn(O1, 'order', orderInput('o1'));
  await first.runtime.send(O1, { type: 'SUBMIT' });
  await idle(first.runtime);
  expect(first.runtime.actor(O1)!.snapshot.value).toBe('submitting');
  const outbox = await first.db.db.selectFrom('outbox').select(['key', 'status']).execute();
  expect(outbox).toEqual([{ key: `${O1}/placeOrder/2`, status: 'pending' }]);
  await first.close();
}

/** Phase two: a new process on the same files, with the real paper venue. */
async function restart(): Promise<{ clock: SimulatedClock; second: EngineHandle }> {
  const clock = newClock(RESTART);
  const venue = paper(clock);
  const second = await engine(clock, paperEffects(venue, clock));
  const report = await second.runtime.start();
  expect(report).toEqual({ actors: 1, resumedCalls: 1, timers: 1, migrated: 0 });
  await idle(second.runtime);
  return { clock, second };
}

const tail = async (e: EngineHandle, from: number) =>
  (await e.store.journalOf(O1)).slice(from).map((j) => [j.eventType, j.state]);

/** The dialect matrix: `target()` is the current case's engine database (a SQLite file or a PostgreSQL URL). */
const matrix = dialectMatrix(() => engineFile(tmp.dir));
const target = matrix.target;

matrix.each(() => {
  describe('recovery of a place call in flight at the crash', () => {
    it('looks the order up first; when the venue has it, it ends open with exactly one place request', async () => {
      // the call reaches the venue, which accepts it; the reply never comes back (the process died)
      const clock = newClock();
      const venue = paper(clock);
      const inner = new VenueEffects(venue, clock);
      const reached = deferred<void>();
      const replyLost: EffectHandler = {
        execute: async (row: OutboxRow) => {
          await inner.execute(row);
          reached.resolve();
          return new Promise<AnyEventObject>(() => {});
        },
        recover: (row, kind, now) => inner.recover(row, kind, now),
      };
      await crashWhilePlacing(replyLost, clock);
      await reached.promise;
      await venue.close();
      expect(requestKinds(venueFile(tmp.dir))).toEqual([['place', 'accepted']]);

      const { second } = await restart();
      const order = second.runtime.actor(O1)!;
      expect(order.snapshot.value).toBe('open');
      expect((order.snapshot.context as OrderContext).venueOrderId).toBe('1');
      expect(requestKinds(venueFile(tmp.dir))).toEqual([
        ['place', 'accepted'],
        ['fetchOrder', 'found'],
      ]);
      expect(await tail(second, 2)).toEqual([
        ['xstate.error.actor.placeOrder', 'unconfirmed.lookingUp'],
        ['xstate.done.actor.lookupOrder', 'open'],
      ]);
      const place = await second.db.db
        .selectFrom('outbox')
        .select(['status', 'result'])
        .where('src', '=', 'placeOrder')
        .executeTakeFirstOrThrow();
      expect(place.status).toBe('done');
      expect(JSON.parse(place.result!)).toMatchObject({
        type: 'xstate.error.actor.placeOrder',
        error: { kind: 'unknown', notAfter: RESTART + WINDOW, at: RESTART },
      });
      expect(await second.db.db.selectFrom('timers').selectAll().execute()).toEqual([]);

      // a further restart has nothing left to resume and sends nothing
      await second.close();
      const third = await engine(newClock(RESTART + 100), new ScriptedEffects(() => 'hang'));
      expect(await third.runtime.start()).toEqual({ actors: 1, resumedCalls: 0, timers: 0, migrated: 0 });
      expect(requestKinds(venueFile(tmp.dir))).toHaveLength(2);
    });

    it('when the venue does not have it, resends nothing before the landing deadline and exactly once after', async () => {
      // the process died before the request left: the double records it and never sends or answers
      const phaseOne = new ScriptedEffects(() => 'hang');
      await crashWhilePlacing(phaseOne, newClock());
      expect(phaseOne.srcs()).toEqual(['placeOrder']);
      expect(requestKinds(venueFile(tmp.dir))).toEqual([]);

      const { clock, second } = await restart();
      const { runtime } = second;
      const context = () => runtime.actor(O1)!.snapshot.context as OrderContext;
      expect(runtime.actor(O1)!.snapshot.value).toEqual({ unconfirmed: 'waiting' });
      expect(context().landingDeadline).toBe(RESTART + WINDOW);
      expect(requestKinds(venueFile(tmp.dir))).toEqual([['fetchOrder', 'notFound']]);

      // lookups every second up to and including the deadline: absence is not proof yet
      for (let i = 1; i <= 5; i += 1) {
        await advance(clock, runtime, 1000);
        expect(clock.now()).toBe(RESTART + i * 1000);
        expect(runtime.actor(O1)!.snapshot.value).toEqual({ unconfirmed: 'waiting' });
      }
      const notFound: [string, string] = ['fetchOrder', 'notFound'];
      expect(requestKinds(venueFile(tmp.dir))).toEqual(Array.from({ length: 6 }, () => notFound));

      // the first lookup sent after the deadline also searches the open orders and the order history (the
      // paper venue keeps every order: its history is the order itself); finding nothing proves absence: one
      // resend, which the venue accepts
      await advance(clock, runtime, 1000);
      expect(runtime.actor(O1)!.snapshot.value).toBe('open');
      expect(context().attempt).toBe(2);
      expect(requestKinds(venueFile(tmp.dir))).toEqual([
        ...Array.from({ length: 7 }, () => notFound),
        ['fetchOpenOrders', 'ok'],
        notFound,
        ['place', 'accepted'],
      ]);
      await advance(clock, runtime, 20_000);
      expect(requestKinds(venueFile(tmp.dir))).toHaveLength(10);
      expect(runtime.actor(O1)!.snapshot.value).toBe('open');
    });
  });
});
