import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Dec, fmt } from '../src/domain/decimal.js';
import { summarize } from './durable.js';
import type { ThroughputResult } from './durable.js';
import { Workload, benchOrder } from './workload.js';
import type { WorkItem } from './workload.js';

/**
 * The design Steadfast replaces ("SimpleEngine"): one in-memory PositionManager (all orders and positions)
 * written whole to SQLite after every order or fill update. Same workload, same SQLite settings (WAL,
 * synchronous=NORMAL), no XState: only the write strategy differs.
 */
class SimpleEngine {
  private readonly orders = new Map<string, Record<string, unknown>>();
  private position = { quantity: '0', fills: 0 };
  private readonly save: SqliteDatabase.Statement;

  constructor(private readonly db: SqliteDatabase.Database) {
    db.exec('create table if not exists state (id integer primary key, json text not null)');
    this.save = db.prepare('insert or replace into state (id, json) values (1, ?)');
  }

  /** Applies one update and persists the whole state, like the seed engine. */
  update(mutate: () => void): void {
    mutate();
    this.save.run(JSON.stringify({ orders: [...this.orders.values()], position: this.position }));
  }

  /** Adds a live order without persisting (seeding; `update(() => {})` then writes the whole state once). */
  add(cid: string, i: number): void {
    this.orders.set(cid, { ...benchOrder(cid, i, 0), state: 'open', filled: '0' });
  }

  apply(item: WorkItem, seq: number): number {
    if (item.kind === 'fill') {
      const order = this.orders.get(item.clientOrderId)!;
      this.update(() => (order.filled = fmt(new Dec(String(order.filled)).plus(item.quantity))));
      this.update(() => {
        this.position = {
          quantity: fmt(new Dec(this.position.quantity).plus(item.quantity)),
          fills: this.position.fills + 1,
        };
      });
      return 2;
    }
    if (item.kind === 'replace') {
      const old = this.orders.get(item.clientOrderId)!;
      this.update(() => (old.state = 'pendingCancel'));
      this.update(() => (old.state = 'cancelled'));
    }
    this.update(() => {
      this.orders.delete(item.clientOrderId);
      this.orders.set(item.replacement, {
        ...benchOrder(item.replacement, seq, 0),
        state: 'pendingNew',
        filled: '0',
      });
    });
    const fresh = this.orders.get(item.replacement)!;
    this.update(() => (fresh.state = 'submitting'));
    this.update(() => (fresh.state = 'open'));
    return item.kind === 'replace' ? 5 : 3;
  }
}

/** Runs the baseline for `seconds` at `liveOrders` live orders. */
export function runBaseline(options: { dir: string; liveOrders: number; seconds: number }): ThroughputResult {
  fs.mkdirSync(options.dir, { recursive: true });
  const db = new SqliteDatabase(path.join(options.dir, 'simple-engine.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const engine = new SimpleEngine(db);
  for (let i = 0; i < options.liveOrders; i += 1) engine.add(`b${i}`, i);
  engine.update(() => {});
  const work = new Workload({ liveOrders: options.liveOrders, seed: 7 });
  const latencies: number[] = [];
  let events = 0;
  let seq = options.liveOrders * 10;
  const started = performance.now();
  const until = started + options.seconds * 1000;
  while (performance.now() < until) {
    const t0 = performance.now();
    const n = engine.apply(work.item(), seq++);
    events += n;
    const per = (performance.now() - t0) / n;
    for (let k = 0; k < n; k += 1) latencies.push(per);
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return summarize(events, seconds, events, latencies);
}
