import pg from 'pg';
import { SteadfastError } from '../domain/errors.js';
import {
  FENCE_CHECKED,
  GATED,
  LEASE_LOST_MESSAGE,
  REVISION_CHECKED,
  REVISION_CONFLICT_MESSAGE,
  bindRecord,
} from './bound-statement.js';
import type { CommitPlan } from './commit-plan.js';
import type { CommitOutcome, OutboxWrite } from './commit-set.js';
import type { CommitStatements } from './commit-statements.js';
import { asStorageFault } from './storage-fault.js';

/**
 * Commits plans on PostgreSQL in two round trips: `BEGIN` and every statement of the plan in one
 * multi-statement query, then `COMMIT` once each statement's row count passed its check (the fence, the
 * revisions), or `ROLLBACK`. The statements are the Kysely-compiled ones of commit-statements.ts (the same
 * as on SQLite), each run with its record's values written as SQL literals, which a multi-statement query
 * requires: strings quoted by the driver's escapeLiteral, numbers as digits, null as NULL; anything else
 * is refused. One round trip per row, as a transaction through Kysely would take, cost PostgreSQL an
 * eighth of SQLite's commit rate.
 */
export class PostgresWriter {
  constructor(
    private readonly pool: pg.Pool,
    private readonly statements: CommitStatements,
  ) {}

  /** Writes one plan atomically. Resolves once committed, with the guarded intents it refused. */
  async commit(plan: CommitPlan): Promise<CommitOutcome> {
    const parts = ['begin'];
    for (const [name, records] of plan.steps) {
      const statement = this.statements[name];
      for (const record of records) parts.push(inline(statement.sql, bindRecord(statement, record)));
    }
    const client = await this.pool.connect();
    let lost: Error | undefined;
    try {
      const results = (await client.query(parts.join(';\n'))) as unknown as pg.QueryResult[];
      const refused: string[] = [];
      let failure: SteadfastError | null = null;
      let i = 1;
      for (const [name, records] of plan.steps) {
        for (const record of records) {
          const changed = results[i]?.rowCount ?? 0;
          i += 1;
          if (name === FENCE_CHECKED && changed !== 1) {
            failure ??= new SteadfastError('LEASE_LOST', LEASE_LOST_MESSAGE);
          } else if (name === REVISION_CHECKED && changed !== 1) {
            failure ??= new SteadfastError('REVISION_CONFLICT', REVISION_CONFLICT_MESSAGE);
          } else if (name === GATED && changed !== 1) refused.push((record as OutboxWrite).key);
        }
      }
      if (failure !== null) {
        await client.query('rollback');
        throw failure;
      }
      await client.query('commit');
      return { refused };
    } catch (err) {
      if (!(err instanceof SteadfastError)) {
        // A failed statement left the transaction aborted (or the connection is gone): end both.
        lost = err instanceof Error ? err : new Error(String(err));
        await client.query('rollback').catch(() => {});
      }
      throw asStorageFault(err);
    } finally {
      client.release(lost);
    }
  }
}

/** `sql` with each `$n` replaced by the n-th value as a literal (the compiled SQL has no other `$`). */
function inline(sql: string, values: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
}

/** A bound value as a PostgreSQL literal. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return pg.escapeLiteral(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  throw new SteadfastError('INTERNAL', `a commit value cannot be written as a literal: ${typeof value}`);
}
