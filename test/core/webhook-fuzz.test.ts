import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { signWhatsAppBody } from '../../src/channels/whatsapp-cloud/webhook-signature.ts';
import { startBare } from '../support/bare-switchboard.ts';
import { forEachDialect } from '../support/dialects.ts';
import { SECRETS } from '../support/test-config.ts';

/** Bodies shaped like Meta's envelope with arbitrary, wrong-typed or unknown values inside. */
const envelopeLike = fc.record(
  {
    object: fc.oneof(fc.constant('whatsapp_business_account'), fc.string(), fc.integer()),
    entry: fc.oneof(
      fc.array(
        fc.record(
          {
            id: fc.oneof(fc.string(), fc.integer()),
            changes: fc.oneof(
              fc.array(
                fc.record({
                  field: fc.oneof(fc.constantFrom('messages', 'message_template_status_update', 'statuses'), fc.string()),
                  value: fc.oneof(
                    fc.record(
                      {
                        messaging_product: fc.constant('whatsapp'),
                        metadata: fc.oneof(
                          fc.record({ phone_number_id: fc.oneof(fc.constant('106540352242922'), fc.string()) }),
                          fc.anything(),
                        ),
                        messages: fc.oneof(
                          fc.array(
                            fc.record(
                              {
                                from: fc.oneof(fc.stringMatching(/^\d{8,15}$/), fc.anything()),
                                id: fc.oneof(
                                  fc.string().map((s) => `wamid.${s}`),
                                  fc.anything(),
                                ),
                                timestamp: fc.oneof(fc.integer().map(String), fc.anything()),
                                type: fc.oneof(
                                  fc.constantFrom('text', 'image', 'interactive', 'button', 'reaction', 'location', 'contacts', 'weird'),
                                  fc.anything(),
                                ),
                                text: fc.anything(),
                                image: fc.anything(),
                                interactive: fc.anything(),
                                location: fc.anything(),
                                context: fc.anything(),
                              },
                              { requiredKeys: [] },
                            ),
                            { maxLength: 4 },
                          ),
                          fc.anything(),
                        ),
                        statuses: fc.oneof(
                          fc.array(
                            fc.record(
                              {
                                id: fc.anything(),
                                status: fc.oneof(fc.constantFrom('sent', 'delivered', 'read', 'failed'), fc.anything()),
                                timestamp: fc.anything(),
                                errors: fc.anything(),
                              },
                              { requiredKeys: [] },
                            ),
                            { maxLength: 3 },
                          ),
                          fc.anything(),
                        ),
                      },
                      { requiredKeys: [] },
                    ),
                    fc.anything(),
                  ),
                }),
                { maxLength: 3 },
              ),
              fc.anything(),
            ),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
      fc.anything(),
    ),
  },
  { requiredKeys: [] },
);

function deeplyNested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

forEachDialect('webhook under hostile input (fast-check)', (dialect) => {
  let bare: Awaited<ReturnType<typeof startBare>>;
  before(async () => {
    bare = await startBare(dialect);
  });
  after(async () => {
    await bare?.stop();
  });
  const count = async () =>
    Number(
      (
        await bare.app.deps.storage.db
          .selectFrom('webhook_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${bare.app.url}/webhooks/whatsapp`, { method: 'POST', headers, body });

  test('unsigned or forged bodies are refused with 401 and never stored', async () => {
    const before = await count();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          envelopeLike.map((v) => JSON.stringify(v)),
          fc.string(),
          fc.json(),
        ),
        fc.option(fc.string(), { nil: undefined }),
        async (body, sig) => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (sig !== undefined) headers['x-hub-signature-256'] = sig.startsWith('sha256=') ? sig : `sha256=${sig}`;
          const res = await post(body, headers);
          assert.equal(res.status, 401);
          await res.arrayBuffer();
        },
      ),
      { numRuns: 600 },
    );
    assert.equal(await count(), before);
  });

  test('signed hostile bodies get 4xx or 200, never 5xx, and processing never crashes', async () => {
    let accepted = 0;
    const before = await count();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 5, arbitrary: envelopeLike.map((v) => JSON.stringify(v)) },
          { weight: 2, arbitrary: fc.json() },
          { weight: 1, arbitrary: fc.string() },
          {
            weight: 1,
            arbitrary: envelopeLike.chain((v) => {
              const s = JSON.stringify(v);
              return fc.nat(s.length).map((n) => s.slice(0, n));
            }),
          },
          { weight: 1, arbitrary: fc.integer({ min: 10, max: 5000 }).map(deeplyNested) },
        ),
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', ''),
        async (body, contentType) => {
          const headers: Record<string, string> = { 'x-hub-signature-256': signWhatsAppBody(body, SECRETS.appSecret) };
          if (contentType) headers['content-type'] = contentType;
          const res = await post(body, headers);
          await res.arrayBuffer();
          assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500), `status ${res.status} for ${body.slice(0, 80)}`);
          if (res.status === 200) accepted++;
        },
      ),
      { numRuns: 1500 },
    );
    assert.equal(await count(), before + accepted, 'exactly the accepted bodies were stored');
    await bare.app.ingest.idle(20_000);
    const stuck = await bare.app.deps.storage.db.selectFrom('webhook_events').select('id').where('status', '=', 'pending').execute();
    assert.equal(stuck.length, 0, 'every stored event was processed or set aside');
    assert.equal((await fetch(`${bare.app.url}/health`)).status, 200, 'server still up');
  });
});
