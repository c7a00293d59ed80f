import type { AnyStateMachine } from 'xstate';
import { ADJUST_ORDERS_MACHINE_VERSION, adjustOrdersMachine } from './adjust-orders.machine.js';
import { ORDER_MACHINE_VERSION, orderMachine } from './order.machine.js';
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
}

/** Every machine of the engine, by machine id. */
export const machineRegistry: Record<string, MachineEntry> = {
  [orderMachine.id]: { machine: orderMachine, version: ORDER_MACHINE_VERSION, migrations: orderMigrations },
  [positionBookMachine.id]: {
    machine: positionBookMachine,
    version: POSITION_BOOK_MACHINE_VERSION,
    migrations: {},
  },
  [adjustOrdersMachine.id]: {
    machine: adjustOrdersMachine,
    version: ADJUST_ORDERS_MACHINE_VERSION,
    migrations: {},
  },
};
