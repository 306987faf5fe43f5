import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summariseMessage } from './assemble-context.ts';

test('every message kind is one line of text, from a customer message (WhatsApp shape) or ours (flat)', () => {
  const customer = (kind: string, payload: Record<string, unknown>, text: string | null = null) =>
    summariseMessage(kind, text, JSON.stringify({ type: kind, [kind]: payload }));
  assert.equal(summariseMessage('text', 'hola', '{}'), 'hola');
  assert.equal(customer('image', { id: 'm1', mime_type: 'image/jpeg' }, 'Foto de la fuga'), '[image: Foto de la fuga]');
  assert.equal(customer('location', { latitude: 19.4326, longitude: -99.1332, name: 'Casa' }), '[location: Casa, 19.4326, -99.1332]');
  assert.equal(customer('location', { latitude: 1.5, longitude: 2 }), '[location: 1.5, 2]');
  assert.equal(customer('document', { id: 'm2', filename: 'factura.pdf' }), '[document: factura.pdf]');
  assert.equal(customer('reaction', { message_id: 'wamid.x', emoji: '👍' }), '[reaction: 👍]');
  assert.equal(customer('audio', { id: 'm3' }), '[audio]');
  // Ours: the outbound content is flat.
  assert.equal(
    summariseMessage('location', null, JSON.stringify({ type: 'location', latitude: 37.44, longitude: -122.16, name: 'Philz' })),
    '[location: Philz, 37.44, -122.16]',
  );
  assert.equal(summariseMessage('image', null, 'not json'), '[image]');
});
