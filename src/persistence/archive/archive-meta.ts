import { bind, fieldsOf } from '../bound-statement.js';
import type { BoundStatement } from '../bound-statement.js';
import type { Database } from '../schema.js';
import { sqliteCompiler } from '../sqlite-compiler.js';

const db = sqliteCompiler<{ 'main.meta': Database['meta'] }>();
const meta = fieldsOf<{ key: string; value: string }>();

/** Meta reads and writes of the archiver's connection (the archive request and its answer). */
export const META = {
  get: bind(db.selectFrom('main.meta').select('value').where('key', '=', meta.key)),
  set: bind(
    db
      .insertInto('main.meta')
      .values({ key: meta.key, value: meta.value })
      .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') }))),
  ),
} satisfies Record<string, BoundStatement>;

/** Meta key of a request to archive now (`archive --now` while an engine runs): JSON ArchiveRequest. */
export const ARCHIVE_REQUEST_KEY = 'archive.request';
/** Meta key of the running engine's answer to the last request: JSON { id, report } or { id, error }. */
export const ARCHIVE_ANSWER_KEY = 'archive.answer';
