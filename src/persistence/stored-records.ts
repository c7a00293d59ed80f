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
