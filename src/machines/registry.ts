import type { AnyStateMachine } from 'xstate';
import { ADJUST_ORDERS_MACHINE_VERSION, adjustOrdersMachine } from './adjust-orders.machine.js';
import type { CallKind } from './messages.js';
import { ORDER_CALL_KINDS, ORDER_MACHINE_VERSION, ORDER_VENUE_FACTS, orderMachine } from './order.machine.js';
import { orderMigrations } from './order.migrations.js';
import type { SnapshotMigration } from './snapshot-migration.js';

export type { PersistedSnapshot, SnapshotMigration } from './snapshot-migration.js';
import { POSITION_BOOK_MACHINE_VERSION, positionBookMachine } from './position-book.machine.js';

/** One machine the runtime can host. */
export interface MachineEntry {
  machine: AnyStateMachine;
  /** Current definition version; snapshots carry the version that wrote them. */
  version: number;
  /** `migrations[n]` turns a version-n snapshot into version n + 1. */
  migrations: Record<number, SnapshotMigration>;
  /** The kind of each call (invoked actor `src`) the machine starts; a call not listed counts as a write. */
  calls: Readonly<Record<string, CallKind>>;
  /**
   * The events that are venue facts (reports, fills): one the machine does not take is recorded as an
   * ignored fact, never dropped silently. A call's answer (`xstate.done.actor.*`, `xstate.error.actor.*`)
   * is a venue fact for every machine.
   */
  facts: readonly string[];
}

/** Every machine of the engine, by machine id. */
export const machineRegistry: Record<string, MachineEntry> = {
  [orderMachine.id]: {
    machine: orderMachine,
    version: ORDER_MACHINE_VERSION,
    migrations: orderMigrations,
    calls: ORDER_CALL_KINDS,
    facts: ORDER_VENUE_FACTS,
  },
  [positionBookMachine.id]: {
    machine: positionBookMachine,
    version: POSITION_BOOK_MACHINE_VERSION,
    migrations: {},
    calls: {},
    facts: ['APPLY_FILL'],
  },
  [adjustOrdersMachine.id]: {
    machine: adjustOrdersMachine,
    version: ADJUST_ORDERS_MACHINE_VERSION,
    migrations: {},
    calls: {},
    facts: [],
  },
};
