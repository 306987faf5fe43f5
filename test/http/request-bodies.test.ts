import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BODYLESS_ROUTES } from '../../src/http/body-guard.ts';
import { agentSession, call, type As } from '../inbox/agents-http.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';

/**
 * Routes whose body is not a JSON object of named fields, by design; the walk checks what each
 * does instead. Anything else must refuse `{"zz_unknown": 1}` with 400 naming the field.
 */
const FREE_FORM: Record<string, string> = {
  'POST /webhooks/whatsapp': "Meta's signed webhook: the raw bytes are verified, then parsed as Meta's payload (Meta adds fields)",
  'POST /webhooks/telegram/{account}':
    "Telegram's update: the secret header is checked first (401 without it), then the update is parsed as Telegram's (Telegram adds fields)",
  'POST /api/v1/media': 'a file upload: multipart/form-data or the raw bytes',
  'POST /api/v1/audiences/import': 'a CSV file (text/csv), streamed through csv-parse; anything else is 415',
  'POST /api/v1/flows/validate': 'a flow document (JSON or YAML), checked by the flow schema: the answer lists the unknown field',
  'POST /api/v1/flows': 'a flow document, checked by the flow schema: 422 flow_invalid naming the unknown field',
  'PUT /api/v1/flows/{id}': 'a flow document, checked by the flow schema: 422 flow_invalid naming the unknown field',
};

const FLOW = {
  id: 'walk',
  name: 'Walk',
  start: 'hello',
  triggers: [{ type: 'exact', value: 'walk please' }],
  blocks: { hello: { type: 'end', status: 'succeeded', message: 'hi' } },
};

