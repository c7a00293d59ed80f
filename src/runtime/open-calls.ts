import type { OutboxRow } from './types.js';

/** The open calls of an actor that has none (most of them, most of the time). */
const NONE: readonly OutboxRow[] = Object.freeze([]);

/** The committed outbox rows still awaiting a result, indexed by key and by actor. */
export class OpenCalls {
  private readonly byKey = new Map<string, OutboxRow>();
  private readonly byActor = new Map<string, Map<string, OutboxRow>>();

  /** Number of open calls. */
  get size(): number {
    return this.byKey.size;
  }

  get(key: string): OutboxRow | undefined {
    return this.byKey.get(key);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Open calls of one actor. */
  of(actorId: string): Iterable<OutboxRow> {
    return this.byActor.get(actorId)?.values() ?? NONE;
  }

  /** All open calls, oldest first. */
  all(): OutboxRow[] {
    return [...this.byKey.values()];
  }

  add(row: OutboxRow): void {
    this.byKey.set(row.key, row);
    let mine = this.byActor.get(row.actorId);
    if (mine === undefined) this.byActor.set(row.actorId, (mine = new Map()));
    mine.set(row.key, row);
  }

  remove(key: string): void {
    const row = this.byKey.get(key);
    if (row === undefined) return;
    this.byKey.delete(key);
    const mine = this.byActor.get(row.actorId);
    mine?.delete(key);
    if (mine?.size === 0) this.byActor.delete(row.actorId);
  }
}
