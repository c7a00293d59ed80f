import { sql } from 'kysely';
import { bind } from '../bound-statement.js';
import type { BoundStatement } from '../bound-statement.js';
import { archiveDb as db, elementsOf, moveIds as ids, rangeFields as range } from './archive-db.js';

type Moved = 'actors' | 'journal' | 'ignored_facts' | 'outbox' | 'orders' | 'fills';

/** `count(*)` of the rows of `table` whose `column` is in the JSON list `list`. */
function counted(table: `${'main' | 'arc'}.${Moved}`, column: string, list: string): BoundStatement {
  return bind(
    db
      .selectFrom(table)
      .select(sql<number>`count(*)`.as('n'))
      .where(sql.ref(column), 'in', elementsOf(list)),
  );
}

/** A moved table's rows of a move, counted in the live file and in the archive file. */
export interface CountPair {
  main: BoundStatement;
  arc: BoundStatement;
}

const pair = (table: Moved, column: string, list: string): CountPair => ({
  main: counted(`main.${table}`, column, list),
  arc: counted(`arc.${table}`, column, list),
});

/** Checked after a move's copy and before its delete: the archive holds every row the delete removes. */
export const MOVE_COUNTS: readonly CountPair[] = [
  pair('actors', 'id', ids.ids),
  pair('journal', 'actor_id', ids.ids),
  pair('ignored_facts', 'actor_id', ids.ids),
  pair('outbox', 'actor_id', ids.ids),
  pair('orders', 'client_order_id', ids.orderIds),
  pair('fills', 'client_order_id', ids.orderIds),
];

const journalRange = (schema: 'main' | 'arc') =>
  bind(
    db
      .selectFrom(`${schema}.journal`)
      .select(sql<number>`count(*)`.as('n'))
      .where('actor_id', '=', range.actorId)
      .where('rev', '>', range.from)
      .where('rev', '<=', range.to),
  );

/** The same check for a long-lived actor's journal rows. */
export const RANGE_COUNTS: CountPair = { main: journalRange('main'), arc: journalRange('arc') };
