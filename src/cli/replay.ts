import {
  listActorIds,
  readActor,
  readConsistently,
  readJournal,
  readJournalBase,
  readLedgerCheck,
} from '../persistence/operator-queries.js';
import { openEngineDatabaseReadOnly } from '../persistence/open-database.js';
import { verifyReplay } from '../runtime/verify-replay.js';
import type { ReplayReport } from '../runtime/verify-replay.js';

/**
 * `npm run cli -- replay --verify --db <path> [--json]`: rebuilds every actor from its journal alone and
 * compares it with what is stored, and checks the positions against the fill ledger, all in one read
 * transaction (the engine may run). Exit 0 when everything agrees, 1 naming the first divergent actor,
 * revision and event (or the first ledger problem).
 */
export async function runReplayVerify(options: { db: string; json: boolean }): Promise<number> {
  const db = await openEngineDatabaseReadOnly(options.db);
  let report: ReplayReport;
  try {
    report = await readConsistently(db, (tx) =>
      verifyReplay({
        actorIds: () => listActorIds(tx),
        actor: (id) => readActor(tx, id),
        journal: (id) => readJournal(tx, id),
        base: (id) => readJournalBase(tx, id),
        ledger: () => readLedgerCheck(tx),
      }),
    );
  } finally {
    await db.destroy();
  }
  const ok = report.divergences === 0 && report.ledgerProblems.length === 0;
  const d = report.firstDivergence;
  if (d !== null) {
    process.stderr.write(
      `steadfast: replay diverges: actor ${d.actorId} at rev ${d.rev}` +
        ` (event ${d.eventType ?? 'none'}): ${d.reason}` +
        `${report.divergences > 1 ? ` (${report.divergences} actors diverge)` : ''}\n`,
    );
  }
  for (const problem of report.ledgerProblems) process.stderr.write(`steadfast: ledger: ${problem}\n`);
  process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  return ok ? 0 : 1;
}

function formatReport(r: ReplayReport): string {
  const verdict = r.divergences === 0 && r.ledgerProblems.length === 0 ? 'ok' : 'FAILED';
  return (
    `replay ${verdict}: ${r.actors} actors, ${r.events} events, ${r.divergences} divergences; ` +
    `${r.positions} positions, ${r.ledgerProblems.length} ledger problems\n`
  );
}
