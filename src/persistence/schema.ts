import type { Generated } from 'kysely';

/**
 * The engine's database. Engine tables (actors, journal, outbox, timers, meta, leases) hold the durable
 * runtime; domain tables (orders, fills, positions, anomalies) are projections kept in the same
 * transaction, for queries and `npm run status`. Decimals are TEXT, times are integer ms.
 */
export interface Database {
  actors: ActorsTable;
  journal: JournalTable;
  outbox: OutboxTable;
  timers: TimersTable;
  meta: MetaTable;
  leases: LeasesTable;
  orders: OrdersTable;
  fills: FillsTable;
  positions: PositionsTable;
  anomalies: AnomaliesTable;
  trading_state: TradingStateTable;
  journal_base: JournalBaseTable;
  ignored_facts: IgnoredFactsTable;
}

/** One row per actor: its latest persisted snapshot and revision. */
export interface ActorsTable {
  id: string;
  machine: string;
  version: number;
  rev: number;
  /** Dotted state path, e.g. `unconfirmed.waiting`. */
  state: string;
  /** 1 while the actor can still change by itself or by venue facts it waits for; 0 once terminal. */
  live: number;
  snapshot: string;
  created_at: number;
  updated_at: number;
}

/**
 * Where an actor's journal starts when its oldest rows moved to an archive file: the snapshot after rev
 * `rev` (written by machine version `version`); replay goes on from there with the rows after it.
 */
export interface JournalBaseTable {
  actor_id: string;
  machine: string;
  version: number;
  rev: number;
  state: string;
  snapshot: string;
  /** When the last archived row was journaled. */
  at: number;
}

/** Append-only (until archived): every event applied to every actor, with the state it led to. */
export interface JournalTable {
  seq: Generated<number>;
  /** Events committed in the same transaction share a batch number. */
  batch: number;
  actor_id: string;
  rev: number;
  event_type: string;
  event: string;
  state: string;
  at: number;
}

/**
 * A venue fact an actor did not take (its snapshot unchanged): the revision it met, the state, and why.
 * Beside the journal, which holds one row per revision.
 */
export interface IgnoredFactsTable {
  seq: Generated<number>;
  batch: number;
  actor_id: string;
  /** The actor's revision when the fact arrived (the fact changed nothing, so it has none of its own). */
  rev: number;
  event_type: string;
  event: string;
  state: string;
  reason: string;
  at: number;
}

/** One row per exchange call a transition started. */
export interface OutboxTable {
  /** `<actor>/<invokeId>/<rev>`: deterministic. */
  key: string;
  actor_id: string;
  child_id: string;
  src: string;
  input: string;
  /** `pending` until its result is applied (`done`) or the machine stopped waiting (`abandoned`). */
  status: string;
  created_at: number;
  closed_at: number | null;
  result: string | null;
}

/** Durable delayed transitions (`after`). */
export interface TimersTable {
  actor_id: string;
  timer_id: string;
  event: string;
  due_at: number;
}

/** Small engine facts: install id, boot epoch, trade cursors. */
export interface MetaTable {
  key: string;
  value: string;
}

/**
 * The desk's trading state, one row (id 1): `active`, `reducing` (only orders that shrink the position)
 * or `halted` (no new orders). `version` is bumped by every change; a guarded call intent is inserted only
 * while it is still the version the engine decided under (commit-statements.ts, insertOutbox).
 */
export interface TradingStateTable {
  id: number;
  state: string;
  reason: string | null;
  version: number;
  /** 1: the change asked the running engine to cancel every live order (`halt --cancel`). */
  cancel_requested: number;
  changed_at: number;
}

/** Single-writer leases with a fencing token. */
export interface LeasesTable {
  name: string;
  owner: string;
  token: number;
  expires_at: number;
}

/**
 * Projection of each order's lifecycle (intent, state, venue id, reason), rewritten when one of those
 * changes. Fill progress lives in the fill ledger and the order's snapshot, not here: a per-fill rewrite of
 * this row would cost a random page write on every fill.
 */
export interface OrdersTable {
  client_order_id: string;
  venue: string;
  symbol: string;
  side: string;
  type: string;
  price: string | null;
  quantity: string;
  state: string;
  venue_order_id: string | null;
  level: string | null;
  owner: string | null;
  reason: string | null;
  anomalies: number;
  /**
   * How much more the venue reports filled than the ledger holds for this order (a decimal string), or
   * null: trades still to fetch. Set and cleared by the projection.
   */
  fill_gap: string | null;
  created_at: number;
  updated_at: number;
}

/** The fill ledger: one row per venue trade, ever. */
export interface FillsTable {
  venue: string;
  trade_id: string;
  client_order_id: string | null;
  venue_order_id: string;
  symbol: string;
  side: string;
  price: string;
  quantity: string;
  fee: string;
  fee_currency: string;
  liquidity: string | null;
  at: number;
  /**
   * `applied` (to order and position), `orphan` (order unknown; applied to position), `contested` (a trade
   * id the ledger already had, with other content: held until the venue's filled quantity decides; its
   * `trade_id` is the venue's id plus `~` and a digest of its content), `dismissed` (a contested version
   * the venue's filled quantity did not need), `quarantined` (an overfill, before overfills were applied).
   */
  status: string;
  recorded_at: number;
}

/** Projection of each position book. */
export interface PositionsTable {
  venue: string;
  symbol: string;
  quantity: string;
  average_price: string;
  realized_pnl: string;
  fees: string;
  fill_count: number;
  updated_at: number;
}

/**
 * Venue facts that need a human: unknown orders, overfills, vanished orders, reused trade ids. Upserted by
 * kind and subject. The kinds that are alerts (see engine/operator-notices.ts) are repeated to the operator
 * until acknowledged; a new occurrence clears the acknowledgement.
 */
export interface AnomaliesTable {
  kind: string;
  subject: string;
  detail: string;
  count: number;
  first_at: number;
  last_at: number;
  /** When an operator acknowledged it (`npm run cli -- ack`), or null. */
  acknowledged_at: number | null;
  /** What the operator said when acknowledging, or null. */
  acknowledged_note: string | null;
}
