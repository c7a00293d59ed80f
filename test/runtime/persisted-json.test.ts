import { describe, expect, it } from 'vitest';
import { assign, createActor, fromPromise, initialTransition, setup, transition } from 'xstate';
import type { AnyMachineSnapshot } from 'xstate';
import { Rng } from '../../src/adapters/paper/rng.js';
import { boundValue, jsonColumn } from '../../src/persistence/json-column.js';
import { persistedJson, persistedSnapshot } from '../../src/runtime/persisted-json.js';
import { adjustOrdersModel } from '../model/support/adjust-orders-model.js';
import { MODEL_SEED } from '../model/support/model-test.js';
import { orderModel } from '../model/support/order-model.js';
import type { ModelSpec } from '../model/support/path-generator.js';
import { positionBookModel } from '../model/support/position-book-model.js';

const xstateJson = (s: AnyMachineSnapshot): string => JSON.stringify(s.machine.getPersistedSnapshot(s));

/** The text the writer thread binds for a snapshot's JSON column (posted, so cloned first). */
const writtenJson = (s: AnyMachineSnapshot): unknown =>
  boundValue(structuredClone(jsonColumn(persistedSnapshot(s))));

/** Every snapshot met on `walks` seeded random walks of `steps` events through the model's own events. */
function walk(spec: ModelSpec, rng: Rng, walks: number, steps: number): AnyMachineSnapshot[] {
  const seen: AnyMachineSnapshot[] = [];
  for (let w = 0; w < walks; w += 1) {
    let [snapshot] = initialTransition(spec.machine, spec.input) as [AnyMachineSnapshot, unknown];
    seen.push(snapshot);
    for (let i = 0; i < steps; i += 1) {
      if (spec.stopWhen?.(snapshot) === true) break;
      const offered = spec.events(snapshot);
      if (offered.length === 0) break;
      const event = offered[rng.int(0, offered.length - 1)]!;
      [snapshot] = transition(spec.machine, snapshot, event) as [AnyMachineSnapshot, unknown];
      seen.push(snapshot);
    }
  }
  return seen;
}

describe('persistedJson', () => {
  const seed = MODEL_SEED;
  it.each([
    ['order', orderModel(seed)],
    ['positionBook', positionBookModel(seed)],
    ['adjustOrders', adjustOrdersModel(seed)],
  ] as const)(
    `is xstate's persisted snapshot, text for text, in every state of %s (seed ${seed})`,
    (_, spec) => {
      const rng = new Rng(seed);
      const snapshots = walk(spec, rng, 40, 12);
      const states = new Set(snapshots.map((s) => JSON.stringify(s.value)));
      expect(states.size).toBeGreaterThan(1);
      for (const s of snapshots) expect(persistedJson(s)).toBe(xstateJson(s));
      // The machines' snapshots are plain data: posted as data, written as the same text.
      for (const s of snapshots) expect(typeof jsonColumn(persistedSnapshot(s))).toBe('object');
      for (const s of snapshots) expect(writtenJson(s)).toBe(xstateJson(s));
      if (spec.machine.id === 'order') {
        // invoked children (a call in flight) are persisted too
        expect(snapshots.some((s) => Object.keys(s.children).length > 0)).toBe(true);
      }
    },
  );

  it('writes an actor kept in the context as xstate does: { xstate$$type, id }', () => {
    const machine = setup({
      types: { context: {} as { worker: unknown; n: number } },
      actors: { work: fromPromise(async () => 1) },
    }).createMachine({
      context: ({ spawn }) => ({ worker: spawn('work', { id: 'w1' }), n: 0 }),
      on: { BUMP: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
    });
    const actor = createActor(machine).start();
    actor.send({ type: 'BUMP' });
    const s = actor.getSnapshot() as AnyMachineSnapshot;
    expect(persistedJson(s)).toBe(xstateJson(s));
    expect(JSON.parse(persistedJson(s)).context.worker).toEqual({ xstate$$type: 1, id: 'w1' });
    // An actor reference is not plain data: its column is the text, made here.
    expect(jsonColumn(persistedSnapshot(s))).toBe(xstateJson(s));
    actor.stop();
  });
});
