import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/persistence/migrate.js';
import type { Database } from '../../src/persistence/schema.js';
import { databasePerTest, dialects } from '../support/dialects.js';
import type { TestDialect } from '../support/dialects.js';

/** A column as both dialects can tell it: name, declared type (lower case) and whether it admits null. */
type Column = [name: string, type: string, nullable: boolean];

/** An index the migrations created (not one backing a primary key), its predicate normalised. */
interface Index {
  name: string;
  table: string;
  columns: string[];
  unique: boolean;
  where: string | null;
}

/** `live = 0`, `(live = 0)`, `(status = 'contested'::text)`: the same predicate, written one way. */
function predicate(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  return text
    .replace(/::text/g, '')
    .replace(/[()]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

async function tablesOf(dialect: TestDialect, db: Kysely<Database>): Promise<Record<string, Column[]>> {
  const tables: Record<string, Column[]> = {};
  if (dialect.name === 'sqlite') {
    const names = await sql<{ name: string }>`select name from sqlite_master where type = 'table'
      and name not like 'sqlite_%' order by name`.execute(db);
    for (const { name } of names.rows) {
      const cols = await sql<{ name: string; type: string; notnull: number; pk: number }>`select name, type,
        "notnull", pk from pragma_table_info(${name}) order by cid`.execute(db);
      // A primary key column never holds null, declared so or not.
      tables[name] = cols.rows.map((c) => [c.name, c.type.toLowerCase(), c.notnull === 0 && c.pk === 0]);
    }
  } else {
    const cols = await sql<{
      table_name: string;
      column_name: string;
      data_type: string;
      is_nullable: string;
    }>`
      select table_name, column_name, data_type, is_nullable from information_schema.columns
      where table_schema = current_schema() order by table_name, ordinal_position`.execute(db);
    for (const c of cols.rows) {
      const type = c.data_type === 'character varying' ? 'varchar(255)' : c.data_type;
      (tables[c.table_name] ??= []).push([c.column_name, type, c.is_nullable === 'YES']);
    }
  }
  return tables;
}

async function indexesOf(dialect: TestDialect, db: Kysely<Database>): Promise<Index[]> {
  if (dialect.name === 'sqlite') {
    const rows = await sql<{ name: string; tbl_name: string; sql: string }>`select name, tbl_name, sql
      from sqlite_master where type = 'index' and sql is not null order by name`.execute(db);
    const out: Index[] = [];
    for (const r of rows.rows) {
      const info = await sql<{
        name: string;
      }>`select name from pragma_index_info(${r.name}) order by seqno`.execute(db);
      out.push({
        name: r.name,
        table: r.tbl_name,
        columns: info.rows.map((c) => c.name),
        unique: /^create unique index/i.test(r.sql),
        where: predicate(/ where (.*)$/is.exec(r.sql)?.[1]),
      });
    }
    return out;
  }
  const rows = await sql<{
    name: string;
    table: string;
    columns: string[];
    unique: boolean;
    where: string | null;
  }>`
    select i.relname as name, t.relname as "table", ix.indisunique as "unique",
      pg_get_expr(ix.indpred, ix.indrelid) as "where",
      array(select a.attname from unnest(ix.indkey) with ordinality k(attnum, n)
        join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum order by k.n)::text[] as columns
    from pg_index ix join pg_class i on i.oid = ix.indexrelid join pg_class t on t.oid = ix.indrelid
    join pg_namespace ns on ns.oid = t.relnamespace
    where ns.nspname = current_schema() and not ix.indisprimary order by i.relname`.execute(db);
  return rows.rows.map((r) => ({
    name: r.name,
    table: r.table,
    columns: r.columns,
    unique: r.unique,
    where: predicate(r.where),
  }));
}

const TEXT = 'text';
const INT = 'integer';
const BIG = 'bigint';

/** The engine's tables as the migrations define them, on either dialect. */
const ENGINE_TABLES: Record<string, Column[]> = {
  actors: [
    ['id', TEXT, false],
    ['machine', TEXT, false],
    ['version', INT, false],
    ['rev', INT, false],
    ['state', TEXT, false],
    ['live', INT, false],
    ['snapshot', TEXT, false],
    ['created_at', BIG, false],
    ['updated_at', BIG, false],
  ],
  anomalies: [
    ['kind', TEXT, false],
    ['subject', TEXT, false],
    ['detail', TEXT, false],
    ['count', INT, false],
    ['first_at', BIG, false],
    ['last_at', BIG, false],
    ['acknowledged_at', BIG, true],
    ['acknowledged_note', TEXT, true],
  ],
  fills: [
    ['venue', TEXT, false],
    ['trade_id', TEXT, false],
    ['client_order_id', TEXT, true],
    ['venue_order_id', TEXT, false],
    ['symbol', TEXT, false],
    ['side', TEXT, false],
    ['price', TEXT, false],
    ['quantity', TEXT, false],
    ['fee', TEXT, false],
    ['fee_currency', TEXT, false],
    ['liquidity', TEXT, true],
    ['at', BIG, false],
    ['status', TEXT, false],
    ['recorded_at', BIG, false],
  ],
  journal: [
    // SQLite's 64-bit INTEGER PRIMARY KEY AUTOINCREMENT; a bigint identity on PostgreSQL (checked below).
    ['seq', 'sequence', false],
    ['batch', BIG, false],
    ['actor_id', TEXT, false],
    ['rev', INT, false],
    ['event_type', TEXT, false],
    ['event', TEXT, false],
    ['state', TEXT, false],
    ['at', BIG, false],
  ],
  ignored_facts: [
    ['seq', 'sequence', false],
    ['batch', BIG, false],
    ['actor_id', TEXT, false],
    ['rev', INT, false],
    ['event_type', TEXT, false],
    ['event', TEXT, false],
    ['state', TEXT, false],
    ['reason', TEXT, false],
    ['at', BIG, false],
  ],
  journal_base: [
    ['actor_id', TEXT, false],
    ['machine', TEXT, false],
    ['version', INT, false],
    ['rev', INT, false],
    ['state', TEXT, false],
    ['snapshot', TEXT, false],
    ['at', BIG, false],
  ],
  leases: [
    ['name', TEXT, false],
    ['owner', TEXT, false],
    ['token', BIG, false],
    ['expires_at', BIG, false],
  ],
  meta: [
    ['key', TEXT, false],
    ['value', TEXT, false],
  ],
  orders: [
    ['client_order_id', TEXT, false],
    ['venue', TEXT, false],
    ['symbol', TEXT, false],
    ['side', TEXT, false],
    ['type', TEXT, false],
    ['price', TEXT, true],
    ['quantity', TEXT, false],
    ['state', TEXT, false],
    ['venue_order_id', TEXT, true],
    ['level', TEXT, true],
    ['owner', TEXT, true],
    ['reason', TEXT, true],
    ['anomalies', INT, false],
    ['created_at', BIG, false],
    ['updated_at', BIG, false],
    ['fill_gap', TEXT, true],
  ],
  outbox: [
    ['key', TEXT, false],
    ['actor_id', TEXT, false],
    ['child_id', TEXT, false],
    ['src', TEXT, false],
    ['input', TEXT, false],
    ['status', TEXT, false],
    ['created_at', BIG, false],
    ['closed_at', BIG, true],
    ['result', TEXT, true],
  ],
  positions: [
    ['venue', TEXT, false],
    ['symbol', TEXT, false],
    ['quantity', TEXT, false],
    ['average_price', TEXT, false],
    ['realized_pnl', TEXT, false],
    ['fees', TEXT, false],
    ['fill_count', INT, false],
    ['updated_at', BIG, false],
  ],
  timers: [
    ['actor_id', TEXT, false],
    ['timer_id', TEXT, false],
    ['event', TEXT, false],
    ['due_at', BIG, false],
  ],
  trading_state: [
    ['id', INT, false],
    ['state', TEXT, false],
    ['reason', TEXT, true],
    ['version', INT, false],
    ['cancel_requested', INT, false],
    ['changed_at', BIG, false],
  ],
};

/** Every index the migrations create, with the partial ones' conditions. */
const ENGINE_INDEXES: Index[] = [
  {
    name: 'actors_ended',
    table: 'actors',
    columns: ['machine', 'updated_at'],
    unique: false,
    where: 'live = 0',
  },
  { name: 'actors_live', table: 'actors', columns: ['live', 'machine'], unique: false, where: null },
  {
    name: 'fills_contested',
    table: 'fills',
    columns: ['venue', 'client_order_id'],
    unique: false,
    where: "status = 'contested'",
  },
  {
    name: 'ignored_facts_actor',
    table: 'ignored_facts',
    columns: ['actor_id', 'seq'],
    unique: false,
    where: null,
  },
  { name: 'journal_actor', table: 'journal', columns: ['actor_id', 'rev'], unique: true, where: null },
  {
    name: 'orders_fill_gap',
    table: 'orders',
    columns: ['venue'],
    unique: false,
    where: 'fill_gap is not null',
  },
  { name: 'orders_state', table: 'orders', columns: ['state', 'symbol'], unique: false, where: null },
  {
    name: 'orders_venue_id',
    table: 'orders',
    columns: ['venue', 'venue_order_id'],
    unique: false,
    where: null,
  },
  { name: 'outbox_actor', table: 'outbox', columns: ['actor_id'], unique: false, where: null },
  { name: 'outbox_status', table: 'outbox', columns: ['status'], unique: false, where: null },
];

const MIGRATIONS = [
  '0001-engine-tables',
  '0002-domain-tables',
  '0003-settling-fills',
  '0004-trading-state',
  '0005-retention',
  '0006-ignored-facts',
];

describe.each(dialects)('schema on $name', (dialect) => {
  const t = databasePerTest(dialect);

  it('the migrations create every table with the same columns, types and nullability', async () => {
    const tables = await tablesOf(dialect, t.db);
    const { kysely_migration: _migrations, kysely_migration_lock: _lock, ...engine } = tables;
    expect(Object.keys(tables).sort()).toEqual(
      [...Object.keys(ENGINE_TABLES), 'kysely_migration', 'kysely_migration_lock'].sort(),
    );
    for (const table of [engine.journal, engine.ignored_facts]) {
      expect(table?.[0]).toEqual(['seq', dialect.name === 'sqlite' ? 'integer' : 'bigint', false]);
      if (table !== undefined) table[0] = ['seq', 'sequence', false];
    }
    expect(engine).toEqual(ENGINE_TABLES);
  });

  it('the migrations create every index, unique and partial ones alike', async () => {
    expect(await indexesOf(dialect, t.db)).toEqual(ENGINE_INDEXES);
  });

  it('the journal numbers its rows by itself, from 1', async () => {
    const row = { batch: 1, actor_id: 'a', event_type: 'x', event: '{}', state: 's', at: 5 };
    await t.db
      .insertInto('journal')
      .values([
        { ...row, rev: 1 },
        { ...row, rev: 2 },
      ])
      .execute();
    expect(await t.db.selectFrom('journal').select(['seq', 'rev', 'at']).orderBy('seq').execute()).toEqual([
      { seq: 1, rev: 1, at: 5 },
      { seq: 2, rev: 2, at: 5 },
    ]);
  });

  it('migrating again runs nothing and keeps the data; the trading state is one row', async () => {
    await t.db.insertInto('meta').values({ key: 'probe', value: 'kept' }).execute();
    await migrate(t.db);
    const applied = await t.db
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .orderBy('name' as never)
      .execute();
    expect(applied.map((r) => (r as { name: string }).name)).toEqual(MIGRATIONS);
    expect(await t.db.selectFrom('meta').selectAll().execute()).toEqual([{ key: 'probe', value: 'kept' }]);
    const second = t.db
      .insertInto('trading_state')
      .values({ id: 2, state: 'active', reason: null, version: 0, cancel_requested: 0, changed_at: 0 })
      .execute();
    await expect(second).rejects.toThrow(/check/i);
  });
});
