import type { OutboxRow } from './types.js';

/** The open calls of an actor that has none (most of them, most of the time). */
const NONE: readonly OutboxRow[] = Object.freeze([]);

/** The committed outbox rows still awaiting a result, indexed by key and by actor. */
export class OpenCalls {
  private readonly byKey = new Map<string, OutboxRow>();
  /** Per actor, in the order they were added (an actor has one or two open calls at most). */
  private readonly byActor = new Map<string, OutboxRow[]>();

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
  of(actorId: string): readonly OutboxRow[] {
    return this.byActor.get(actorId) ?? NONE;
  }

  /** All open calls, oldest first. */
  all(): OutboxRow[] {
    return [...this.byKey.values()];
  }

  add(row: OutboxRow): void {
    const before = this.byKey.get(row.key);
    if (before !== undefined && before.actorId === row.actorId) {
      // The same call again: replaced where it stands, as in the maps.
      const mine = this.byActor.get(row.actorId)!;
      mine[mine.indexOf(before)] = row;
      this.byKey.set(row.key, row);
      return;
    }
    if (before !== undefined) this.remove(row.key);
    this.byKey.set(row.key, row);
    const mine = this.byActor.get(row.actorId);
    if (mine === undefined) this.byActor.set(row.actorId, [row]);
    else mine.push(row);
  }

  remove(key: string): void {
    const row = this.byKey.get(key);
    if (row === undefined) return;
    this.byKey.delete(key);
    const mine = this.byActor.get(row.actorId);
    if (mine === undefined) return;
    const at = mine.indexOf(row);
    if (at !== -1) mine.splice(at, 1);
    if (mine.length === 0) this.byActor.delete(row.actorId);
  }
}
