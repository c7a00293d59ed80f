import type { VenuePort } from '../domain/venue-port.js';
import type { Clock } from '../domain/clock.js';
import type { AdjustOrdersInput } from '../machines/adjust-orders.machine.js';
import { adjusterActorId, bookActorId } from '../machines/messages.js';
import { orderMachine } from '../machines/order.machine.js';
import type { PositionBookInput } from '../machines/position-book.machine.js';
import type { EngineStore } from '../persistence/engine-store.js';
import type { DurableRuntime } from '../runtime/durable-runtime.js';

/**
 * The clientOrderId prefix of `symbol`'s AdjustOrders workflow in this run: the run's prefix, then the
 * symbol's position in `symbols` (base 36). Each symbol's workflow numbers its orders on its own, so
 * without the tag two symbols would both create `<run prefix>0`. The run's prefix holds the boot epoch,
 * so a list that changes between starts never reuses an id.
 */
export function symbolIdPrefix(runPrefix: string, symbols: readonly string[], symbol: string): string {
  const index = symbols.indexOf(symbol);
  if (index < 0) throw new Error(`symbolIdPrefix: ${symbol} is not one of the engine's symbols`);
  return `${runPrefix}${index.toString(36)}-`;
}

/** The order machine's top-level states that are not terminal (tagged `terminal`): such an order may trade. */
const LIVE_ORDER_STATES = Object.entries(orderMachine.root.states)
  .filter(([, node]) => !node.tags.includes('terminal'))
  .map(([name]) => name);

/** The symbols an engine looks after: those it is configured to trade, and those it no longer trades. */
export interface ManagedSymbols {
  /** Configured symbols first (in their order), then the retired ones. */
  all: string[];
  /** Not configured, but with orders of ours that may still be working at the venue. */
  retired: string[];
  /** With such orders too, but the venue does not list the symbol (any more): nothing can be asked of it. */
  unlisted: string[];
}

/**
 * Configured symbols plus every other symbol that still has non-terminal orders in this database. A
 * symbol dropped from the configuration while its quotes rest at the venue is not forgotten: its fills are
 * still gap-filled and counted, and its orders are withdrawn (see withdrawQuotes), never left to fill
 * unmanaged.
 */
export async function managedSymbols(
  store: EngineStore,
  venueId: string,
  configured: readonly string[],
  listed: (symbol: string) => boolean,
): Promise<ManagedSymbols> {
  const withOrders = await store.symbolsWithOrdersIn(venueId, LIVE_ORDER_STATES);
  const dropped = withOrders.filter((s) => !configured.includes(s)).sort();
  const retired = dropped.filter(listed);
  return { all: [...configured, ...retired], retired, unlisted: dropped.filter((s) => !listed(s)) };
}

/**
 * Hands `symbol`'s AdjustOrders workflow an empty desired set: it cancels every order it tracks and places
 * none. Nothing happens when the symbol has no workflow (nothing of ours is quoted through it).
 */
export async function withdrawQuotes(
  runtime: DurableRuntime,
  venueId: string,
  symbol: string,
  idPrefix: string,
): Promise<void> {
  const adjuster = adjusterActorId(venueId, symbol);
  if (runtime.actor(adjuster) === undefined) return;
  await runtime.send(adjuster, { type: 'ADJUST_ORDERS', desired: [], idPrefix });
}

/** Creates the position book and the AdjustOrders workflow of each configured symbol that lacks them. */
export async function ensureSymbolActors(
  runtime: DurableRuntime,
  store: EngineStore,
  clock: Clock,
  venue: Pick<VenuePort, 'id'>,
  symbols: readonly string[],
  adjust: Pick<AdjustOrdersInput, 'maxOpenOrders' | 'orderDefaults'>,
): Promise<void> {
  for (const symbol of symbols) {
    const at = clock.now();
    const book = bookActorId(venue.id, symbol);
    if (runtime.actor(book) === undefined && (await store.loadActors([book])).length === 0) {
      const input: PositionBookInput = { venue: venue.id, symbol, at };
      await runtime.spawn(book, 'positionBook', input);
    }
    const adjuster = adjusterActorId(venue.id, symbol);
    if (runtime.actor(adjuster) === undefined) {
      const input: AdjustOrdersInput = { venue: venue.id, symbol, ...adjust, at };
      await runtime.spawn(adjuster, 'adjustOrders', input);
    }
  }
}
