import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { PeriodicTasks } from '../../src/engine/periodic-tasks.js';

/** A task whose runs each wait until `finish` (or `fail`) is called. */
function manualTask() {
  const settle: { ok: () => void; fail: (err: Error) => void }[] = [];
  const task = () =>
    new Promise<void>((ok, fail) => {
      settle.push({ ok, fail });
    });
  return {
    task,
    runs: () => settle.length,
    finish: () => settle.at(-1)!.ok(),
    fail: () => settle.at(-1)!.fail(new Error('venue down')),
  };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('PeriodicTasks', () => {
  it('runs a task every interval after its previous run settled, never two runs at once', async () => {
    const clock = new SimulatedClock();
    const tasks = new PeriodicTasks(clock);
    const t = manualTask();
    tasks.every(10, t.task);
    clock.increment(9);
    expect(t.runs()).toBe(0);
    clock.increment(1);
    expect(t.runs()).toBe(1);
    clock.increment(50); // the first run is still going
    expect(t.runs()).toBe(1);
    t.fail(); // a failed run is rescheduled like any other
    await flush();
    clock.increment(10);
    expect(t.runs()).toBe(2);
    t.finish();
    await flush();
    clock.increment(10);
    expect(t.runs()).toBe(3);
    t.finish();
    await tasks.stop();
  });

  it('stop cancels what is scheduled, waits for the runs in flight, and nothing runs after it', async () => {
    const clock = new SimulatedClock();
    const tasks = new PeriodicTasks(clock);
    const busy = manualTask();
    const idle = manualTask();
    tasks.every(10, busy.task);
    tasks.every(25, idle.task);
    clock.increment(10);
    expect([busy.runs(), idle.runs()]).toEqual([1, 0]);
    let stopped = false;
    const stopping = tasks.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    busy.finish();
    await stopping;
    clock.increment(1000);
    await flush();
    expect([busy.runs(), idle.runs()]).toEqual([1, 0]);
    tasks.every(10, idle.task); // after stop: never runs
    clock.increment(1000);
    expect(idle.runs()).toBe(0);
  });
});
