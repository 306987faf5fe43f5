import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/load-config.ts';
import { streamCredentialsOf } from '../../src/realtime/stream-routes.ts';
import { DEFAULT_STREAMS_PER_CREDENTIAL, type StreamCredentials } from '../../src/realtime/stream-credentials.ts';
import { forEachDialect } from '../support/dialects.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { agentSession, call } from './agents-http.ts';
import { SseClient } from './sse-client.ts';

const MAX = 5;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

forEachDialect('realtime: streams share one credential check, and a credential holds a bounded number of them', (dialect) => {
  let w: World;
  let checker: StreamCredentials;
  const streams: SseClient[] = [];
  const open = async (headers: Record<string, string>) => {
    const s = await SseClient.open(`${w.app.url}/api/v1/stream`, headers);
    streams.push(s);
    return s;
  };
  const closeAll = async () => {
    for (const s of streams.splice(0)) await s.close();
  };
  const readToken = async (name: string) => {
    const created = await w.api('POST', '/api/v1/tokens', { name, scopes: ['conversations:read'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { id: created.body.id as string, headers: { authorization: `Bearer ${created.body.token}` } };
  };
  /** Waits for `n` more rounds of the shared timer and says how many credential checks they made. */
  const checksOver = async (n: number) => {
    const rounds0 = checker.rounds;
    const checks0 = checker.checksMade;
    await waitFor(() => checker.rounds >= rounds0 + n, (n + 3) * 1000, `${n} credential-check rounds`);
    return { rounds: checker.rounds - rounds0, checks: checker.checksMade - checks0 };
  };

  before(async () => {
    w = await startWorld({ dialect, config: { streamsPerCredentialMax: MAX } });
    const found = streamCredentialsOf(w.app.deps);
    assert.ok(found, 'the stream routes expose their shared checker');
    checker = found;
  });
  after(async () => {
    await closeAll();
    await w?.stop();
  });

  test('N streams on one credential make one credential check a second, not N', async () => {
    const token = await readToken('many streams');
    for (let i = 0; i < MAX; i++) assert.equal((await open(token.headers)).status, 200);
    const one = await checksOver(3);
    // A round may skip a credential whose previous check is still running, never check it twice.
    assert.ok(
      one.checks <= one.rounds && one.checks >= one.rounds - 1,
      `${one.checks} checks in ${one.rounds} rounds for ${MAX} streams on one token`,
    );

    // A second credential (an agent's session) with its own streams: two checks a round.
    const agent = await agentSession(w, 'many-tabs@sc.test');
    for (let i = 0; i < 3; i++) assert.equal((await open({ cookie: agent.cookie })).status, 200);
    const two = await checksOver(3);
    assert.ok(
      two.checks <= 2 * two.rounds && two.checks >= 2 * (two.rounds - 1),
      `${two.checks} checks in ${two.rounds} rounds for two credentials`,
    );
    await closeAll();
    await waitFor(() => checker.openFor(`token:${token.id}`) === 0, 5000, 'closed streams free their slots');
  });

  test('over the cap a stream is refused with 429 too_many_streams; a freed slot can be used again; other credentials are unaffected', async () => {
    const token = await readToken('capped');
    const held: SseClient[] = [];
    for (let i = 0; i < MAX; i++) held.push(await open(token.headers));
    assert.deepEqual(
      held.map((s) => s.status),
      Array(MAX).fill(200),
    );

    const refused = await fetch(`${w.app.url}/api/v1/stream`, { headers: token.headers });
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get('content-type') ?? '', /^application\/json/);
    const body = await refused.json();
    assert.equal(body.error.code, 'too_many_streams');
    assert.match(body.error.message, /STREAMS_PER_CREDENTIAL_MAX=5/);
    assert.deepEqual(body.error.details, { max_streams: MAX });
    // The open streams still work: the refusal touched nothing.
    await w.sim.customer('15557100001', 'Capped').sendText('still streaming');
    for (const s of held) await s.next((e) => e.event === 'message.new' && e.data.message.text === 'still streaming');

    // Another credential has its own allowance.
    assert.equal((await open(admin)).status, 200);

    // One stream goes away: its slot is free again once the server sees the disconnect.
    await held[0]!.close();
    let again: SseClient | undefined;
    await waitFor(
      async () => {
        const s = await open(token.headers);
        if (s.status === 200) again = s;
        else assert.equal(s.status, 429);
        return s.status === 200;
      },
      5000,
      'a new stream in the freed slot',
    );
    assert.equal(again?.status, 200);
    const full = await fetch(`${w.app.url}/api/v1/stream`, { headers: token.headers });
    assert.equal(full.status, 429, 'and then the credential is full again');
    await full.text();
    await closeAll();
  });

  test('a revoked token, or a session that ends, closes every stream of that credential and only those', async () => {
    const token = await readToken('revoked with streams');
    const byToken: SseClient[] = [];
    for (let i = 0; i < MAX; i++) byToken.push(await open(token.headers));
    const agent = await agentSession(w, 'two-tabs@sc.test');
    const bySession = [await open({ cookie: agent.cookie }), await open({ cookie: agent.cookie })];
    const byAdmin = await open(admin);

    assert.equal((await w.api('DELETE', `/api/v1/tokens/${token.id}`)).status, 204);
    for (const s of byToken) await s.next((e) => e.event === 'unauthorized', 5000, 'each stream of the revoked token is told and closed');
    assert.equal(checker.openFor(`token:${token.id}`), 0, 'the revoked credential holds no slot');
    assert.equal(
      bySession.some((s) => s.events.some((e) => e.event === 'unauthorized')),
      false,
      "the agent's session streams stay",
    );

    assert.equal((await call(w, { cookie: agent.cookie }, 'POST', '/api/v1/auth/logout')).status, 204);
    for (const s of bySession) await s.next((e) => e.event === 'unauthorized', 5000, 'each stream of the ended session is told and closed');

    // The admin token's stream lived through both: another round passes and it is still open.
    await checksOver(2);
    assert.equal(
      byAdmin.events.some((e) => e.event === 'unauthorized'),
      false,
    );
    await w.sim.customer('15557100002', 'After').sendText('admin still here');
    await byAdmin.next((e) => e.event === 'message.new' && e.data.message.text === 'admin still here');
    await closeAll();
  });
});

test('STREAMS_PER_CREDENTIAL_MAX: default 20, a whole number from 1, refused otherwise', () => {
  const env = { DATA_DIR: '/tmp/sb-config-test' };
  const def = loadConfig(env, '/tmp');
  assert.ok(def.ok);
  assert.equal(def.config.streamsPerCredentialMax, 20);
  assert.equal(DEFAULT_STREAMS_PER_CREDENTIAL, 20);
  const set = loadConfig({ ...env, STREAMS_PER_CREDENTIAL_MAX: '300' }, '/tmp');
  assert.ok(set.ok);
  assert.equal(set.config.streamsPerCredentialMax, 300);
  for (const bad of ['0', '-1', '2.5', 'many']) {
    const r = loadConfig({ ...env, STREAMS_PER_CREDENTIAL_MAX: bad }, '/tmp');
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.match(r.problems.join('\n'), /STREAMS_PER_CREDENTIAL_MAX must be a whole number from 1/);
  }
});
