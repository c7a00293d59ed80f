import type { AnyEventObject } from 'xstate';
import type { EffectHandler, OutboxRow, RecoveryDecision } from '../../../src/runtime/types.js';

/** A call the runtime released, as the venue side saw it. */
export interface SentCall {
  key: string;
  actorId: string;
  childId: string;
  src: string;
  input: unknown;
}

/**
 * The venue side of a model-based run: an effect handler around the real paper venue. Every call the
 * runtime releases is recorded and sent to the paper venue once (through the engine's own VenueEffects,
 * so the venue logs it in its SQLite file); the reply fed back to the runtime is the one the model path
 * chooses, delivered when the path reaches it. A call still in flight when the runtime is dropped stays
 * in flight: the restored runtime re-dispatches it (recovery decision `redispatch`), which re-attaches
 * to the same call without sending it again, and `resumed` records that.
 */
export class ModelVenue implements EffectHandler {
  /** Calls sent to the venue, in order, once each. */
  readonly sent: SentCall[] = [];
  /** Keys re-dispatched by a restored runtime, with the number of the runtime generation. */
  readonly resumed: { key: string; generation: number }[] = [];
  /** Keys `recover` was asked about, per generation. */
  readonly recovered: { key: string; generation: number }[] = [];
  private readonly waiters = new Map<string, (event: AnyEventObject) => void>();
  private readonly forwards: Promise<void>[] = [];
  private generation = 0;

  constructor(private readonly venue: EffectHandler) {}

  execute(row: OutboxRow): Promise<AnyEventObject> {
    if (this.sent.some((c) => c.key === row.key)) {
      this.resumed.push({ key: row.key, generation: this.generation });
    } else {
      const { key, actorId, childId, src, input } = row;
      this.sent.push({ key, actorId, childId, src, input });
      // The paper venue's own answer is discarded: the path decides what the runtime hears.
      this.forwards.push(this.venue.execute(row).then(() => undefined));
    }
    return new Promise<AnyEventObject>((resolve) => this.waiters.set(row.key, resolve));
  }

  recover(row: OutboxRow): RecoveryDecision {
    this.recovered.push({ key: row.key, generation: this.generation });
    return { redispatch: true };
  }

  /** A new runtime replaces the old one: replies awaited by the old one can no longer reach it. */
  nextGeneration(): void {
    this.generation += 1;
    this.waiters.clear();
  }

  /** Keys the current runtime generation re-dispatched. */
  resumedNow(): string[] {
    return this.resumed.filter((r) => r.generation === this.generation).map((r) => r.key);
  }

  /** Keys the current runtime generation asked `recover` about. */
  recoveredNow(): string[] {
    return this.recovered.filter((r) => r.generation === this.generation).map((r) => r.key);
  }

  /** True if the current runtime awaits the reply of `key`. */
  awaits(key: string): boolean {
    return this.waiters.has(key);
  }

  /** Delivers the reply of call `key` to the runtime awaiting it; false if none does. */
  reply(key: string, event: AnyEventObject): boolean {
    const resolve = this.waiters.get(key);
    if (resolve === undefined) return false;
    this.waiters.delete(key);
    resolve(event);
    return true;
  }

  /** Resolves once every call sent so far has been processed by the paper venue. */
  async flush(): Promise<void> {
    await Promise.all(this.forwards);
  }
}
