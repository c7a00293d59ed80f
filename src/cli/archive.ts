import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../domain/clock.js';
import { ConfigError, SteadfastError } from '../domain/errors.js';
import { silentLogger } from '../domain/logger.js';
import { machineRegistry } from '../machines/registry.js';
import { parseWithId } from '../engine/archive-requests.js';
import type { ArchiveAnswer, ArchiveRequest } from '../engine/archive-requests.js';
import { archivePass } from '../engine/retention.js';
import type { ArchiveReport } from '../engine/retention.js';
import { ARCHIVE_ANSWER_KEY, ARCHIVE_REQUEST_KEY } from '../persistence/archive/archive-meta.js';
import { ArchiveStore, defaultArchiveDir } from '../persistence/archive/archive-store.js';
import { isPostgresUrl } from '../persistence/postgres.js';
import { openSqliteForOperator } from '../persistence/sqlite.js';
import { acquireWriterLock } from '../persistence/writer-lock.js';
import { parseConfig, readConfigFile } from './config.js';

export interface ArchiveFlags {
  db: string;
  config?: string;
  json?: boolean;
  /** Seconds to wait for a running engine's answer. */
  timeout: number;
}

/**
 * `npm run cli -- archive --now --db <path> [--config <file>] [--json]`: one retention pass with the
 * configured `retention.keepEndedForMs` (the config's, else the default). With no engine on the database it
 * runs here (holding the writer lock); while one runs, it asks that engine through the database and waits
 * for its answer, so only the engine ever moves rows it may be writing.
 */
export async function runArchive(flags: ArchiveFlags): Promise<number> {
  if (isPostgresUrl(flags.db)) {
    throw new ConfigError(
      '--db',
      'archive: retention archives SQLite databases only; PostgreSQL keeps every order',
    );
  }
  const raw = flags.config === undefined ? {} : readConfigFile(flags.config);
  const config = parseConfig(Object.assign({}, raw, { db: flags.db }), flags.config ?? 'defaults');
  const dir = config.retention.dir ?? defaultArchiveDir(flags.db);
  const keep = config.retention.keepEndedForMs;
  // Migrates the database (retention's tables) and proves it is an engine database.
  await (await openSqliteForOperator(flags.db)).destroy();
  let lock;
  try {
    lock = acquireWriterLock(flags.db);
  } catch (err) {
    if (!(err instanceof SteadfastError) || err.code !== 'DATABASE_LOCKED') throw err;
    return print(flags, await askTheEngine(flags, dir, keep), 'the running engine');
  }
  const archive = ArchiveStore.open(flags.db, dir);
  try {
    const converted = archive.enableIncrementalVacuum();
    const report = await archivePass(
      { archive, registry: machineRegistry, clock: systemClock, logger: silentLogger, held: () => false },
      keep,
    );
    if (converted)
      process.stderr.write('steadfast: the database now gives free pages back (vacuumed once)\n');
    return print(flags, report, 'this command');
  } finally {
    archive.close();
    lock.release();
  }
}

/** Writes a request for the running engine and waits for its answer. */
async function askTheEngine(flags: ArchiveFlags, dir: string, keep: number): Promise<ArchiveReport> {
  const archive = ArchiveStore.open(flags.db, dir);
  try {
    const request: ArchiveRequest = { id: crypto.randomUUID(), keepEndedForMs: keep };
    archive.setMeta(ARCHIVE_REQUEST_KEY, JSON.stringify(request));
    const deadline = Date.now() + flags.timeout * 1000;
    while (Date.now() < deadline) {
      const answer = parseWithId<ArchiveAnswer>(archive.getMeta(ARCHIVE_ANSWER_KEY));
      if (answer?.id === request.id) {
        if ('error' in answer)
          throw new SteadfastError('INTERNAL', `the running engine failed: ${answer.error}`);
        return answer.report;
      }
      await sleep(100);
    }
    throw new SteadfastError(
      'INTERNAL',
      `an engine runs on ${flags.db} and did not answer within ${flags.timeout} s`,
    );
  } finally {
    archive.close();
  }
}

function print(flags: ArchiveFlags, report: ArchiveReport, by: string): number {
  if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(
      `archived by ${by}: ${report.orders} ended orders, ${report.journalRows} journal rows of long-lived ` +
        `actors${report.files.length > 0 ? ` to ${report.files.join(', ')}` : ''}; ` +
        `${report.freedPages} free pages given back\n`,
    );
  }
  return report.refused.length > 0 ? 1 : 0;
}
