import fs from 'node:fs';
import { systemClock } from '../src/domain/clock.js';
import type { Clock } from '../src/domain/clock.js';
import { describeError } from '../src/domain/errors.js';
import { isPostgresUrl } from '../src/persistence/postgres.js';
import { VisualizerQuery } from '../src/persistence/visualizer-query.js';

/**
 * The engine database, opened read-only. If the file does not exist yet (the visualizer was started
 * before the engine), it is opened on first use after it appears; until then `get()` returns null and
 * `waitingFor` says why.
 */
export class DatabaseSource {
  private query: VisualizerQuery | null = null;
  private opening: Promise<VisualizerQuery | null> | null = null;
  private lastTry = 0;
  /** Why the database is not open yet, or null once it is. */
  waitingFor: string | null = null;

  private constructor(
    readonly file: string,
    private readonly clock: Clock,
  ) {}

  /**
   * Opens `file` now if it exists (a file that is not an engine database is refused with INVALID_INPUT
   * naming `--db`); if it does not exist, waits for it.
   */
  static async open(file: string, clock: Clock = systemClock): Promise<DatabaseSource> {
    const source = new DatabaseSource(file, clock);
    if (exists(file)) source.query = await VisualizerQuery.open(file);
    else source.waitingFor = `no database at ${file} yet`;
    return source;
  }

  /** The open database, or null while waiting for it (retried at most twice a second). */
  async get(): Promise<VisualizerQuery | null> {
    if (this.query !== null) return this.query;
    if (this.opening !== null) return this.opening;
    if (this.clock.now() - this.lastTry < 500 || !exists(this.file)) return null;
    this.lastTry = this.clock.now();
    this.opening = VisualizerQuery.open(this.file)
      .then((q) => {
        this.query = q;
        this.waitingFor = null;
        return q;
      })
      .catch((err: unknown) => {
        this.waitingFor = describeError(err);
        return null;
      })
      .finally(() => {
        this.opening = null;
      });
    return this.opening;
  }

  /** Closes the connection if open. */
  async close(): Promise<void> {
    await this.opening;
    await this.query?.close();
    this.query = null;
  }
}

/** A SQLite file exists or not; a PostgreSQL database is asked (VisualizerQuery.open refuses a wrong one). */
function exists(target: string): boolean {
  return isPostgresUrl(target) || fs.existsSync(target);
}
