import type Database from 'better-sqlite3';
import type { Compilable } from 'kysely';
import { bind, bindRecord } from '../bound-statement.js';
import type { BoundStatement, Fields } from '../bound-statement.js';

/**
 * A BoundStatement run with records of type R, whose rows (a SELECT's, or an INSERT's or UPDATE's
 * RETURNING) are O. R and O are types only: the value is the plain BoundStatement.
 */
export interface RecordStatement<R extends object, O> extends BoundStatement {
  readonly types?: (record: R) => O;
}

/**
 * `bind(query)`, typed by the record its parameters come from (`fields`, from `fieldsOf<R>()`, the fields
 * the query was built with) and by the query's rows.
 */
export function bindFor<R extends object, O>(
  _fields: Fields<R>,
  query: Compilable<O>,
): RecordStatement<R, O> {
  return bind(query);
}

/** A RecordStatement prepared once on a better-sqlite3 connection; each run binds one record. */
export class PreparedRecordStatement<R extends object, O> {
  readonly #bound: BoundStatement;
  readonly #prepared: Database.Statement<unknown[]>;

  constructor(db: Database.Database, statement: RecordStatement<R, O>) {
    this.#bound = statement;
    this.#prepared = db.prepare(statement.sql);
  }

  /** Runs a write; its changes and last row id. */
  run(record: R): Database.RunResult {
    return this.#prepared.run(bindRecord(this.#bound, record));
  }

  /** The first row (of a SELECT, or of a write's RETURNING), if any. */
  get(record: R): O | undefined {
    return this.#prepared.get(bindRecord(this.#bound, record)) as O | undefined;
  }

  /** Every row. */
  all(record: R): O[] {
    return this.#prepared.all(bindRecord(this.#bound, record)) as O[];
  }
}

/** The prepared form of each statement of a set of RecordStatements. */
export type PreparedRecordStatements<S> = {
  [K in keyof S]: S[K] extends RecordStatement<infer R, infer O> ? PreparedRecordStatement<R, O> : never;
};

/** Prepares every statement of `statements` on `db`, once. */
export function prepareRecordStatements<S extends Record<string, RecordStatement<never, unknown>>>(
  db: Database.Database,
  statements: S,
): PreparedRecordStatements<S> {
  const prepared: Record<string, PreparedRecordStatement<object, unknown>> = {};
  for (const [name, statement] of Object.entries(statements)) {
    prepared[name] = new PreparedRecordStatement(db, statement);
  }
  return prepared as PreparedRecordStatements<S>;
}

/** The record of a statement without parameters. */
export type NoRecord = Record<string, never>;
