import type { Database } from '../schema.js';

/**
 * Every column of a table, in one order for a copy's insert and select: the list must name them all (a
 * column left out would make a copy fail, or lose it).
 */
function everyColumn<T>() {
  return <const C extends readonly (keyof T & string)[]>(
    columns: Exclude<keyof T, C[number]> extends never ? C : { missing: Exclude<keyof T, C[number]> },
  ): C => columns as C;
}

/** The columns of each table a move copies. */
export const ACTOR_COLUMNS = everyColumn<Database['actors']>()([
  'id',
  'machine',
  'version',
  'rev',
  'state',
  'live',
  'snapshot',
  'created_at',
  'updated_at',
]);
export const JOURNAL_COLUMNS = everyColumn<Database['journal']>()([
  'seq',
  'batch',
  'actor_id',
  'rev',
  'event_type',
  'event',
  'state',
  'at',
]);
export const IGNORED_FACT_COLUMNS = everyColumn<Database['ignored_facts']>()([
  'seq',
  'batch',
  'actor_id',
  'rev',
  'event_type',
  'event',
  'state',
  'reason',
  'at',
]);
export const OUTBOX_COLUMNS = everyColumn<Database['outbox']>()([
  'key',
  'actor_id',
  'child_id',
  'src',
  'input',
  'status',
  'created_at',
  'closed_at',
  'result',
]);
export const ORDER_COLUMNS = everyColumn<Database['orders']>()([
  'client_order_id',
  'venue',
  'symbol',
  'side',
  'type',
  'price',
  'quantity',
  'state',
  'venue_order_id',
  'level',
  'owner',
  'reason',
  'anomalies',
  'fill_gap',
  'created_at',
  'updated_at',
]);
export const FILL_COLUMNS = everyColumn<Database['fills']>()([
  'venue',
  'trade_id',
  'client_order_id',
  'venue_order_id',
  'symbol',
  'side',
  'price',
  'quantity',
  'fee',
  'fee_currency',
  'liquidity',
  'at',
  'status',
  'recorded_at',
]);
