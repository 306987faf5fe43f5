import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { shouldApplyStatus, type OutboundStatus } from './delivery-status.ts';

const meta: OutboundStatus[] = ['sent', 'delivered', 'read', 'failed'];

function fold(order: OutboundStatus[]): string {
  let s = 'accepted';
  for (const x of order) if (shouldApplyStatus(s, x)) s = x;
  return s;
}

test('any order of sent/delivered/read ends at read', () => {
  fc.assert(
    fc.property(
      fc.shuffledSubarray(['sent', 'delivered', 'read'] as OutboundStatus[], { minLength: 3, maxLength: 3 }),
      (order) => fold(order) === 'read',
    ),
  );
});

test('duplicates never move a message backwards', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom<OutboundStatus>('sent', 'delivered', 'read'), { minLength: 1, maxLength: 12 }), (order) => {
      const rank = { accepted: 0, sent: 1, delivered: 2, read: 3 } as Record<string, number>;
      const best = Math.max(...order.map((o) => rank[o]!));
      return rank[fold(order)] === best;
    }),
  );
});

test('failed is terminal, and does not undo a delivered or read message', () => {
  assert.equal(fold(['sent', 'failed', 'delivered']), 'failed');
  assert.equal(fold(['failed', 'sent']), 'failed');
  assert.equal(fold(['delivered', 'failed']), 'delivered');
  assert.equal(fold(['read', 'failed']), 'read');
  fc.assert(fc.property(fc.array(fc.constantFrom(...meta), { maxLength: 8 }), (rest) => fold(['failed', ...rest]) === 'failed'));
});
