import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** An alert as the operator sees it: `id` is `<kind>/<subject>`. */
export interface AlertRow {
  id: string;
  kind: string;
  subject: string;
  detail: string;
  count: number;
  firstAt: number;
  lastAt: number;
  acknowledgedAt: number | null;
  acknowledgedNote: string | null;
}

/** The anomalies of `kinds` (the alert kinds), unacknowledged ones only unless `all`, oldest first. */
export async function listAlerts(
  db: Kysely<Database>,
  kinds: readonly string[],
  all: boolean,
): Promise<AlertRow[]> {
  if (kinds.length === 0) return [];
  let q = db
    .selectFrom('anomalies')
    .selectAll()
    .where('kind', 'in', [...kinds]);
  if (!all) q = q.where('acknowledged_at', 'is', null);
  const rows = await q.orderBy('first_at').execute();
  return rows.map((r) => ({
    id: `${r.kind}/${r.subject}`,
    kind: r.kind,
    subject: r.subject,
    detail: r.detail,
    count: r.count,
    firstAt: Number(r.first_at),
    lastAt: Number(r.last_at),
    acknowledgedAt: r.acknowledged_at === null ? null : Number(r.acknowledged_at),
    acknowledgedNote: r.acknowledged_note,
  }));
}

/**
 * Acknowledges the alert `<kind>/<subject>` if it is one of `kinds` and not acknowledged yet. Returns
 * false when there is no such unacknowledged alert (nothing changed).
 */
export async function acknowledgeAlert(
  db: Kysely<Database>,
  kinds: readonly string[],
  id: string,
  note: string | null,
  now: number,
): Promise<boolean> {
  const slash = id.indexOf('/');
  const kind = slash < 0 ? id : id.slice(0, slash);
  const subject = slash < 0 ? '' : id.slice(slash + 1);
  if (!kinds.includes(kind)) return false;
  const result = await db
    .updateTable('anomalies')
    .set({ acknowledged_at: now, acknowledged_note: note })
    .where('kind', '=', kind)
    .where('subject', '=', subject)
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
