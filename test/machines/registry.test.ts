import type { AnyStateNode } from 'xstate';
import { describe, expect, it } from 'vitest';
import { machineRegistry } from '../../src/machines/registry.js';

/** Every state node of a machine, depth first. */
function nodesOf(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((child) => nodesOf(child))];
}

describe('machine registry', () => {
  it.each(Object.entries(machineRegistry))(
    'declares, beside machine %s, whether each call it invokes is a read or a write',
    (_id, entry) => {
      const invoked = new Set(nodesOf(entry.machine.root).flatMap((n) => n.invoke.map((i) => String(i.src))));
      expect(Object.keys(entry.calls).sort()).toEqual([...invoked].sort());
    },
  );

  it('the order machine places and cancels (writes, never resent blindly) and looks up (a read)', () => {
    expect(machineRegistry.order!.calls).toEqual({
      placeOrder: 'write',
      cancelOrder: 'write',
      lookupOrder: 'read',
    });
  });
});
