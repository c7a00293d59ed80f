/**
 * A one-entry memo of a pure function of two objects, compared by identity: a machine's guards call the
 * same helper with the same (immutable) context and event several times per transition, and only the
 * first call computes. Any other pair recomputes and replaces the entry.
 */
export function memoLast<A extends object, B extends object, R>(fn: (a: A, b: B) => R): (a: A, b: B) => R {
  let lastA: A | null = null;
  let lastB: B | null = null;
  let last: R;
  return (a, b) => {
    if (a !== lastA || b !== lastB) {
      last = fn(a, b);
      lastA = a;
      lastB = b;
    }
    return last;
  };
}
