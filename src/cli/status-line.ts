import { Dec, fmt } from '../domain/decimal.js';
import type { Engine } from '../engine/engine.js';
import { topState } from '../engine/projections.js';
import type { PositionBookContext } from '../machines/position-book.machine.js';

/**
 * The compact live status line of `npm start`: mid, position, open orders, realized PnL, durable events/s,
 * calls in flight. Rewritten in place on a terminal; one line per 5 intervals otherwise.
 */
export class StatusLine {
  private timer: NodeJS.Timeout | null = null;
  private lastEvents = 0;
  private lastAt = performance.now();
  private ticks = 0;

  constructor(
    private readonly engine: Engine,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => this.print(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (process.stdout.isTTY) process.stdout.write('\n');
  }

  /** The current line. */
  line(): string {
    const { runtime, strategy } = this.engine;
    const now = performance.now();
    const rate = ((runtime.stats.events - this.lastEvents) * 1000) / Math.max(1, now - this.lastAt);
    this.lastEvents = runtime.stats.events;
    this.lastAt = now;
    let open = 0;
    for (const a of runtime.liveActors('order'))
      if (['open', 'partiallyFilled'].includes(topState(a.state))) open += 1;
    const parts: string[] = [];
    for (const book of runtime.liveActors('positionBook')) {
      const c = book.context as unknown as PositionBookContext;
      const mid = strategy.mids.get(c.symbol);
      const avg = new Dec(c.averagePrice).round(2);
      parts.push(
        `${c.symbol} mid ${mid ?? '-'} pos ${c.quantity} @ ${fmt(avg)} rPnL ${fmt(new Dec(c.realizedPnl).round(6))}`,
      );
    }
    return `${parts.join(' | ')} | open ${open} | ${rate.toFixed(0)} ev/s | calls ${runtime.openCalls}`;
  }

  private print(): void {
    const text = this.line();
    this.ticks += 1;
    if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K${text}`);
    else if (this.ticks % 5 === 1) process.stdout.write(`${text}\n`);
  }
}
