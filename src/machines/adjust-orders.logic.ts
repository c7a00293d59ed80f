import { cmpStr } from '../domain/decimal.js';
import type { DesiredOrder, Side } from '../domain/types.js';
import { adjusterActorId, orderActorId } from './messages.js';
import type { SpawnActor } from './messages.js';
import type { OrderInput, OrderTimeouts } from './order.types.js';

/** Settings every order placed by an AdjustOrders workflow gets. */
export interface OrderDefaults {
  requestWindowMs: number;
  timeouts: OrderTimeouts;
  maxAttempts: number;
}

/** An order the workflow placed or adopted and still tracks (until it is terminal). */
export interface TrackedOrder {
  clientOrderId: string;
  side: Side;
  price: string;
  quantity: string;
  level: string;
  /** A cancel has been requested: the order will go, but still counts against the limit until it has. */
  cancelling: boolean;
}

/** A desired order and, once matched or placed, the order that satisfies it. */
export interface DesiredSlot extends DesiredOrder {
  clientOrderId: string | null;
}

/** The parts of the workflow's context the planner reads. */
export interface PlanInput {
  venue: string;
  symbol: string;
  maxOpenOrders: number;
  orderDefaults: OrderDefaults;
  idPrefix: string;
  seq: number;
  desired: DesiredSlot[];
  orders: Record<string, TrackedOrder>;
}

/** Commands the planner emits. */
export type AdjustCommand =
  SpawnActor | { type: 'SUBMIT'; to: string } | { type: 'CANCEL_ORDER'; to: string; reason: string };

/** The result of one planning step. */
export interface Plan {
  desired: DesiredSlot[];
  orders: Record<string, TrackedOrder>;
  seq: number;
  commands: AdjustCommand[];
}

const sameOrder = (d: DesiredOrder, o: TrackedOrder): boolean =>
  d.side === o.side &&
  d.level === o.level &&
  cmpStr(d.price, o.price) === 0 &&
  cmpStr(d.quantity, o.quantity) === 0;

/**
 * Diffs the desired set against the tracked orders: keeps exact matches (side, level, price, quantity),
 * cancels every other order, and places missing ones while the count of orders at the venue (including
 * those being cancelled) stays under `maxOpenOrders`. Idempotent: planning twice emits nothing new.
 */
export function planAdjustment(input: PlanInput, at: number): Plan {
  const orders: Record<string, TrackedOrder> = {};
  for (const [id, o] of Object.entries(input.orders)) orders[id] = { ...o };
  const desired = input.desired.map((d) => ({ ...d }));
  const claimed = new Set(desired.flatMap((d) => (d.clientOrderId !== null ? [d.clientOrderId] : [])));
  for (const slot of desired) {
    if (slot.clientOrderId !== null) continue;
    const match = Object.values(orders).find(
      (o) => !o.cancelling && !claimed.has(o.clientOrderId) && sameOrder(slot, o),
    );
    if (match) {
      slot.clientOrderId = match.clientOrderId;
      claimed.add(match.clientOrderId);
    }
  }
  const commands: AdjustCommand[] = [];
  for (const o of Object.values(orders)) {
    if (claimed.has(o.clientOrderId) || o.cancelling) continue;
    o.cancelling = true;
    commands.push({ type: 'CANCEL_ORDER', to: orderActorId(o.clientOrderId), reason: 'not in desired set' });
  }
  let count = Object.keys(orders).length;
  let seq = input.seq;
  for (const slot of desired) {
    if (slot.clientOrderId !== null) continue;
    if (count >= input.maxOpenOrders) break;
    const clientOrderId = `${input.idPrefix}${seq.toString(36)}`;
    seq += 1;
    count += 1;
    slot.clientOrderId = clientOrderId;
    orders[clientOrderId] = {
      clientOrderId,
      side: slot.side,
      price: slot.price,
      quantity: slot.quantity,
      level: slot.level,
      cancelling: false,
    };
    const orderInput: OrderInput = {
      clientOrderId,
      venue: input.venue,
      symbol: input.symbol,
      side: slot.side,
      type: 'limit',
      price: slot.price,
      quantity: slot.quantity,
      level: slot.level,
      owner: adjusterActorId(input.venue, input.symbol),
      ...input.orderDefaults,
      at,
    };
    commands.push({
      type: 'engine.spawn',
      machine: 'order',
      id: orderActorId(clientOrderId),
      input: orderInput,
    });
    commands.push({ type: 'SUBMIT', to: orderActorId(clientOrderId) });
  }
  return { desired, orders, seq, commands };
}

/** True when nothing is left to do: no cancel outstanding, and every desired order placed or no room. */
export function isSettled(input: Pick<PlanInput, 'desired' | 'orders' | 'maxOpenOrders'>): boolean {
  const tracked = Object.values(input.orders);
  if (tracked.some((o) => o.cancelling)) return false;
  return input.desired.every((d) => d.clientOrderId !== null) || tracked.length >= input.maxOpenOrders;
}
