/** Polls `check` every 20 ms until it returns true, or fails after `ms` with `what`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Fails at once if `happened` turns true within `ms`, naming `what` happened. For the claim that something
 * does not happen while a state lasts: nothing marks that it never will, so it is watched for a while.
 */
export async function notWithin(what: string, happened: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (happened()) throw new Error(`${what} (within ${ms} ms)`);
    if (Date.now() > until) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}
