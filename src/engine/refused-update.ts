import type { VenueRefusal } from '../domain/venue-port.js';
import { orderActorId } from '../machines/messages.js';
import { workCommand } from '../runtime/types.js';
import type { WorkCommand } from '../runtime/types.js';

/**
 * A pushed update the adapter could not read: recorded as an anomaly with its reason (one occurrence per
 * update), and the order it names, if this database has it, is looked up at the venue (RECONCILE_ORDER)
 * rather than guessed from what could be read. Resolves with 'lookup' or 'recorded'.
 */
export function refusalCommand(venue: string, refusal: VenueRefusal): WorkCommand {
  const id = refusal.clientOrderId === null ? null : orderActorId(refusal.clientOrderId);
  return workCommand<undefined>({
    kind: 'work',
    name: 'OnOrderUpdate.refused',
    actorIds: id === null ? [] : [id],
    run: (tx) => {
      tx.recordAnomaly({
        kind: 'refused-venue-report',
        subject: `${venue}:${refusal.clientOrderId ?? 'unnamed'}`,
        detail: refusal.field === null ? refusal.reason : `${refusal.field}: ${refusal.reason}`,
      });
      if (id === null || tx.actor(id) === undefined) return 'recorded';
      return tx.send(id, { type: 'RECONCILE_ORDER', at: tx.now }) ? 'lookup' : 'recorded';
    },
  });
}
