import { describe, expect, it } from 'vitest';
import { unreadableFrame } from '../../../src/adapters/ccxt/pushed-frames.js';

const report = { e: 'executionReport', s: 'BTCUSDT', c: 'sf1', i: 1, X: 'NEW' };

describe('unreadableFrame: what ccxt would throw on or drop without a word', () => {
  it.each([
    ['an answer to a request', { id: 7, status: 200, result: {} }],
    ['a user-data event', { subscriptionId: 0, event: report }],
    ['a bare event of a listen-key stream', report],
    ['a balance change', { subscriptionId: 0, event: { e: 'outboundAccountPosition', B: [] } }],
  ])('takes %s', (_, frame) => {
    expect(unreadableFrame(frame)).toBeNull();
  });

  it.each([
    ['a truncated message (ccxt hands on its text)', '{"subscriptionId":0,"event":{"e":"exec', 'message'],
    ['null', null, 'message'],
    ['an array', [1, 2], 'message'],
    ['an object that is neither answer nor event', { x: 1 }, 'message.e'],
    ['an event that is no object', { subscriptionId: 0, event: 'executionReport' }, 'event'],
    ['an event without its type', { subscriptionId: 0, event: { c: 'sf1' } }, 'event.e'],
    ['an event of no user-data type', { subscriptionId: 0, event: { ...report, e: 'nonsense' } }, 'event.e'],
    ['an execution report without its symbol', { subscriptionId: 0, event: { ...report, s: 5 } }, 'event.s'],
  ])('refuses %s, naming the field', (_, frame, field) => {
    expect(unreadableFrame(frame)?.field).toBe(field);
  });
});
