import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';

/**
 * Search ignores case and accents in all three places (/search, the conversation list's q,
 * /contacts?q), and the business's name for a contact (PATCH /contacts/:id) wins wherever a
 * contact is shown or searched, with the WhatsApp profile name still visible as such.
 */
forEachDialect('contacts: accent-insensitive search, the business name wins', (dialect) => {
  let w: World;
  let nandu: { contactId: string; conversationId: string };
  before(async () => {
    // No demo bot: a conversation's preview stays the customer's own words.
    w = await startWorld({ dialect, config: { demoBot: false } });
    await w.sim.customer('5215550100001', 'Ñandú Pérez').sendText('Quiero información del envío');
    await w.sim.customer('5215550100002', 'Otro Cliente').sendText('hello there');
    await w.settle();
    const row = (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.wa_id === '5215550100001');
    nandu = { contactId: row.contact.id, conversationId: row.id };
  });
  after(async () => {
    await w?.stop();
  });

  const listNames = async (q: string) =>
    (await w.api('GET', `/api/v1/conversations?q=${encodeURIComponent(q)}`)).body.data.map((c: any) => c.contact.name);
  const contactNames = async (q: string) =>
    (await w.api('GET', `/api/v1/contacts?q=${encodeURIComponent(q)}`)).body.data.map((c: any) => c.name);
  const searchedContacts = async (q: string) =>
    (await w.api('GET', `/api/v1/search?type=contacts&q=${encodeURIComponent(q)}`)).body.data.map((c: any) => c.name);
  const searchedMessages = async (q: string) =>
    (await w.api('GET', `/api/v1/search?q=${encodeURIComponent(q)}`)).body.data.map((m: any) => m.text);

  test('"ñandú", "NANDU", "PEREZ" and "pérez" find "Ñandú Pérez" in the list, /contacts and /search', async () => {
    for (const q of ['ñandú', 'ÑANDÚ', 'nandu', 'NANDU', 'PEREZ', 'pérez', 'nandu perez', 'Ñandú Pérez']) {
      assert.deepEqual(await listNames(q), ['Ñandú Pérez'], `list q=${q}`);
      assert.deepEqual(await contactNames(q), ['Ñandú Pérez'], `/contacts?q=${q}`);
      assert.deepEqual(await searchedContacts(q), ['Ñandú Pérez'], `/search?type=contacts&q=${q}`);
    }
    // Short queries are answered without the trigram index, by the same rule.
    for (const q of ['ñ', 'Pé', 'PE']) {
      assert.ok((await listNames(q)).includes('Ñandú Pérez'), `list q=${q}`);
      assert.ok((await contactNames(q)).includes('Ñandú Pérez'), `/contacts?q=${q}`);
    }
    assert.deepEqual(await listNames('pe'), ['Ñandú Pérez'], '"Otro Cliente" has no "pe"');
    // Message text and the preview, too.
    for (const q of ['informacion', 'INFORMACIÓN', 'envio', 'ENVÍO', 'del envío']) {
      assert.deepEqual(await searchedMessages(q), ['Quiero información del envío'], `/search?q=${q}`);
      assert.deepEqual(await listNames(q), ['Ñandú Pérez'], `list q=${q} (the preview)`);
    }
    // Still substrings taken literally, and nothing else matches.
    assert.deepEqual(await listNames('nandu%'), [], '% is literal');
    assert.deepEqual(await listNames('ñandu_'), [], '_ is literal');
    assert.deepEqual(await contactNames('pérezz'), []);
    assert.deepEqual(await searchedMessages('informaciones'), []);
    assert.deepEqual(await listNames('"nandu" OR *'), [], 'search syntax is text too');
  });

  test('a q holding a NUL character, or given twice, is a 400 invalid_q everywhere, not a database error', async () => {
    for (const path of ['/api/v1/conversations?q=', '/api/v1/contacts?q=', '/api/v1/search?q=', '/api/v1/search?type=contacts&q=']) {
      for (const q of ['%00', 'nan%00du', 'nandu&q=perez']) {
        const res = await w.api('GET', `${path}${q}`);
        assert.equal(res.status, 400, `${path}${q}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'invalid_q');
      }
    }
  });

  test('renaming a contact reaches list rows, q, /search, the detail and {{contact.name}}; the profile name stays visible', async () => {
    const renamed = await w.api('PATCH', `/api/v1/contacts/${nandu.contactId}`, { name: 'Señora Gómez' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.deepEqual(
      { name: renamed.body.name, profile_name: renamed.body.profile_name },
      { name: 'Señora Gómez', profile_name: 'Ñandú Pérez' },
    );

    const row = (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.id === nandu.conversationId);
    assert.equal(row.contact.name, 'Señora Gómez');
    assert.equal(row.contact.profile_name, 'Ñandú Pérez');
    const detail = await w.api('GET', `/api/v1/conversations/${nandu.conversationId}`);
    assert.deepEqual(
      { name: detail.body.contact.name, profile_name: detail.body.contact.profile_name },
      { name: 'Señora Gómez', profile_name: 'Ñandú Pérez' },
    );

    // The new name is searched (the index follows the rename), and so is the profile name.
    for (const q of ['gomez', 'SEÑORA', 'señora gómez', 'ñandú', 'PEREZ']) {
      assert.deepEqual(await listNames(q), ['Señora Gómez'], `list q=${q}`);
      assert.deepEqual(await contactNames(q), ['Señora Gómez'], `/contacts?q=${q}`);
      assert.deepEqual(await searchedContacts(q), ['Señora Gómez'], `/search?type=contacts&q=${q}`);
    }
    assert.deepEqual(await listNames('go'), ['Señora Gómez'], 'a short q reads the name too');
    const found = (await w.api('GET', '/api/v1/search?type=contacts&q=gomez')).body.data[0];
    assert.equal(found.profile_name, 'Ñandú Pérez');
    const message = (await w.api('GET', '/api/v1/search?q=envio')).body.data[0];
    assert.deepEqual(
      { name: message.contact.name, profile_name: message.contact.profile_name },
      { name: 'Señora Gómez', profile_name: 'Ñandú Pérez' },
    );

    const canned = await w.api('POST', '/api/v1/canned-replies', { shortcut: 'hola', text: 'Hola {{contact.name}}, ¿en qué le ayudo?' });
    assert.equal(canned.status, 201, JSON.stringify(canned.body));
    const rendered = await w.api('POST', `/api/v1/canned-replies/${canned.body.id}/render`, { conversation_id: nandu.conversationId });
    assert.equal(rendered.status, 200, JSON.stringify(rendered.body));
    assert.equal(rendered.body.text, 'Hola Señora Gómez, ¿en qué le ayudo?');

    // A new WhatsApp profile name changes profile_name, not the business's name.
    await w.sim.customer('5215550100001', 'Ñandú P.').sendText('sigo aquí');
    await w.settle();
    const after = (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.id === nandu.conversationId);
    assert.deepEqual(
      { name: after.contact.name, profile_name: after.contact.profile_name },
      { name: 'Señora Gómez', profile_name: 'Ñandú P.' },
    );
    assert.deepEqual(await listNames('nandu p.'), ['Señora Gómez']);

    // A name or note PostgreSQL cannot store is refused on both databases, not a 500.
    const nul = await w.api('PATCH', `/api/v1/contacts/${nandu.contactId}`, { name: 'Se\u0000ñora' });
    assert.deepEqual([nul.status, nul.body.error?.code], [422, 'invalid_name']);
    const note = await w.api('POST', `/api/v1/contacts/${nandu.contactId}/opt-in`, { source: 'web_form', note: 'a\u0000b' });
    assert.deepEqual([note.status, note.body.error?.code], [422, 'invalid_note']);

    // Taking the name away shows the profile name again, everywhere.
    assert.equal((await w.api('PATCH', `/api/v1/contacts/${nandu.contactId}`, { name: null })).status, 200);
    assert.deepEqual(await listNames('ñandú'), ['Ñandú P.']);
    assert.deepEqual(await listNames('gomez'), []);
    assert.deepEqual(await searchedContacts('gomez'), []);
  });
});

forEachDialect('contacts: the business name in event payloads and the demo bot', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect, config: { eventWebhooks: { allowPrivate: true } } });
    // A subscriber, so message.received events are recorded (deliveries to a closed port just fail).
    const sub = await w.api('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['message.received'] });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
  });
  after(async () => {
    await w?.stop();
  });

  test('after a rename, message.received carries the new name (and the profile name) and the demo bot greets by it', async () => {
    const customer = w.sim.customer('5215550300001', 'Ñandú Pérez');
    await customer.sendText('hola');
    await w.settle();
    const greeting = () =>
      w.sim
        .outbound()
        .filter((m) => m.waId === '5215550300001' && m.text?.startsWith('Hello'))
        .at(-1)?.text;
    assert.match(greeting() ?? '', /^Hello Ñandú Pérez!/);
    const contactId = (await w.api('GET', '/api/v1/contacts?q=nandu')).body.data[0].id;
    assert.equal((await w.api('PATCH', `/api/v1/contacts/${contactId}`, { name: 'Señora Gómez' })).status, 200);

    await customer.sendText('hola otra vez');
    await w.settle();
    assert.match(greeting() ?? '', /^Hello Señora Gómez!/);
    const events = await w.app.deps.storage.db
      .selectFrom('emitted_events')
      .select(['body'])
      .where('type', '=', 'message.received')
      .orderBy('id')
      .execute();
    const last = JSON.parse(events.at(-1)?.body ?? '{}');
    assert.equal(last.data.message.text, 'hola otra vez');
    const contact = last.data.conversation.contact;
    assert.deepEqual({ name: contact.name, profile_name: contact.profile_name }, { name: 'Señora Gómez', profile_name: 'Ñandú Pérez' });
  });
});
