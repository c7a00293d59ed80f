/** A persisted snapshot as JSON (what `machine.getPersistedSnapshot` returns). */
export type PersistedSnapshot = Record<string, unknown> & {
  value: unknown;
  context: Record<string, unknown>;
};

/** Rewrites a snapshot of version N into version N + 1. Pure; tested per migration. */
export type SnapshotMigration = (snapshot: PersistedSnapshot) => PersistedSnapshot;
