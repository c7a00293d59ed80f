import type { Migration, MigrationProvider } from 'kysely';
import { engineTables } from './0001-engine-tables.js';
import { domainTables } from './0002-domain-tables.js';
import { settlingFills } from './0003-settling-fills.js';
import { tradingState } from './0004-trading-state.js';
import { retention } from './0005-retention.js';
import { ignoredFacts } from './0006-ignored-facts.js';

/** All schema migrations, in order. Names sort lexically; never rename or edit a released one. */
export const migrations: Record<string, Migration> = {
  '0001-engine-tables': engineTables,
  '0002-domain-tables': domainTables,
  '0003-settling-fills': settlingFills,
  '0004-trading-state': tradingState,
  '0005-retention': retention,
  '0006-ignored-facts': ignoredFacts,
};

/** Kysely MigrationProvider over the in-code migrations (no file system scan, works under any loader). */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
