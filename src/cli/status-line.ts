import { Dec, fmt } from '../domain/decimal.js';
import type { Engine } from '../engine/engine.js';
import { countOrders } from '../engine/read-model.js';

/**
 * The compact live status line of `npm start`: the desk's trading state when it is not `active` (`HALTED
 * (reason)`), mid, position, open orders, realized PnL, durable events/s, calls in flight. The figures come from the engine's read model. Rewritten in place on a terminal; one
 * line per 5 intervals otherwise.
 */
export class StatusLine {
  private timer: NodeJS.Timeout | null = null;
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
    const { readModel, runtime } = this.engine;
    const model = readModel.context;
    const parts: string[] = [];
    for (const view of Object.values(model.symbols)) {
      const p = view.position;
      const avg = new Dec(p.averagePrice).round(2);
      parts.push(
        `${view.symbol} mid ${view.mid ?? '-'} pos ${p.quantity} @ ${fmt(avg)} rPnL ${fmt(new Dec(p.realizedPnl).round(6))}`,
      );
    }
    const open = countOrders(model, ['open', 'partiallyFilled']);
    const rate = readModel.eventsPerSecond();
    const desk = this.engine.gate.current;
    const banner =
      desk.state === 'active' ? '' : `${desk.state.toUpperCase()} (${desk.reason ?? 'no reason'}) | `;
    return `${banner}${parts.join(' | ')} | open ${open} | ${rate.toFixed(0)} ev/s | calls ${runtime.openCalls}`;
  }

  private print(): void {
    const text = this.line();
    this.ticks += 1;
    if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K${text}`);
    else if (this.ticks % 5 === 1) process.stdout.write(`${text}\n`);
  }
}
