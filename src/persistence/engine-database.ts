import type { Kysely } from 'kysely';
import type { CommitPlan } from './commit-plan.js';
import type { CommitOutcome } from './commit-set.js';
import type { Dialect } from './dialect.js';
import type { Durability } from './durability.js';
import type { ActorReader, SnapshotReader, TradeReader } from './engine-store.js';
import type { Database } from './schema.js';

/** An open engine database, SQLite or PostgreSQL. */
export interface EngineDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** The SQLite file, or the PostgreSQL URL with its password redacted: the form logs and reports show. */
  readonly location: string;
  readonly durability: Durability;
  /** Switches fsync-on-commit for the next transactions on this connection (never call inside one). */
  setFullSync(full: boolean): void;
  /** What commits the runtime's batches: the SQLite writer thread, or the PostgreSQL writer; null: Kysely. */
  readonly writer: { commit(plan: CommitPlan): Promise<CommitOutcome> } | null;
  /** Reads one actor's committed snapshot synchronously (SQLite only: lets recovery restore lazily). */
  readonly readSnapshot?: SnapshotReader;
  /** Reads the fill ledger's rows of trade ids at a venue synchronously (SQLite only). */
  readonly readTrades?: TradeReader;
  /** Reads the named actors' rows synchronously (SQLite only). */
  readonly readActors?: ActorReader;
  close(): Promise<void>;
}
