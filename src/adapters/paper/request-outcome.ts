import { VenueError } from '../venue.js';
import type { OrderRef, VenueErrorKind, VenueFact } from '../venue.js';

/** A request the venue refused: the error its caller gets, and the outcome its request log records. */
export type Refused = { ok: false; error: VenueError; outcome: string };
/** What the venue did with one request, decided inside its transaction. */
export type Processed<T> =
  { ok: true; value: T; outcome: string; detail?: string; events?: VenueFact[] } | Refused;

/** A refusal: `outcome` for the request log, `kind` and `message` for the caller. */
export const refuse = (outcome: string, kind: VenueErrorKind, message: string): Refused => ({
  ok: false,
  error: new VenueError(kind, message),
  outcome,
});

/** The refusal of a request naming a symbol the venue does not list. */
export function unknownSymbol(symbol: string): Refused {
  return refuse('rejected', 'rejected', `symbol: unknown symbol ${JSON.stringify(symbol)}`);
}

/** An order reference as messages name it. */
export function describeRef(ref: OrderRef): string {
  const id =
    ref.venueOrderId != null ? `venueOrderId=${ref.venueOrderId}` : `clientOrderId=${ref.clientOrderId}`;
  return `${id} on ${ref.symbol}`;
}
