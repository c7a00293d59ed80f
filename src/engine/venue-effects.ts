import type { AnyEventObject } from 'xstate';
import { VenueError, latestOrderMatching } from '../domain/venue-port.js';
import type { VenueOrder, VenuePort } from '../domain/venue-port.js';
import type { Clock } from '../domain/clock.js';
import { sleep } from '../domain/clock.js';
import { describeError } from '../domain/errors.js';
import type {
  CallFailure,
  LookupInput,
  LookupResult,
  OrderRefInput,
  PlaceOrderInput,
  VenueOrderView,
} from '../machines/order.machine.js';
import type { CallKind } from '../machines/messages.js';
import type { EffectHandler, OutboxRow, RecoveryDecision } from '../runtime/types.js';

const MAX_RATE_LIMIT_RETRIES = 5;
/** An order's history is searched from this long before we created it (the venue's clock may be behind). */
const HISTORY_SKEW_MS = 60_000;

const done = (row: OutboxRow, output: unknown): AnyEventObject => ({
  type: `xstate.done.actor.${row.childId}`,
  output,
  actorId: row.childId,
});

const failed = (row: OutboxRow, error: CallFailure): AnyEventObject => ({
  type: `xstate.error.actor.${row.childId}`,
  error,
  actorId: row.childId,
});

const viewOf = (order: VenueOrder, sentAt: number, at: number): VenueOrderView => ({
  venueOrderId: order.venueOrderId,
  status: order.status,
  filledQuantity: order.filledQuantity,
  sentAt,
  at,
});

/**
 * Runs the order machine's calls against a venue port and turns every outcome into the event the machine
 * expects. Errors are classified by what they prove: a definite refusal, an unknown outcome (with the
 * instant after which the request can no longer land), not found, or a duplicate clientOrderId. The
 * venue's request budget is the port's own (each request of the adapter takes a token, cancels and
 * lookups before places, and a 429 pauses it): this is only where a call refused as rate-limited is tried
 * again, after the venue's Retry-After.
 */
export class VenueEffects implements EffectHandler {
  /**
   * Failed venue calls since this handler was made, by call (`placeOrder`, ...) and kind of failure (a
   * VenueErrorKind; anything else counts as `unknown`), rate-limited refusals tried again included.
   */
  readonly errors = new Map<string, { call: string; kind: string; count: number }>();

  constructor(
    private readonly venue: VenuePort,
    private readonly clock: Clock,
    private readonly isAwaited: (key: string) => boolean = () => true,
  ) {}

  async execute(row: OutboxRow): Promise<AnyEventObject> {
    for (let attempt = 0; ; attempt += 1) {
      if (!this.isAwaited(row.key)) {
        return failed(row, { kind: 'unknown', message: 'no longer awaited; not sent', at: this.clock.now() });
      }
      const sentAt = this.clock.now();
      try {
        return done(row, await this.call(row, sentAt));
      } catch (err) {
        this.countError(row.src, err instanceof VenueError ? err.kind : 'unknown');
        if (err instanceof VenueError && err.kind === 'rateLimited' && attempt < MAX_RATE_LIMIT_RETRIES) {
          await sleep(this.clock, err.retryAfterMs ?? 1000);
          continue;
        }
        return failed(row, this.classify(err, sentAt));
      }
    }
  }

  /** A read is sent again; a write's outcome is unknown after a crash, and only a lookup can tell. */
  recover(row: OutboxRow, kind: CallKind, now: number): RecoveryDecision {
    if (kind === 'read') return { redispatch: true };
    return {
      event: failed(row, {
        kind: 'unknown',
        message: 'the engine stopped while this call may have been in flight',
        notAfter: now + this.venue.requestWindowMs,
        at: now,
      }),
    };
  }

  private async call(row: OutboxRow, sentAt: number): Promise<unknown> {
    switch (row.src) {
      case 'placeOrder': {
        const input = row.input as PlaceOrderInput;
        const order = await this.venue.placeOrder({
          clientOrderId: input.clientOrderId,
          symbol: input.symbol,
          side: input.side,
          type: input.type,
          ...(input.price === null ? {} : { price: input.price }),
          quantity: input.quantity,
        });
        return viewOf(order, sentAt, this.clock.now());
      }
      case 'cancelOrder': {
        const order = await this.venue.cancelOrder(row.input as OrderRefInput);
        return viewOf(order, sentAt, this.clock.now());
      }
      case 'lookupOrder': {
        const input = row.input as LookupInput;
        const direct = await this.venue.fetchOrder(input);
        // Lookups persisted before `search` was part of their input search, as all do now when it counts.
        const searched = direct === null && input.search !== false;
        const order = searched ? await this.search(input) : direct;
        const at = this.clock.now();
        const result: LookupResult =
          order === null
            ? { order: null, searched, sentAt, at }
            : { order: viewOf(order, sentAt, at), sentAt, at };
        return result;
      }
      default:
        throw new Error(`no effect handler for '${row.src}'`);
    }
  }

  /**
   * An order its own lookup did not find, searched for in the symbol's open orders and order history: a
   * venue's views of one order lag behind its matching engine and need not agree with each other.
   */
  private async search(ref: LookupInput): Promise<VenueOrder | null> {
    const open = latestOrderMatching(await this.venue.fetchOpenOrders(ref.symbol), ref);
    // Lookups persisted before `createdAt` was part of their input search the whole history.
    return open ?? (await this.venue.findInHistory(ref, Math.max(0, (ref.createdAt ?? 0) - HISTORY_SKEW_MS)));
  }

  private countError(call: string, kind: string): void {
    const key = `${call} ${kind}`;
    const known = this.errors.get(key);
    if (known === undefined) this.errors.set(key, { call, kind, count: 1 });
    else known.count += 1;
  }

  private classify(err: unknown, sentAt: number): CallFailure {
    const at = this.clock.now();
    if (err instanceof VenueError && err.kind !== 'unknown' && err.kind !== 'rateLimited') {
      return { kind: err.kind, message: err.message, at };
    }
    // Anything else may or may not have reached the venue: only a lookup can tell.
    return {
      kind: 'unknown',
      message: describeError(err),
      notAfter: sentAt + this.venue.requestWindowMs,
      at,
    };
  }
}
