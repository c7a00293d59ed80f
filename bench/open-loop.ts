/**
 * The benchmarks' open-loop driver: items arrive at `ratePerSec` from `started` until `until`, whether or
 * not earlier ones have finished. It wakes about once per millisecond (a timer: a setImmediate spin would
 * itself allocate and burn CPU) and issues what fell due. `issue` gets the instant an item's latency
 * counts from: when it was due or when the driver meant to wake, whichever is later. The driver's own
 * polling granularity is not charged, but a stall of the event loop (a GC pause, a long batch) that makes
 * the driver late is, as it would delay a real arrival. Returns how many items were issued.
 */
export async function openLoop(
  started: number,
  until: number,
  ratePerSec: number,
  issue: (chargedFrom: number) => void,
): Promise<number> {
  const interval = 1000 / ratePerSec;
  let issued = 0;
  let meantToWake = started;
  while (performance.now() < until) {
    const due = Math.floor((performance.now() - started) / interval);
    for (; issued < due; issued += 1) issue(Math.max(started + issued * interval, meantToWake));
    meantToWake = performance.now() + 1;
    await new Promise((r) => setTimeout(r, 1));
  }
  return issued;
}
