import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { startRecordingGraphServer, type RecordingGraphServer } from '../../src/channels/whatsapp-cloud/recording-graph-server.ts';
import { OffsetClock } from '../../src/core/clock.ts';
import { startSwitchboard, type Running } from '../../src/start-switchboard.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { inboundEnvelope, postSigned } from '../support/signed-post.ts';
import { baseConfig } from '../support/test-config.ts';
import { waitFor } from '../support/wait-for.ts';

// Two numbers from two different Meta apps: each app signs its webhooks with its own secret.
const A = {
  phoneNumberId: '111000111',
  businessAccountId: 'waba-of-app-a',
  appSecret: 'secret-of-app-a',
  accessToken: 'token-a',
  verifyToken: 'verify-a',
};
const B = {
  phoneNumberId: '222000222',
  businessAccountId: 'waba-of-app-b',
  appSecret: 'secret-of-app-b',
  accessToken: 'token-b',
  verifyToken: 'verify-b',
};

const hello = (id: string) => [
  { from: '15550001111', id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'hi' } },
];
function envelope(waba: string, phoneNumberIds: string[], wamid: string): object {
  return {
    object: 'whatsapp_business_account',
    entry: phoneNumberIds.map((pnid, i) => ({
      id: waba,
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550000000', phone_number_id: pnid },
            messages: hello(`${wamid}.${i}`),
          },
        },
      ],
    })),
  };
}

forEachDialect('webhooks: each number answers only to its own app secret', (dialect) => {
  let app: Running;
  let graph: RecordingGraphServer;
  let dataDir: string;
  const db = () => app.deps.storage.db;
  const storedWith = async (text: string) =>
    (await db().selectFrom('webhook_events').select('id').where('body', 'like', `%${text}%`).execute()).length;
  const sendsFrom = (pnid: string) =>
    graph.requests.filter((r) => r.path.includes(`/${pnid}/messages`) && r.body.toString('utf8').includes('"to"')).length;
  const settle = async () => {
    await app.ingest.idle(10_000);
    await app.deps.jobs.idle(10_000);
    await app.ingest.idle(10_000);
  };

  before(async () => {
    let sent = 0;
    graph = await startRecordingGraphServer(() => ({
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: '15550001111', wa_id: '15550001111' }],
        messages: [{ id: `wamid.OUT${++sent}` }],
        success: true,
      },
    }));
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-secrets-'));
    if (dialect === 'postgres' && postgresUrl) await resetPostgres(postgresUrl);
    const number = { graphUrl: graph.url, apiVersion: 'v21.0', throughputPerSecond: 80 };
    const config = baseConfig(dialect, dataDir, {
      demoBot: true,
      numbers: [
        { ...A, ...number },
        { ...B, ...number },
      ],
    });
    app = await startSwitchboard(config, { clock: new OffsetClock(), logger: pino({ level: 'silent' }) });
  });
  after(async () => {
    await app?.stop();
    await graph?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("B's event signed with A's secret is refused: nothing stored, nothing answered", async () => {
    const res = await postSigned(app.url, envelope(B.businessAccountId, [B.phoneNumberId], 'wamid.forged'), { secret: A.appSecret });
    assert.equal(res.status, 403);
    const body = await res.json();
    assert.equal(body.error.code, 'secret_not_bound');
    assert.match(body.error.message, /222000222/);
    // Even with A's WABA as the entry id, the phone number is B's.
    const sneaky = await postSigned(app.url, envelope(A.businessAccountId, [B.phoneNumberId], 'wamid.sneaky'), { secret: A.appSecret });
    assert.equal(sneaky.status, 403);
    await settle();
    assert.equal(await storedWith('wamid.forged'), 0);
    assert.equal(await storedWith('wamid.sneaky'), 0);
    assert.equal(
      await db()
        .selectFrom('messages')
        .select('id')
        .where('channel_id', '=', `wa_${B.phoneNumberId}`)
        .execute()
        .then((r) => r.length),
      0,
    );
    assert.equal(sendsFrom(B.phoneNumberId), 0, 'B answered nobody');
  });

  test('a payload naming numbers of both apps is refused whichever secret signed it', async () => {
    for (const secret of [A.appSecret, B.appSecret]) {
      const mixed = {
        object: 'whatsapp_business_account',
        entry: [
          ...(envelope(A.businessAccountId, [A.phoneNumberId], `wamid.mixA${secret}`) as { entry: object[] }).entry,
          ...(envelope(B.businessAccountId, [B.phoneNumberId], `wamid.mixB${secret}`) as { entry: object[] }).entry,
        ],
      };
      const res = await postSigned(app.url, mixed, { secret });
      assert.equal(res.status, 403, `signed with ${secret}`);
      assert.equal((await res.json()).error.code, 'secret_not_bound');
    }
    assert.equal(await storedWith('wamid.mix'), 0);
  });

  test("a template update for B's business account signed with A's secret is refused", async () => {
    const update = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: B.businessAccountId,
          changes: [
            {
              field: 'message_template_status_update',
              value: {
                event: 'REJECTED',
                message_template_id: 123456,
                message_template_name: 'tpl_forged',
                message_template_language: 'en_US',
                reason: 'ABUSIVE_CONTENT',
              },
            },
          ],
        },
      ],
    };
    assert.equal((await postSigned(app.url, update, { secret: A.appSecret })).status, 403);
    // Quality and category updates name only a template id: they must come under a WABA of the signer's numbers.
    const quality = (entry: object) => ({
      object: 'whatsapp_business_account',
      entry: [
        {
          ...entry,
          changes: [
            {
              field: 'message_template_quality_update',
              value: {
                previous_quality_score: 'GREEN',
                new_quality_score: 'RED',
                message_template_id: 987654,
                message_template_name: 'tpl_forged',
                message_template_language: 'en_US',
              },
            },
          ],
        },
      ],
    });
    for (const entry of [{ id: 'waba-configured-nowhere' }, {}]) {
      const res = await postSigned(app.url, quality(entry), { secret: A.appSecret });
      assert.equal(res.status, 403, JSON.stringify(entry));
      assert.equal((await res.json()).error.code, 'secret_not_bound');
    }
    assert.equal(await storedWith('tpl_forged'), 0);
    assert.equal(
      (await postSigned(app.url, quality({ id: A.businessAccountId }), { secret: A.appSecret })).status,
      200,
      "under the signer's own WABA",
    );
    assert.equal((await postSigned(app.url, update, { secret: B.appSecret })).status, 200, 'its own app may send it');
  });

  test('each app is accepted for its own number, and the number answers', async () => {
    const resB = await postSigned(app.url, envelope(B.businessAccountId, [B.phoneNumberId], 'wamid.realB'), { secret: B.appSecret });
    assert.equal(resB.status, 200);
    const resA = await postSigned(app.url, inboundEnvelope(A.phoneNumberId, hello('wamid.realA')), { secret: A.appSecret });
    assert.equal(resA.status, 200, 'an entry id that is no configured WABA does not stand in the way');
    await settle();
    await waitFor(() => sendsFrom(B.phoneNumberId) > 0 && sendsFrom(A.phoneNumberId) > 0, 5000, 'both numbers answered');
    assert.equal(await storedWith('wamid.realB'), 1);
    const unknown = await postSigned(app.url, inboundEnvelope('999000', hello('wamid.unknown')), { secret: A.appSecret });
    assert.equal(unknown.status, 200, 'a number configured nowhere is kept and reported by the ingest loop, as before');
  });
});
