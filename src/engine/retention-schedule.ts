import { describeError } from '../domain/errors.js';
import { ArchiveStore } from '../persistence/archive/archive-store.js';
import { isPostgresUrl } from '../persistence/postgres.js';
import type { DurableRuntime } from '../runtime/durable-runtime.js';
import { answerArchiveRequest } from './archive-requests.js';
import type { EngineOptions } from './engine-options.js';
import type { PeriodicTasks } from './periodic-tasks.js';
import { Retention } from './retention.js';

/**
 * Retention while the engine trades (see retention.ts): a pass every `retention.intervalMs` (if enabled)
 * and the answer to `archive --now` (checked every second), on the archiver's own connection, which `close`
 * closes at stop. Nothing runs without `retention` or on an in-memory database.
 */
export class RetentionSchedule {
  /** The archiver's connection while retention runs. */
  private archive: ArchiveStore | null = null;

  constructor(
    private readonly options: EngineOptions,
    private readonly runtime: DurableRuntime,
    private readonly periodic: PeriodicTasks,
  ) {}

  /** Opens the archiver's connection and schedules the passes and the answers to `archive --now`. */
  start(): void {
    const { retention: options, dbPath, clock, logger } = this.options;
    if (options === undefined || dbPath === ':memory:') return;
    if (isPostgresUrl(dbPath)) {
      // The archive is a set of SQLite files moved out of a SQLite database; PostgreSQL keeps everything.
      logger.info({}, 'retention: not available on PostgreSQL; ended orders stay in the database');
      return;
    }
    const archive = ArchiveStore.open(dbPath, options.dir);
    this.archive = archive;
    const held = (id: string) => this.runtime.actor(id) !== undefined;
    const retention = new Retention(
      { archive, registry: this.runtime.registry, clock, logger, held },
      options,
    );
    const failed = (err: unknown) =>
      logger.warn(
        { code: 'ARCHIVE_FAILED', err: describeError(err) },
        'archiving failed; retried at the next pass',
      );
    if (options.intervalMs !== null)
      this.periodic.every(options.intervalMs, () => retention.pass().catch(failed));
    this.periodic.every(1000, () => answerArchiveRequest(archive, retention).catch(failed));
  }

  /** Closes the archiver's connection, if retention ran (after the periodic tasks stopped). */
  close(): void {
    this.archive?.close();
  }
}
