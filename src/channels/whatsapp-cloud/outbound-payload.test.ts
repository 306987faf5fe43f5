import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutboundPayloadError, toGraphMessage } from './outbound-payload.ts';

test("envelope: context for replies, biz_opaque_callback_data, key order as in Meta's docs", () => {
  const msg = toGraphMessage({
    to: '16505551234',
    content: { type: 'text', text: 'Hi' },
    replyTo: 'wamid.USER',
    bizOpaqueCallbackData: 'order-42',
  });
  assert.equal(
    JSON.stringify(msg),
    '{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","context":{"message_id":"wamid.USER"},' +
      '"biz_opaque_callback_data":"order-42","type":"text","text":{"preview_url":false,"body":"Hi"}}',
  );
  assert.equal(
    JSON.stringify(toGraphMessage({ to: '+16505551234', content: { type: 'text', text: 'x', previewUrl: true } })),
    '{"messaging_product":"whatsapp","recipient_type":"individual","to":"+16505551234","type":"text","text":{"preview_url":true,"body":"x"}}',
  );
});

test('media: id wins over link; caption only where Meta takes one; filename for documents; voice for audio', () => {
  const body = (content: Parameters<typeof toGraphMessage>[0]['content']) => {
    const m = toGraphMessage({ to: '1', content });
    return m[m.type];
  };
  assert.deepEqual(body({ type: 'image', mediaId: '7', link: 'https://x/a.png', caption: 'c' }), { id: '7', caption: 'c' });
  assert.deepEqual(body({ type: 'video', link: 'https://x/a.mp4', caption: 'c' }), { link: 'https://x/a.mp4', caption: 'c' });
  assert.deepEqual(body({ type: 'document', mediaId: '7', caption: 'c', filename: 'f.pdf' }), { id: '7', caption: 'c', filename: 'f.pdf' });
  assert.deepEqual(body({ type: 'audio', mediaId: '7', caption: 'dropped', filename: 'dropped', voice: true }), { id: '7', voice: true });
  assert.deepEqual(body({ type: 'audio', mediaId: '7', voice: false }), { id: '7' });
  assert.deepEqual(body({ type: 'sticker', mediaId: '7', caption: 'dropped' }), { id: '7' });
  assert.deepEqual(body({ type: 'image', mediaId: '', link: 'https://x/a.png' }), { link: 'https://x/a.png' });
});

test('media with neither id nor link has no Cloud API form', () => {
  assert.throws(() => toGraphMessage({ to: '1', content: { type: 'image', caption: 'c' } }), OutboundPayloadError);
  assert.throws(
    () => toGraphMessage({ to: '1', content: { type: 'document', mediaId: '', link: '' } }),
    /document message needs mediaId or link/,
  );
});

test('interactive: optional header and footer are left out when absent; list sections without title', () => {
  assert.deepEqual(toGraphMessage({ to: '1', content: { type: 'buttons', body: 'b', buttons: [{ id: 'y', title: 'Yes' }] } }).interactive, {
    type: 'button',
    body: { text: 'b' },
    action: { buttons: [{ type: 'reply', reply: { id: 'y', title: 'Yes' } }] },
  });
  assert.deepEqual(
    toGraphMessage({ to: '1', content: { type: 'list', body: 'b', button: 'Pick', sections: [{ rows: [{ id: 'r', title: 'R' }] }] } })
      .interactive,
    { type: 'list', body: { text: 'b' }, action: { button: 'Pick', sections: [{ rows: [{ id: 'r', title: 'R' }] }] } },
  );
});

test('template without components; reaction removal keeps the empty emoji', () => {
  assert.deepEqual(toGraphMessage({ to: '1', content: { type: 'template', name: 'hello_world', language: 'en_US' } }).template, {
    name: 'hello_world',
    language: { code: 'en_US' },
  });
  assert.deepEqual(toGraphMessage({ to: '1', content: { type: 'reaction', messageId: 'wamid.U', emoji: '' } }).reaction, {
    message_id: 'wamid.U',
    emoji: '',
  });
});

test('a BSUID (or parent BSUID) is addressed with `recipient` and no `to`; a phone number keeps `to`', () => {
  assert.equal(
    JSON.stringify(toGraphMessage({ to: 'US.13491208655302741918', content: { type: 'text', text: 'Hi' } })),
    '{"messaging_product":"whatsapp","recipient_type":"individual","recipient":"US.13491208655302741918","type":"text","text":{"preview_url":false,"body":"Hi"}}',
  );
  assert.equal(
    toGraphMessage({ to: 'US.ENT.11815799212886844830', content: { type: 'text', text: 'x' } }).recipient,
    'US.ENT.11815799212886844830',
  );
  const byPhone = toGraphMessage({ to: '16505551234', content: { type: 'text', text: 'x' } });
  assert.equal(byPhone.to, '16505551234');
  assert.equal('recipient' in byPhone, false);
});
