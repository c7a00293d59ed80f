import { ALERT_KINDS, anomalyNotice } from '../domain/notices.js';
import { acknowledgeAlert, listAlerts } from '../persistence/alerts.js';
import type { AlertRow } from '../persistence/alerts.js';
import {
  openEngineDatabaseForOperator,
  openEngineDatabaseReadOnly,
  shownDb,
} from '../persistence/open-database.js';

/**
 * `npm run cli -- alerts --db <path> [--all] [--json]`: the alerts no operator has acknowledged (with
 * `--all`, acknowledged ones too). Works whether or not an engine runs on the database.
 */
export async function runAlerts(options: { db: string; all: boolean; json: boolean }): Promise<number> {
  const db = await openEngineDatabaseReadOnly(options.db);
  try {
    const alerts = await listAlerts(db, ALERT_KINDS, options.all);
    const shown = alerts.map((a) => Object.assign({ code: anomalyNotice(a.kind).code }, a));
    process.stdout.write(options.json ? `${JSON.stringify({ alerts: shown })}\n` : formatAlerts(alerts));
    return 0;
  } finally {
    await db.destroy();
  }
}

/**
 * `npm run cli -- ack <alert> --db <path> [--note <text>] [--json]`: acknowledges an alert (its id as
 * `alerts` lists it: `<kind>/<subject>`), which stops its reminders until it happens again. Exit 1 when
 * there is no such unacknowledged alert (nothing changed).
 */
export async function runAck(options: {
  db: string;
  id: string;
  note: string | null;
  json: boolean;
}): Promise<number> {
  const db = await openEngineDatabaseForOperator(options.db);
  try {
    const done = await acknowledgeAlert(db, ALERT_KINDS, options.id, options.note, Date.now());
    if (!done) {
      process.stderr.write(
        `steadfast: no unacknowledged alert ${options.id} (\`npm run cli -- alerts --db ${shownDb(options.db)}\` lists them)\n`,
      );
      return 1;
    }
    process.stdout.write(
      options.json ? `${JSON.stringify({ acknowledged: options.id })}\n` : `acknowledged ${options.id}\n`,
    );
    return 0;
  } finally {
    await db.destroy();
  }
}

function formatAlerts(alerts: readonly AlertRow[]): string {
  if (alerts.length === 0) return 'no alerts\n';
  return alerts
    .map((a) => {
      const ack =
        a.acknowledgedAt === null ? '' : ` (acknowledged ${new Date(a.acknowledgedAt).toISOString()})`;
      const since = new Date(a.firstAt).toISOString();
      return `${anomalyNotice(a.kind).code} ${a.id} x${a.count} since ${since}${ack}\n  ${a.detail}\n`;
    })
    .join('');
}
