import { Dec, fmt } from '../domain/decimal.js';
import { openEngineDatabaseReadOnly } from '../persistence/open-database.js';
import { readStatus } from '../persistence/status-query.js';
import type { StatusReport } from '../persistence/status-query.js';

/** `npm run status -- --db <path> [--json]`: prints the database's positions, orders and fills. */
export async function runStatus(options: { db: string; json: boolean }): Promise<void> {
  const db = await openEngineDatabaseReadOnly(options.db);
  try {
    const report = await readStatus(db);
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatStatus(report));
  } finally {
    await db.destroy();
  }
}

/** Human-readable status. */
export function formatStatus(r: StatusReport): string {
  const lines: string[] = [];
  lines.push('positions:');
  if (r.positions.length === 0) lines.push('  (none)');
  for (const p of r.positions) {
    const fees = Object.entries(p.fees)
      .map(([c, v]) => `${v} ${c}`)
      .join(', ');
    lines.push(
      `  ${p.venue} ${p.symbol}: qty ${p.quantity} @ ${fmt(new Dec(p.averagePrice).round(8))}, realized ${p.realizedPnl}` +
        `${fees ? `, fees ${fees}` : ''} (${p.fillCount} fills)`,
    );
  }
  const states = Object.entries(r.orders).map(([s, n]) => `${s} ${n}`);
  lines.push(`orders: ${states.length ? states.join(', ') : '(none)'}`);
  const held = [
    r.quarantinedFills ? `${r.quarantinedFills} quarantined` : '',
    r.contestedFills ? `${r.contestedFills} contested` : '',
  ].filter((x) => x !== '');
  lines.push(`fills: ${r.fills}${held.length > 0 ? ` (+${held.join(', ')})` : ''}`);
  if (r.fillGaps > 0) lines.push(`orders missing fills the venue reports: ${r.fillGaps}`);
  if (r.alerts.length > 0)
    lines.push(`alerts to acknowledge (npm run cli -- ack <id>): ${r.alerts.join(', ')}`);
  lines.push(
    `open calls: ${r.openCalls}, timers: ${r.timers}, journal events: ${r.journalEvents}, ignored venue facts: ${r.ignoredFacts}`,
  );
  const why = r.tradingStateReason === null ? '' : ` (${r.tradingStateReason})`;
  lines.push(`trading state: ${r.tradingState}${why}`);
  if (r.lease) lines.push(`writer lease: ${r.lease.owner} (token ${r.lease.token})`);
  if (r.anomalies.length > 0) {
    lines.push('anomalies:');
    for (const a of r.anomalies) lines.push(`  ${a.kind} ${a.subject} x${a.count}`);
  }
  return `${lines.join('\n')}\n`;
}
