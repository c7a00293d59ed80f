import type { FillRecord } from './commit-set.js';
import type { JournalWrite } from './commit-set.js';

/** An actor as stored: its latest snapshot and revision. */
export interface StoredActor {
  id: string;
  machine: string;
  version: number;
  rev: number;
  /** Dotted state path, e.g. `unconfirmed.waiting`. */
  state: string;
  /** 1 while the actor can still change (not terminal), else 0. */
  live: number;
  snapshot: string;
  createdAt: number;
  updatedAt: number;
}

/** A live actor without its snapshot, with the snapshot's shape key (null if it is not valid JSON). */
export interface ActorHead {
  id: string;
  machine: string;
  version: number;
  rev: number;
  createdAt: number;
  shape: string | null;
}

/** A journaled event as stored, with its place in the journal. */
export interface StoredJournalEntry extends JournalWrite {
  seq: number;
  event: string;
}

/** What the fill ledger recorded of a trade (to tell a duplicate from a reused trade id). */
export type LedgerTrade = Pick<
  FillRecord,
  'tradeId' | 'venueOrderId' | 'side' | 'price' | 'quantity' | 'status'
>;

/** The fills columns as LedgerTrade fields. */
export const LEDGER_TRADE = [
  'trade_id as tradeId',
  'venue_order_id as venueOrderId',
  'side',
  'price',
  'quantity',
  'status',
] as const;

/** The actors columns as StoredActor fields. */
export const STORED_ACTOR = [
  'id',
  'machine',
  'version',
  'rev',
  'state',
  'live',
  'snapshot',
  'created_at as createdAt',
  'updated_at as updatedAt',
] as const;
