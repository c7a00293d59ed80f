import type { AnyMachineSnapshot } from 'xstate';
import type { Clock } from '../domain/clock.js';
import { extend } from '../domain/extend.js';
import type { OrderContext } from '../machines/order.machine.js';
import type { PositionBookContext } from '../machines/position-book.machine.js';
import { isTerminal } from '../runtime/hosted-actor.js';
import type { HostedActor } from '../runtime/hosted-actor.js';
import type { CommitListener, CommittedTransition } from '../runtime/types.js';
import { topState } from './projections.js';
import { createReadStore, eventsPerSecond, initialReadModel } from './read-model-store.js';
import type {
  OrderFact,
  OrderView,
  PositionFact,
  PositionView,
  ReadModelContext,
  ReadStore,
  SymbolView,
  TradingState,
} from './read-model-store.js';

export * from './read-model-store.js';

/** Longest a committed transition waits before the store's subscribers see it (reads see it at once). */
const FLUSH_MS = 100;

/**
 * The engine's live read model, an @xstate/store store fed by what the runtime commits (`committed`, a
 * CommitListener), seeded from the recovered live actors (`recovered`), told each mid by the strategy and
 * each change of trading state by the engine. It holds, per symbol of one venue, the mid, the position and
 * the live orders by state, and engine-wide the trading state and the committed event rate. Readers (the
 * status line, the strategy) read `context`, always current, or subscribe to `store`, which hears each
 * commit within FLUSH_MS (commits are applied in groups: see `committed`); nothing here writes anywhere.
 */
export class ReadModel {
  readonly store: ReadStore;
  /** Committed transitions not yet applied to the store, latest per actor id. */
  private readonly pending = new Map<string, CommittedTransition>();
  private pendingEvents = 0;
  private pendingAt = 0;
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly clock: Clock,
    /** Only actors of this venue are shown. */
    private readonly venue: string,
  ) {
    this.store = createReadStore(initialReadModel(clock.now()));
  }

  /**
   * Feeds a batch's committed transitions (subscribe it with `runtime.onCommitted`). They are held, latest
   * per actor, and applied to the store when it is read, or within FLUSH_MS for its subscribers: a commit
   * costs a map entry per changed actor, not a copy of the order groups it touches.
   */
  readonly committed: CommitListener = (transitions) => {
    for (const t of transitions) {
      if (t.machine === 'order' || t.machine === 'positionBook') this.pending.set(t.actorId, t);
    }
    this.pendingEvents += transitions.length;
    this.pendingAt = this.clock.now();
    if (this.flushTimer === null && this.pendingEvents > 0) {
      this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
      this.flushTimer.unref();
    }
  };

  /** Applies what was committed since the last flush to the store. */
  flush(): void {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.pending.size === 0 && this.pendingEvents === 0) return;
    const facts = emptyFacts();
    for (const t of this.pending.values()) {
      const snapshot = t.snapshot as AnyMachineSnapshot;
      this.collect(facts, t.machine, snapshot.context, t.state, t.rev, !isTerminal(snapshot));
    }
    const events = this.pendingEvents;
    this.pending.clear();
    this.pendingEvents = 0;
    this.store.trigger.committed(extend(facts, { at: this.pendingAt, events }));
  }

  /** Seeds the model with the live actors recovered at start (only their latest revision counts). */
  recovered(actors: Iterable<HostedActor>): void {
    this.flush();
    const facts = emptyFacts();
    for (const a of actors) {
      if (a.machineId !== 'order' && a.machineId !== 'positionBook') continue;
      this.collect(facts, a.machineId, a.peekContext(), a.state, a.rev, a.live);
    }
    this.store.trigger.recovered(facts);
  }

  /** The strategy saw `mid` (a decimal string) for `symbol`. */
  midSeen(symbol: string, mid: string): void {
    this.flush();
    this.store.trigger.midSeen({ symbol, mid });
  }

  /** The engine's trading state changed (halted stays halted). */
  tradingState(state: TradingState): void {
    this.flush();
    this.store.trigger.trading({ state });
  }

  /** The current context. */
  get context(): ReadModelContext {
    this.flush();
    return this.store.getSnapshot().context;
  }

  /** The view of `symbol`, or undefined when nothing of it was seen. */
  symbol(symbol: string): SymbolView | undefined {
    return this.context.symbols[symbol];
  }

  /** Committed events per second over the last few seconds of the clock. */
  eventsPerSecond(): number {
    return eventsPerSecond(this.context.events, this.clock.now());
  }

  private collect(
    facts: MutableFacts,
    machine: string,
    context: unknown,
    state: string,
    rev: number,
    live: boolean,
  ) {
    if (machine === 'order') {
      const c = context as OrderContext;
      if (c.venue !== this.venue) return;
      const order: OrderView = {
        clientOrderId: c.clientOrderId,
        side: c.side,
        price: c.price,
        quantity: c.quantity,
        filled: c.filledQuantity,
        state: topState(state),
        level: c.level,
        rev,
      };
      facts.orders.push({ symbol: c.symbol, live, order });
    } else if (machine === 'positionBook') {
      const c = context as PositionBookContext;
      if (c.venue !== this.venue) return;
      const position: PositionView = {
        quantity: c.quantity,
        averagePrice: c.averagePrice,
        realizedPnl: c.realizedPnl,
        fees: c.fees,
        fillCount: c.fillCount,
        rev,
      };
      facts.positions.push({ symbol: c.symbol, position });
    }
  }
}

type MutableFacts = { orders: OrderFact[]; positions: PositionFact[] };

function emptyFacts(): MutableFacts {
  return { orders: [], positions: [] };
}