forEachDialect('http: request bodies — unknown fields, wrong types and junk are refused, naming the field', (dialect) => {
  let w: World;
  const ids: Record<string, string> = {};
  let agent: { user: { id: string }; cookie: string };
  before(async () => {
    w = await startWorld({ dialect });
    await w.sim.customer('15559990101', 'Olga').sendText('hello');
    await w.settle();
    const conv = (await w.api('GET', '/api/v1/conversations')).body.data[0];
    const made = async (path: string, body: unknown) => {
      const r = await w.api('POST', path, body);
      assert.ok(r.status < 300, `${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    ids.conversations = conv.id;
    ids.contacts = conv.contact.id;
    ids.labels = (await made('/api/v1/labels', { name: 'vip' })).id;
    agent = await agentSession(w, 'walker@example.com');
    ids.users = agent.user.id;
    ids.teams = (await made('/api/v1/teams', { name: 'Walkers' })).id;
    ids.tokens = (await made('/api/v1/tokens', { name: 'walk', scopes: ['conversations:read'] })).id;
    ids['canned-replies'] = (await made('/api/v1/canned-replies', { shortcut: 'walk', text: 'hi' })).id;
    ids.webhooks = (await made('/api/v1/webhooks', { url: 'https://example.com/hook', events: ['*'] })).id;
    ids.templates = (
      await made('/api/v1/templates', {
        name: 'walk_hello',
        language: 'en_US',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Hello' }],
      })
    ).id;
    await made('/api/v1/flows', FLOW);
    await made(`/api/v1/flows/${FLOW.id}/publish`, {});
    ids.flows = FLOW.id;
  });
  after(async () => {
    await w?.stop();
  });

  const pathFor = (template: string): string => {
    const resource = template.split('/')[3] ?? '';
    return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      if (name === 'id') return ids[resource] ?? 'x';
      if (name === 'userId') return ids.users ?? 'x';
      if (name === 'conversationId') return ids.conversations ?? 'x';
      if (name === 'labelName') return 'vip';
      return 'x';
    });
  };

  test('every route in the OpenAPI document refuses {"zz_unknown": 1} with 400 naming the field (free-form bodies excepted, with their reason)', async () => {
    const doc = (await w.api('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const refused: string[] = [];
    const free: string[] = [];
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const m of Object.keys(ops)) {
        const method = m.toUpperCase();
        if (method === 'GET' || method === 'HEAD') continue;
        const key = `${method} ${template}`;
        const as: As = template.startsWith('/api/v1/users/me') ? { cookie: agent.cookie } : 'admin';
        const res = await call(w, as, method, pathFor(template), { zz_unknown: 1 });
        if (FREE_FORM[key]) {
          free.push(key);
          if (template.includes('/flows')) {
            const errors = res.body.errors ?? res.body.error?.details?.errors;
            assert.ok(
              errors.some((e: { field?: string }) => e.field === 'zz_unknown'),
              `${key}: the flow schema names the field: ${JSON.stringify(res.body)}`,
            );
          } else {
            assert.ok(res.status >= 400 && res.status < 500, `${key}: ${res.status}`);
          }
          continue;
        }
        assert.equal(res.status, 400, `${key}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'unknown_field', `${key}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.details.field, 'zz_unknown', key);
        assert.match(res.body.error.message, /zz_unknown/, key);
        refused.push(key);
      }
    }
    assert.deepEqual(free.sort(), Object.keys(FREE_FORM).sort(), 'every exception is still a route');
    assert.ok(refused.length >= 55, `refused on ${refused.length} routes`);
    // Refused means refused: nothing was deleted, revoked, blocked or published by the walk.
    assert.equal((await w.api('GET', `/api/v1/templates/${ids.templates}`)).body.status, 'DRAFT');
    assert.ok((await w.api('GET', '/api/v1/labels')).body.data.some((l: { id: string }) => l.id === ids.labels));
    assert.equal((await w.api('GET', `/api/v1/contacts/${ids.contacts}`)).body.blocked, false);
    assert.equal((await w.api('GET', `/api/v1/webhooks/${ids.webhooks}`)).status, 200);
    assert.equal((await w.api('GET', `/api/v1/flows/${FLOW.id}/versions`)).body.data.length, 1);
  });

  test('every route listed as taking no body exists, and takes none: nothing, {} or null pass; fields or junk are 400', async () => {
    const doc = (await w.api('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const routes = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`)),
    );
    for (const r of BODYLESS_ROUTES) assert.ok(routes.has(r), `${r} is a route`);
    const unblock = `/api/v1/contacts/${ids.contacts}/unblock`;
    for (const [body, status, code] of [
      [undefined, 200, undefined],
      [{}, 200, undefined],
      [null, 200, undefined],
      [{ reason: 'x' }, 400, 'unknown_field'],
      [[1], 400, 'invalid_body'],
      ['junk', 400, 'invalid_body'],
      [42, 400, 'invalid_body'],
    ] as const) {
      const res = await call(w, 'admin', 'POST', unblock, body);
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      if (code) {
        assert.equal(res.body.error.code, code, JSON.stringify(body));
        assert.equal(typeof res.body.error.details.field, 'string');
      }
    }
    const text = await fetch(`${w.app.url}${unblock}`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'text/plain' },
      body: 'please unblock',
    });
    assert.equal(text.status, 400, 'a text body is refused too');
    // Authentication still comes first: an anonymous caller learns nothing about the body rules.
    assert.equal((await call(w, 'anonymous', 'POST', unblock, { reason: 'x' })).status, 401);
  });

  test('wrong types and junk bodies across features: a 4xx naming the field, never a 2xx that ignored it', async () => {
    const conv = ids.conversations;
    const cases: Array<[string, string, unknown, number, string, string]> = [
      // [method, path, body, status, code, field named in the code or details]
      ['POST', '/api/v1/templates/sync', { channel_id: { x: 1 } }, 400, 'invalid_channel_id', 'channel_id'],
      ['POST', '/api/v1/templates/sync', { channel_id: 7 }, 400, 'invalid_channel_id', 'channel_id'],
      ['POST', '/api/v1/templates/sync', 'junk', 400, 'invalid_body', 'body'],
      ['POST', '/api/v1/templates/sync', [1], 400, 'invalid_body', 'body'],
      ['POST', `/api/v1/templates/${ids.templates}/send`, { phone: { n: 1 } }, 400, 'invalid_phone', 'phone'],
      [
        'POST',
        `/api/v1/templates/${ids.templates}/send`,
        { phone: '+15559990101', channel_id: ['x'] },
        400,
        'invalid_channel_id',
        'channel_id',
      ],
      ['POST', `/api/v1/templates/${ids.templates}/send`, { phone: '+15559990101', template: 'other' }, 400, 'unknown_field', 'template'],
      ['POST', `/api/v1/templates/${ids.templates}/preview`, { params: [] }, 400, 'unknown_field', 'params'],
      ['PATCH', `/api/v1/templates/${ids.templates}`, { nmae: 'typo' }, 400, 'unknown_field', 'nmae'],
      [
        'POST',
        '/api/v1/conversations',
        { template: 'walk_hello', phone: '+15559990101', channel_id: { id: 1 } },
        400,
        'invalid_channel_id',
        'channel_id',
      ],
      [
        'POST',
        '/api/v1/conversations',
        { template: 'walk_hello', phone: '+15559990101', paramters: [] },
        400,
        'unknown_field',
        'paramters',
      ],
      ['POST', `/api/v1/conversations/${conv}/templates`, { template: 'walk_hello', to: 'x' }, 400, 'unknown_field', 'to'],
      ['POST', '/api/v1/users', { email: 42, name: 'X', password: 'long enough pw' }, 422, 'invalid_email', 'email'],
      [
        'POST',
        '/api/v1/users',
        { email: 'x@example.com', name: 'X', password: 'long enough pw', admin: true },
        400,
        'unknown_field',
        'admin',
      ],
      ['POST', '/api/v1/tokens', { name: 'x', scopes: 'admin' }, 422, 'invalid_scopes', 'scopes'],
      ['POST', '/api/v1/tokens', { name: 'x', scopes: ['admin'], expires: '2030-01-01' }, 400, 'unknown_field', 'expires'],
      ['POST', '/api/v1/labels', { name: ['vip'] }, 422, 'invalid_label_name', 'name'],
      ['POST', '/api/v1/labels', 'vip', 400, 'invalid_body', 'body'],
      ['POST', '/api/v1/webhooks', { url: 42, events: ['*'] }, 422, 'invalid_url', 'url'],
      ['POST', '/api/v1/webhooks', { url: 'https://example.com/h', events: ['*'], filter: 'x' }, 400, 'unknown_field', 'filter'],
      ['POST', `/api/v1/conversations/${conv}/assign`, { user_id: { id: 1 } }, 422, 'invalid_user_id', 'user_id'],
      ['POST', `/api/v1/conversations/${conv}/assign`, { user: 'x' }, 400, 'unknown_field', 'user'],
      ['POST', `/api/v1/conversations/${conv}/messages`, { text: 5 }, 422, 'text_required', 'text'],
      ['POST', `/api/v1/conversations/${conv}/messages`, { text: 'hi', caption: 'x' }, 400, 'unknown_field', 'caption'],
      [
        'POST',
        `/api/v1/conversations/${conv}/messages`,
        { type: 'image', link: 'https://example.com/a.png', text: 'x' },
        400,
        'unknown_field',
        'text',
      ],
      ['POST', `/api/v1/conversations/${conv}/typing`, { typing: 'yes' }, 422, 'invalid_typing', 'typing'],
      ['POST', `/api/v1/conversations/${conv}/typing`, { typnig: false }, 400, 'unknown_field', 'typnig'],
      ['POST', `/api/v1/flows/${FLOW.id}/start`, { phone: 15559990101 }, 400, 'invalid_phone', 'phone'],
      ['POST', `/api/v1/flows/${FLOW.id}/start`, { phone: '+15559990101', vars: {} }, 400, 'unknown_field', 'vars'],
      [
        'POST',
        `/api/v1/flows/${FLOW.id}/start`,
        { phone: '+15559990101', template: { name: 'walk_hello', params: [] } },
        400,
        'unknown_field',
        'params',
      ],
      ['POST', `/api/v1/flows/${FLOW.id}/rollback`, { version: '1' }, 400, 'version_required', 'version'],
      ['POST', `/api/v1/flows/${FLOW.id}/rollback`, { version: 1, to: 2 }, 400, 'unknown_field', 'to'],
      ['PATCH', `/api/v1/contacts/${ids.contacts}`, { tags: 'vip' }, 422, 'invalid_tags', 'tags'],
      ['POST', `/api/v1/contacts/${ids.contacts}/opt-in`, { source: ['x'] }, 422, 'invalid_source', 'source'],
    ];
    for (const [method, path, body, status, code, field] of cases) {
      const res = await call(w, 'admin', method, path, body);
      const what = `${method} ${path} ${JSON.stringify(body)} -> ${res.status} ${JSON.stringify(res.body)}`;
      assert.equal(res.status, status, what);
      assert.equal(res.body.error.code, code, what);
      const named =
        res.body.error.details?.field === field || res.body.error.code.includes(field) || res.body.error.message.includes(`"${field}"`);
      assert.ok(named, `names ${field}: ${what}`);
    }
  });
});
