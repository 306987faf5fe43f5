import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStatusOnlyWebhook } from './status-only-webhook.ts';

const change = (value: object, field = 'messages') => ({ field, value: { messaging_product: 'whatsapp', ...value } });
const body = (...changes: object[]) => ({ object: 'whatsapp_business_account', entry: [{ id: 'waba', changes }] });
const status = { id: 'wamid.1', status: 'sent', timestamp: '1', recipient_id: '1555' };

test('a webhook of status callbacks only is told apart from anything else Meta sends', () => {
  assert.equal(isStatusOnlyWebhook(body(change({ statuses: [status] }))), true);
  assert.equal(isStatusOnlyWebhook(body(change({ statuses: [status] }), change({ statuses: [status, status] }))), true);
  assert.equal(isStatusOnlyWebhook(body(change({ messages: [{ id: 'wamid.2' }] }))), false, 'a customer message');
  assert.equal(isStatusOnlyWebhook(body(change({ statuses: [status], messages: [{ id: 'wamid.2' }] }))), false, 'both');
  assert.equal(isStatusOnlyWebhook(body(change({ statuses: [status] }), change({ messages: [] }))), false, 'a change without statuses');
  assert.equal(isStatusOnlyWebhook(body(change({ statuses: [] }))), false, 'no status at all');
  assert.equal(isStatusOnlyWebhook(body(change({ statuses: [status], errors: [{ code: 1 }] }))), false, 'errors');
  assert.equal(isStatusOnlyWebhook(body(change({ statuses: [status] }, 'account_update'))), false, 'another field');
  assert.equal(isStatusOnlyWebhook({ object: 'whatsapp_business_account', entry: [] }), false);
  assert.equal(isStatusOnlyWebhook({ entry: 'x' }), false);
  assert.equal(isStatusOnlyWebhook(null), false);
});
