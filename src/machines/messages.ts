/**
 * Messages between persisted actors. Machines never call each other directly: they `emit` one of these and
 * the durable runtime applies it, in the same transaction, to the actor it names.
 */

/** Creates an actor (`id` must be new) with `input`. */
export interface SpawnActor {
  type: 'engine.spawn';
  /** Machine id from the registry, e.g. `order`. */
  machine: string;
  id: string;
  input: unknown;
}

/** Any event with a `to` field is delivered to that actor (the field is removed, `at` is stamped). */
export interface RoutedEvent {
  type: string;
  to: string;
}

/** Actor id of an order. */
export const orderActorId = (clientOrderId: string): string => `order/${clientOrderId}`;
/** Actor id of a symbol's position book at a venue. */
export const bookActorId = (venue: string, symbol: string): string => `book/${venue}/${symbol}`;
/** Actor id of a symbol's AdjustOrders workflow at a venue. */
export const adjusterActorId = (venue: string, symbol: string): string => `adjust/${venue}/${symbol}`;

/**
 * What an invoked call does at the venue, declared beside the machine that invokes it: a `write` (place,
 * cancel) may have taken effect when the process died, so it is never sent again blindly (its outcome is
 * unknown, a lookup decides); a `read` is safe to repeat.
 */
export type CallKind = 'read' | 'write';
