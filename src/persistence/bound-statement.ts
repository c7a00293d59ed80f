/**
 * A compiled statement whose parameters are named by the fields of the record it is run with: `params[i]`
 * is the name of the record field bound to the i-th `?`, or `{ value }`, a constant of the statement.
 * Plain data (posted to the writer thread as it is). Built by commit-statements.ts from Kysely queries;
 * this file imports nothing, so the writer thread loads only what it runs.
 */
export interface BoundStatement {
  sql: string;
  params: readonly (string | { value: unknown })[];
}

/** The parameter values of `statement` for one record. */
export function bindRecord(statement: BoundStatement, record: object): unknown[] {
  const fields = record as Record<string, unknown>;
  const { params } = statement;
  const values = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i += 1) {
    const param = params[i]!;
    values[i] = typeof param === 'string' ? fields[param] : param.value;
  }
  return values;
}

/** The commit step whose every run must change exactly one row (the revision check). */
export const REVISION_CHECKED = 'updateActor';

/** The message of a failed revision check. */
export const REVISION_CONFLICT_MESSAGE = 'an actor was changed by another writer; refusing to overwrite';
