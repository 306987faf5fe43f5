import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ChannelAdapter } from '../../src/channels/channel-adapter.ts';
import type { InboundMessage, OutboundContent } from '../../src/channels/channel-types.ts';
import { parseTelegramUpdate, TelegramAdapter, telegramSecretMatches } from '../../src/channels/telegram/index.ts';
import { createWhatsAppCloudAdapter, parseWhatsAppWebhook, verifyWhatsAppSignatureAny } from '../../src/channels/whatsapp-cloud/index.ts';
import { DEFAULT_API_VERSION } from '../../src/config.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { startTelegramSimulator } from '../../src/simulator/telegram/index.ts';

/**
 * One contract, both channels: each adapter runs against its own simulator over loopback, and the
 * same cases hold for both — inbound verified and parsed to the same kinds, every send one request
 * the simulator records with what we asked, the outcome of a refusal, and redelivery recognised.
 */
interface Harness {
  name: string;
  adapter: ChannelAdapter;
  /** A customer we can send to, and who can write to us. */
  customer: string;
  /** The customer writes `text`; resolves with the raw webhook body and its verification header. */
  inbound(text: string): Promise<{ body: string; header: string }>;
  verify(body: string, header: string | undefined): boolean;
  parse(body: string): InboundMessage[];
  /** The last request the simulator received for a send, as a readable text and its buttons' ids. */
  lastSent(): { text?: string; buttonIds?: string[] };
  /** A recipient the provider refuses. */
  unknownRecipient: string;
  close(): Promise<void>;
}

function receiver(): Promise<{ url: string; bodies: Array<{ body: string; headers: Record<string, unknown> }>; server: Server }> {
  const bodies: Array<{ body: string; headers: Record<string, unknown> }> = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET') return res.end(url.searchParams.get('hub.challenge') ?? '');
    let body = '';
    for await (const chunk of req) body += chunk;
    bodies.push({ body, headers: req.headers });
    res.end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, server }),
    ),
  );
}

async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function whatsapp(): Promise<Harness> {
  const secrets = { accessToken: 'contract-token', appSecret: 'contract-secret', verifyToken: 'contract-verify' };
  const sim = await startSimulator({ port: 0, host: '127.0.0.1', ...secrets });
  const hook = await receiver();
  await sim.setWebhookUrl(hook.url);
  const adapter = createWhatsAppCloudAdapter({
    graphUrl: sim.graphBaseUrl,
    apiVersion: DEFAULT_API_VERSION,
    phoneNumberId: sim.phoneNumberId,
    accessToken: secrets.accessToken,
  });
  const customer = '15551230001';
  const c = sim.customer(customer, 'Cara');
  return {
    name: 'whatsapp',
    adapter,
    customer,
    async inbound(text) {
      const n = hook.bodies.length;
      await c.sendText(text);
      const got = await until(() => hook.bodies.slice(n).find((b) => b.body.includes(text)), 'the webhook');
      return { body: got.body, header: String(got.headers['x-hub-signature-256']) };
    },
    verify: (body, header) => verifyWhatsAppSignatureAny(Buffer.from(body), header, [secrets.appSecret]).ok,
    parse: (body) => {
      const r = parseWhatsAppWebhook(JSON.parse(body), Date.now());
      return r.ok ? r.value.messages : [];
    },
    lastSent() {
      const m = sim.outbound().at(-1);
      const ids = m?.body?.interactive?.action?.buttons?.map((b: { reply: { id: string } }) => b.reply.id);
      return { ...(m?.text ? { text: m.text } : {}), ...(ids ? { buttonIds: ids } : {}) };
    },
    unknownRecipient: '12',
    async close() {
      await adapter.close();
      await sim.close();
      hook.server.close();
    },
  };
}

async function telegram(): Promise<Harness> {
  const sim = await startTelegramSimulator({ limits: { perChat: 1000 } });
  const hook = await receiver();
  const secret = 'contract_secret';
  const adapter = new TelegramAdapter({ apiUrl: sim.url, botToken: sim.botToken, perChatGapMs: 0 });
  assert.equal((await adapter.setWebhook(hook.url, secret)).ok, true);
  const u = sim.user({ first_name: 'Cara' });
  return {
    name: 'telegram',
    adapter,
    customer: String(u.id),
    async inbound(text) {
      const n = hook.bodies.length;
      u.send(text);
      const got = await until(() => hook.bodies.slice(n).find((b) => b.body.includes(text)), 'the webhook');
      return { body: got.body, header: String(got.headers['x-telegram-bot-api-secret-token']) };
    },
    verify: (_body, header) => telegramSecretMatches(header, secret),
    parse: (body) => parseTelegramUpdate(JSON.parse(body), adapter.accountId, Date.now()).messages,
    lastSent() {
      const s = sim.sent().at(-1);
      const kb = (s?.params.reply_markup as { inline_keyboard?: Array<Array<{ callback_data: string }>> } | undefined)?.inline_keyboard;
      return {
        ...(typeof s?.params.text === 'string' ? { text: s.params.text } : {}),
        ...(kb ? { buttonIds: kb.flat().map((b) => b.callback_data) } : {}),
      };
    },
    unknownRecipient: '424242',
    async close() {
      await adapter.close();
      await sim.close();
      hook.server.close();
    },
  };
}

for (const make of [whatsapp, telegram]) {
  describe(`channel contract: ${make.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await make();
    });
    after(async () => h?.close());

    test('inbound: the provider’s verification passes, a tampered one fails, the text parses the same', async () => {
      const { body, header } = await h.inbound('contract hello');
      assert.equal(h.verify(body, header), true);
      assert.equal(h.verify(body, undefined), false);
      if (h.name === 'whatsapp') assert.equal(h.verify(body.replace('hello', 'HELLO'), header), false);
      else assert.equal(h.verify(body, `${header}x`), false);
      const [m] = h.parse(body);
      assert.ok(m);
      assert.equal(m.kind, 'text');
      assert.equal(m.text, 'contract hello');
      assert.equal(m.from, h.customer);
      assert.equal(m.channel, h.name);
      // Redelivery of the same body yields the same external id: the dedupe key.
      assert.equal(h.parse(body)[0]!.externalId, m.externalId);
    });

    test('send text and buttons: accepted with an external id; the simulator got what we asked', async () => {
      const text: OutboundContent = { type: 'text', text: 'Contract reply' };
      const r = await h.adapter.send({ to: h.customer, content: text });
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.ok(r.ok && r.externalId.length > 0);
      assert.equal(h.lastSent().text, 'Contract reply');
      const b = await h.adapter.send({
        to: h.customer,
        content: {
          type: 'buttons',
          body: 'Pick',
          buttons: [
            { id: 'a', title: 'A' },
            { id: 'b', title: 'B' },
          ],
        },
      });
      assert.equal(b.ok, true, JSON.stringify(b));
      assert.deepEqual(h.lastSent().buttonIds, ['a', 'b']);
    });

    test('a recipient the provider refuses: a failure that is not retried', async () => {
      const r = await h.adapter.send({ to: h.unknownRecipient, content: { type: 'text', text: 'hello?' } });
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.retryable === false, JSON.stringify(r));
    });

    test('capabilities are declared, each a boolean', async () => {
      for (const k of ['lists', 'templates', 'reactions', 'readReceipts', 'serviceWindow', 'edits'] as const)
        assert.equal(typeof h.adapter.capabilities[k], 'boolean');
    });
  });
}
