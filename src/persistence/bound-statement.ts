import type { Compilable } from 'kysely';
import { boundValue } from './json-column.js';
import type { PlainJson } from './json-column.js';

/**
 * A compiled statement whose parameters are named by the fields of the record it is run with: `params[i]`
 * is the name of the record field bound to the i-th `?`, or `{ value }`, a constant of the statement.
 * Plain data (posted to the writer thread as it is). Built from a Kysely query by `bind`, with `fieldsOf`
 * standing in for the record; this file imports no runtime code, so the writer thread loads only this.
 */
export interface BoundStatement {
  sql: string;
  params: readonly (string | { value: unknown })[];
}

/** Stands for a record field in a query being compiled; becomes the field's name in BoundStatement.params. */
class Field {
  constructor(readonly name: string) {}
}

/**
 * The fields of a record of type R, each standing in for its value in a query (typed as the value; a JSON
 * column as its text).
 */
export type Fields<R extends object> = { readonly [K in keyof R]-?: Exclude<R[K], PlainJson> };

/** The fields of a record of type R (see Fields). */
export function fieldsOf<R extends object>(): Fields<R> {
  return new Proxy({} as Fields<R>, {
    get: (_target, name) => new Field(String(name)),
  });
}

/** Compiles `query` once; its Field parameters become field names, every other parameter a constant. */
export function bind(query: Compilable): BoundStatement {
  const compiled = query.compile();
  return {
    sql: compiled.sql,
    params: compiled.parameters.map((p) => (p instanceof Field ? p.name : { value: p })),
  };
}

/** The parameter values of `statement` for one record (a JSON column's plain data as its text: see JsonColumn). */
export function bindRecord(statement: BoundStatement, record: object): unknown[] {
  const fields = record as Record<string, unknown>;
  const { params } = statement;
  const values = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i += 1) {
    const param = params[i]!;
    values[i] = typeof param === 'string' ? boundValue(fields[param]) : param.value;
  }
  return values;
}

/** The commit step whose every run must change exactly one row (the revision check). */
export const REVISION_CHECKED = 'updateActor';

/** The message of a failed revision check. */
export const REVISION_CONFLICT_MESSAGE = 'an actor was changed by another writer; refusing to overwrite';

/** The commit step that proves this writer still holds its lease: it must change exactly one row. */
export const FENCE_CHECKED = 'checkFence';

/** The message of a failed fence check. */
export const LEASE_LOST_MESSAGE =
  "another engine took this engine's lease over (its fencing token is newer); refusing to write";

/** The commit step whose guarded runs may insert nothing (a call intent the trading state refuses). */
export const GATED = 'insertOutbox';
