import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ChannelAdapter } from '../../src/channels/channel-adapter.ts';
import type { InboundMessage, OutboundContent, SendResult } from '../../src/channels/channel-types.ts';
import {
  parseTelegramUpdate,
  TelegramAdapter,
  type TelegramUploadStore,
  telegramSecretMatches,
} from '../../src/channels/telegram/index.ts';
import { createWhatsAppCloudAdapter, parseWhatsAppWebhook, verifyWhatsAppSignatureAny } from '../../src/channels/whatsapp-cloud/index.ts';
import { DEFAULT_API_VERSION } from '../../src/config.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { startTelegramSimulator, type UserMessageSpec } from '../../src/simulator/telegram/index.ts';

/**
 * One contract, both channels: each adapter runs against its own simulator over loopback, and the
 * same cases hold for both — inbound verified and every kind a customer can send on both parsed to
 * the same kinds and fields, every send kind both support one request the simulator records with
 * what we asked, the outcome of a rate limit (retryable, after the wait it names) and of a refusal
 * (not retried), and redelivery and order recognised. What exists on one channel only (templates,
 * reactions, WhatsApp identities; Telegram edits, venues, blocking) is tested per channel:
 * test/telegram/*, src/channels/whatsapp-cloud/*.test.ts.
 */

/** What a customer can send on both channels, named once. */
type InboundCase =
  | { kind: 'text'; text: string }
  | { kind: 'image'; caption: string }
  | { kind: 'video' | 'audio' | 'voice' | 'sticker' }
  | { kind: 'document'; filename: string }
  | { kind: 'location'; latitude: number; longitude: number }
  | { kind: 'contact'; phone: string; name: string };

/** A send as the simulator recorded it, in one shape for both providers. */
interface Sent {
  kind: string; // text, image, video, audio, document, location, contacts, choices (buttons or a list)
  text?: string;
  media?: string; // the link or id given
  caption?: string;
  location?: { latitude: number; longitude: number; name?: string };
  contact?: { phone?: string; name?: string };
  choiceIds?: string[];
  /** The external id of the message it quotes (our InboundMessage.externalId form). */
  replyTo?: string;
}

interface Harness {
  name: 'whatsapp' | 'telegram';
  adapter: ChannelAdapter;
  /** A customer we can send to, and who can write to us. */
  customer: string;
  /** The customer sends this; resolves with the raw webhook body and its verification header. */
  inbound(c: InboundCase): Promise<{ body: string; header: string }>;
  /** The customer quotes one of our messages (its external id) with a text. */
  reply(toExternalId: string, text: string): Promise<{ body: string }>;
  /** The customer presses a button of one of our messages. */
  press(sentExternalId: string, buttonId: string): Promise<{ body: string }>;
  verify(body: string, header: string | undefined): boolean;
  parse(body: string): InboundMessage[];
  /** The last send the simulator accepted, normalised. */
  lastSent(): Sent;
  /** A media id this channel accepts for a send (WhatsApp: an upload; Telegram: a file id it gave). */
  mediaId(): Promise<string>;
  /**
   * A file uploaded for sending, and its media id: WhatsApp's media endpoint; Telegram has none, so
   * the adapter's upload store holds it (Switchboard's is DATA_DIR + channel_uploads) until a send posts it.
   */
  upload(data: Buffer, mimeType: string, filename: string): Promise<string>;
  /** The file the provider holds for the last media send, fetched back from the simulator. */
  sentFile(): Promise<{ data: Buffer; mimeType?: string }>;
  /** The customer sends `text`; our endpoint answers its first delivery 500; resolves with both deliveries. */
  redelivered(text: string): Promise<string[]>;
  /** A recipient the provider refuses. */
  unknownRecipient: string;
  /** An adapter and customer on a second simulator with its per-chat limit at 1 message a second. */
  limited(): Promise<{ adapter: ChannelAdapter; to: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

interface Receiver {
  url: string;
  bodies: Array<{ body: string; headers: Record<string, unknown> }>;
  /** The next body containing `marker` is answered 500 (the provider must deliver it again). */
  failOnce(marker: string): void;
  server: Server;
}

function receiver(): Promise<Receiver> {
  const bodies: Receiver['bodies'] = [];
  const failing = new Set<string>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET') return res.end(url.searchParams.get('hub.challenge') ?? '');
    let body = '';
    for await (const chunk of req) body += chunk;
    bodies.push({ body, headers: req.headers });
    const marker = [...failing].find((m) => body.includes(m));
    if (marker !== undefined) {
      failing.delete(marker);
      res.statusCode = 500;
    }
    res.end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        bodies,
        failOnce: (m) => failing.add(m),
        server,
      }),
    ),
  );
}

/** Every body (so far and up to `n`) that contains `marker`, once there are `n`. */
async function deliveriesOf(hook: Receiver, marker: string, n: number): Promise<string[]> {
  return until(() => {
    const got = hook.bodies.filter((b) => b.body.includes(marker)).map((b) => b.body);
    return got.length >= n ? got : undefined;
  }, `${n} deliveries of ${marker}`);
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
  const sim = await startSimulator({ port: 0, host: '127.0.0.1', ...secrets, webhookRetry: { initialDelayMs: 50, jitter: 0 } });
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
  /** The webhook that carries the customer's message `wamid`. */
  const delivered = async (wamid: string) => {
    const got = await until(() => hook.bodies.find((b) => b.body.includes(wamid)), `the webhook of ${wamid}`);
    return { body: got.body, header: String(got.headers['x-hub-signature-256']) };
  };
  return {
    name: 'whatsapp',
    adapter,
    customer,
    async inbound(x) {
      switch (x.kind) {
        case 'text':
          return delivered(await c.sendText(x.text));
        case 'image':
          return delivered(await c.sendImage(PNG, { mimeType: 'image/png', caption: x.caption }));
        case 'video':
          return delivered(await c.sendVideo(PNG, { mimeType: 'video/mp4' }));
        case 'audio':
          return delivered(await c.sendAudio(PNG, { mimeType: 'audio/mpeg' }));
        case 'voice':
          return delivered(await c.sendAudio(PNG, { mimeType: 'audio/ogg', voice: true }));
        case 'sticker':
          return delivered(await c.sendSticker(PNG, { mimeType: 'image/webp' }));
        case 'document':
          return delivered(await c.sendDocument(PNG, { mimeType: 'application/pdf', filename: x.filename }));
        case 'location':
          return delivered(await c.sendLocation({ latitude: x.latitude, longitude: x.longitude }));
        case 'contact':
          return delivered(
            await c.sendContacts([{ name: { formatted_name: x.name, first_name: x.name }, phones: [{ phone: x.phone, type: 'CELL' }] }]),
          );
      }
    },
    reply: async (to, text) => delivered(await c.sendText(text, { replyTo: to })),
    press: async (sent, id) => delivered(await c.replyButton(sent, id)),
    verify: (body, header) => verifyWhatsAppSignatureAny(Buffer.from(body), header, [secrets.appSecret]).ok,
    parse: (body) => {
      const r = parseWhatsAppWebhook(JSON.parse(body), Date.now());
      return r.ok ? r.value.messages : [];
    },
    lastSent() {
      const m = sim.outbound().at(-1);
      assert.ok(m, 'the simulator recorded a send');
      const b = m.body;
      const t = String(b.type);
      const out: Sent = { kind: t };
      if (m.contextId) out.replyTo = m.contextId;
      if (t === 'text') out.text = b.text.body;
      if (['image', 'video', 'audio', 'document', 'sticker'].includes(t)) {
        out.media = b[t].link ?? b[t].id;
        if (b[t].caption !== undefined) out.caption = b[t].caption;
      }
      if (t === 'location')
        out.location = {
          latitude: b.location.latitude,
          longitude: b.location.longitude,
          ...(b.location.name ? { name: b.location.name } : {}),
        };
      if (t === 'contacts') out.contact = { phone: b.contacts[0]?.phones?.[0]?.phone, name: b.contacts[0]?.name?.formatted_name };
      if (t === 'interactive') {
        out.kind = 'choices';
        out.text = b.interactive.body?.text;
        const a = b.interactive.action;
        out.choiceIds = a.buttons
          ? a.buttons.map((x: { reply: { id: string } }) => x.reply.id)
          : a.sections.flatMap((s: { rows: Array<{ id: string }> }) => s.rows.map((r) => r.id));
      }
      return out;
    },
    async mediaId() {
      const up = await adapter.uploadMedia({ data: PNG, mimeType: 'image/png', filename: 'dot.png' });
      assert.ok(up.ok, JSON.stringify(up));
      return up.id;
    },
    async upload(data, mimeType, filename) {
      const up = await adapter.uploadMedia({ data, mimeType, filename });
      assert.ok(up.ok, JSON.stringify(up));
      return up.id;
    },
    async sentFile() {
      const b = sim.outbound().at(-1)?.body;
      const id = b?.[String(b.type)]?.id as string | undefined;
      assert.ok(id, 'the last send carried media');
      const got = await adapter.downloadMedia({ mediaId: id });
      assert.ok(got.ok, JSON.stringify(got));
      return { data: got.data, ...(got.mimeType ? { mimeType: got.mimeType } : {}) };
    },
    async redelivered(text) {
      hook.failOnce(text);
      await c.sendText(text);
      return deliveriesOf(hook, text, 2);
    },
    unknownRecipient: '12',
    async limited() {
      const s = await startSimulator({ port: 0, host: '127.0.0.1', ...secrets, throughputPerSecond: 1 });
      const a = createWhatsAppCloudAdapter({
        graphUrl: s.graphBaseUrl,
        apiVersion: DEFAULT_API_VERSION,
        phoneNumberId: s.phoneNumberId,
        accessToken: secrets.accessToken,
      });
      s.customer(customer, 'Cara');
      return {
        adapter: a,
        to: customer,
        async close() {
          await a.close();
          await s.close();
        },
      };
    },
    async close() {
      await adapter.close();
      await sim.close();
      hook.server.close();
    },
  };
}

async function telegram(): Promise<Harness> {
  const sim = await startTelegramSimulator({ limits: { perChat: 1000 }, retryDelaysMs: [50] });
  const hook = await receiver();
  const secret = 'contract_secret';
  const kept = new Map<string, { data: Buffer; mimeType: string; filename: string; fileId?: string }>();
  const uploads: TelegramUploadStore = {
    find: async (id) => {
      const k = kept.get(id);
      return k && { mimeType: k.mimeType, filename: k.filename, ...(k.fileId ? { fileId: k.fileId } : {}) };
    },
    read: async (id) => kept.get(id)?.data,
    remember: async (id, fileId) => {
      const k = kept.get(id);
      if (k) k.fileId = fileId;
    },
  };
  const adapter = new TelegramAdapter({ apiUrl: sim.url, botToken: sim.botToken, perChatGapMs: 0, uploads });
  assert.equal((await adapter.setWebhook(hook.url, secret)).ok, true);
  const u = sim.user({ first_name: 'Cara' });
  /** The webhook that carries update `updateId`. */
  const delivered = async (updateId: number) => {
    const got = await until(
      () => hook.bodies.find((b) => (JSON.parse(b.body) as { update_id?: number }).update_id === updateId),
      `update ${updateId}`,
    );
    return { body: got.body, header: String(got.headers['x-telegram-bot-api-secret-token']) };
  };
  const send = (spec: UserMessageSpec, opts?: { replyToMessageId?: number }) => delivered(u.send(spec, opts).update.update_id);
  const messageIdOf = (externalId: string) => Number(externalId.split(':').at(-1));
  let fileId: string | undefined;
  return {
    name: 'telegram',
    adapter,
    customer: String(u.id),
    async inbound(x) {
      switch (x.kind) {
        case 'text':
          return send({ type: 'text', text: x.text });
        case 'image':
          return send({ type: 'photo', data: PNG, caption: x.caption });
        case 'video':
        case 'audio':
        case 'voice':
        case 'sticker':
          return send({ type: x.kind, data: PNG });
        case 'document':
          return send({ type: 'document', data: PNG, fileName: x.filename });
        case 'location':
          return send({ type: 'location', latitude: x.latitude, longitude: x.longitude });
        case 'contact':
          return send({ type: 'contact', phone_number: x.phone, first_name: x.name });
      }
    },
    reply: (to, text) => send({ type: 'text', text }, { replyToMessageId: messageIdOf(to) }),
    press: async (sent, id) => {
      const n = hook.bodies.length;
      u.press(messageIdOf(sent), id);
      const got = await until(() => hook.bodies.slice(n).find((b) => b.body.includes('callback_query')), 'the press');
      return { body: got.body };
    },
    verify: (_body, header) => telegramSecretMatches(header, secret),
    parse: (body) => parseTelegramUpdate(JSON.parse(body), adapter.accountId, Date.now()).messages,
    lastSent() {
      const s = sim
        .sent()
        .filter((x) => x.method !== 'answerCallbackQuery' && x.method !== 'sendChatAction')
        .at(-1);
      assert.ok(s, 'the simulator recorded a send');
      const p = s.params;
      const kinds: Record<string, string> = {
        sendMessage: 'text',
        sendPhoto: 'image',
        sendVideo: 'video',
        sendAudio: 'audio',
        sendVoice: 'audio',
        sendDocument: 'document',
        sendSticker: 'sticker',
        sendLocation: 'location',
        sendVenue: 'location',
        sendContact: 'contacts',
      };
      const out: Sent = { kind: kinds[s.method] ?? s.method };
      const quoted = (p.reply_parameters as { message_id?: number } | undefined)?.message_id;
      if (quoted !== undefined) out.replyTo = `${p.chat_id}:${quoted}`;
      const field = {
        sendPhoto: 'photo',
        sendVideo: 'video',
        sendAudio: 'audio',
        sendVoice: 'voice',
        sendDocument: 'document',
        sendSticker: 'sticker',
      }[s.method as 'sendPhoto'];
      if (field) {
        out.media = String(p[field]);
        if (typeof p.caption === 'string') out.caption = p.caption;
      }
      if (s.method === 'sendLocation' || s.method === 'sendVenue')
        out.location = {
          latitude: Number(p.latitude),
          longitude: Number(p.longitude),
          ...(typeof p.title === 'string' ? { name: p.title } : {}),
        };
      if (s.method === 'sendContact') out.contact = { phone: String(p.phone_number), name: String(p.first_name) };
      const kb = (p.reply_markup as { inline_keyboard?: Array<Array<{ callback_data: string }>> } | undefined)?.inline_keyboard;
      if (s.method === 'sendMessage') out.text = String(p.text);
      if (kb) {
        out.kind = 'choices';
        out.choiceIds = kb.flat().map((b) => b.callback_data);
      }
      return out;
    },
    async mediaId() {
      // A file id Telegram gave: the one of a photo the customer sent (bots send by file id).
      if (fileId) return fileId;
      const { body } = await send({ type: 'photo', data: PNG });
      fileId = parseTelegramUpdate(JSON.parse(body), adapter.accountId, Date.now()).messages[0]?.media?.id;
      assert.ok(fileId);
      return fileId;
    },
    async upload(data, mimeType, filename) {
      const id = `up_contract${kept.size}`;
      kept.set(id, { data, mimeType, filename });
      return id;
    },
    async sentFile() {
      const s = sim.sent().at(-1);
      const field = s && ['photo', 'video', 'audio', 'voice', 'document', 'sticker'].find((f) => s.upload?.field === f || f in s.params);
      const id = s?.upload?.file_id ?? (field ? String(s?.params[field]) : undefined);
      assert.ok(id, 'the last send carried a file');
      const got = await adapter.downloadMedia({ mediaId: id });
      assert.ok(got.ok, JSON.stringify(got));
      return { data: got.data, ...(got.mimeType ? { mimeType: got.mimeType } : {}) };
    },
    async redelivered(text) {
      hook.failOnce(text);
      u.send(text);
      return deliveriesOf(hook, text, 2);
    },
    unknownRecipient: '424242',
    async limited() {
      const s = await startTelegramSimulator({ limits: { perChat: 1, perChatWindowMs: 1000 } });
      const a = new TelegramAdapter({ apiUrl: s.url, botToken: s.botToken, perChatGapMs: 0 });
      const user = s.user({ first_name: 'Lim' });
      return {
        adapter: a,
        to: String(user.id),
        async close() {
          await a.close();
          await s.close();
        },
      };
    },
    async close() {
      await adapter.close();
      await sim.close();
      hook.server.close();
    },
  };
}

/** Sends and asserts it was accepted with an external id. */
async function sent(h: Harness, content: OutboundContent, replyTo?: string): Promise<string> {
  const r = await h.adapter.send({ to: h.customer, content, ...(replyTo ? { replyTo } : {}) });
  assert.equal(r.ok, true, `${content.type}: ${JSON.stringify(r)}`);
  assert.ok(r.ok && r.externalId.length > 0);
  return r.ok ? r.externalId : '';
}

for (const make of [whatsapp, telegram]) {
  describe(`channel contract: ${make.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await make();
    });
    after(async () => h?.close());

    test('inbound: the provider’s verification passes, a tampered one fails, the text parses the same', async () => {
      const { body, header } = await h.inbound({ kind: 'text', text: 'contract hello' });
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
      assert.ok(m.sentAt > 0);
    });

    test('inbound: every kind both channels have parses to the same kind and fields', async () => {
      const one = async (c: InboundCase) => {
        const { body, header } = await h.inbound(c);
        assert.equal(h.verify(body, header), true);
        const ms = h.parse(body);
        assert.equal(ms.length, 1, `${c.kind}: one message`);
        assert.equal(ms[0]!.from, h.customer);
        return ms[0]!;
      };
      const image = await one({ kind: 'image', caption: 'a photo' });
      assert.equal(image.kind, 'image');
      assert.equal(image.text, 'a photo');
      assert.ok(image.media?.id, 'a media id to fetch it by');
      for (const [kind, expected] of [
        ['video', 'video'],
        ['audio', 'audio'],
        ['voice', 'audio'],
        ['sticker', 'sticker'],
      ] as const) {
        const m = await one({ kind });
        assert.equal(m.kind, expected, kind);
        assert.ok(m.media?.id, `${kind}: a media id`);
      }
      const doc = await one({ kind: 'document', filename: 'invoice.pdf' });
      assert.equal(doc.kind, 'document');
      assert.equal(doc.media?.filename, 'invoice.pdf');
      const at = await one({ kind: 'location', latitude: 52.52, longitude: 13.405 });
      assert.equal(at.kind, 'location');
      assert.deepEqual([at.location?.latitude, at.location?.longitude], [52.52, 13.405]);
      const card = await one({ kind: 'contact', phone: '+4915112345678', name: 'Bob' });
      assert.equal(card.kind, 'contacts');
      const first = card.contacts?.[0] as { name?: { formatted_name?: string }; phones?: Array<{ phone?: string }> };
      assert.equal(first.name?.formatted_name, 'Bob');
      assert.equal(first.phones?.[0]?.phone, '+4915112345678');
    });

    test('inbound: a reply names the quoted message; a button press comes back as the button id', async () => {
      const ours = await sent(h, {
        type: 'buttons',
        body: 'Pick',
        buttons: [
          { id: 'yes', title: 'Yes' },
          { id: 'no', title: 'No' },
        ],
      });
      const [reply] = h.parse((await h.reply(ours, 'about that')).body);
      assert.ok(reply);
      assert.equal(reply.kind, 'text');
      assert.equal(reply.text, 'about that');
      assert.equal(reply.context?.messageId, ours);
      const [press] = h.parse((await h.press(ours, 'no')).body);
      assert.ok(press);
      assert.equal(press.kind, 'interactive_reply');
      assert.equal(press.reply?.kind, 'button_reply');
      assert.equal(press.reply?.id, 'no');
      assert.equal(press.reply?.title, 'No');
      assert.equal(press.from, h.customer);
    });

    test('inbound: a delivery our endpoint failed comes again with the same external id (the dedupe key)', async () => {
      const deliveries = await h.redelivered('deliver me twice');
      assert.equal(deliveries.length, 2);
      const ids = deliveries.map((b) => {
        const [m] = h.parse(b);
        assert.equal(m?.text, 'deliver me twice');
        return m?.externalId;
      });
      assert.ok(ids[0]);
      assert.equal(ids[1], ids[0]);
    });

    test('inbound: a chat’s messages keep their order: distinct ids, send times that never go back', async () => {
      const texts = ['first', 'second', 'third'];
      const bodies: string[] = [];
      for (const t of texts) bodies.push((await h.inbound({ kind: 'text', text: `order ${t}` })).body);
      const parsed = bodies.map((b) => h.parse(b)[0]!);
      assert.equal(new Set(parsed.map((m) => m.externalId)).size, 3, 'distinct messages, distinct ids');
      for (let i = 1; i < parsed.length; i++) assert.ok(parsed[i]!.sentAt >= parsed[i - 1]!.sentAt, 'send times never go back');
      assert.deepEqual(
        parsed.map((m) => m.text),
        texts.map((t) => `order ${t}`),
      );
    });

    test('send text, and a reply quoting a customer’s message: the simulator got what we asked', async () => {
      await sent(h, { type: 'text', text: 'Contract reply' });
      assert.deepEqual(h.lastSent(), { kind: 'text', text: 'Contract reply' });
      const [theirs] = h.parse((await h.inbound({ kind: 'text', text: 'quote me' })).body);
      await sent(h, { type: 'text', text: 'quoting' }, theirs!.externalId);
      assert.deepEqual(h.lastSent(), { kind: 'text', text: 'quoting', replyTo: theirs!.externalId });
    });

    test('send media by link (image with caption, video, audio, document) and by media id', async () => {
      await sent(h, { type: 'image', link: 'https://example.com/cat.png', caption: 'a cat' });
      assert.deepEqual(h.lastSent(), { kind: 'image', media: 'https://example.com/cat.png', caption: 'a cat' });
      for (const type of ['video', 'audio', 'document'] as const) {
        await sent(h, { type, link: `https://example.com/file.${type}` });
        const s = h.lastSent();
        assert.equal(s.kind, type);
        assert.equal(s.media, `https://example.com/file.${type}`);
      }
      const id = await h.mediaId();
      await sent(h, { type: 'image', mediaId: id });
      assert.deepEqual(h.lastSent(), { kind: 'image', media: id });
    });

    test('media by upload: a PDF and a PNG uploaded for sending reach the provider with their exact bytes and type, and send again by the same id', async () => {
      const pdf = Buffer.from('%PDF-1.4\n% contract\n%%EOF\n');
      const docId = await h.upload(pdf, 'application/pdf', 'terms.pdf');
      await sent(h, { type: 'document', mediaId: docId, filename: 'terms.pdf', caption: 'the terms' });
      assert.equal(h.lastSent().kind, 'document');
      assert.equal(h.lastSent().caption, 'the terms');
      assert.deepEqual(await h.sentFile(), { data: pdf, mimeType: 'application/pdf' });
      const pngId = await h.upload(PNG, 'image/png', 'dot.png');
      for (const caption of ['first', 'again']) {
        await sent(h, { type: 'image', mediaId: pngId, caption });
        assert.deepEqual({ ...h.lastSent(), media: 'x' }, { kind: 'image', media: 'x', caption });
        assert.deepEqual(await h.sentFile(), { data: PNG, mimeType: 'image/png' });
      }
    });

    test('send a location (also a named place) and a contact', async () => {
      await sent(h, { type: 'location', latitude: 19.4326, longitude: -99.1332 });
      assert.deepEqual(h.lastSent(), { kind: 'location', location: { latitude: 19.4326, longitude: -99.1332 } });
      await sent(h, { type: 'location', latitude: 19.4326, longitude: -99.1332, name: 'Zócalo', address: 'Centro, CDMX' });
      assert.deepEqual(h.lastSent().location, { latitude: 19.4326, longitude: -99.1332, name: 'Zócalo' });
      await sent(h, {
        type: 'contacts',
        contacts: [{ name: { formatted_name: 'Dora', first_name: 'Dora' }, phones: [{ phone: '+5215512345678', type: 'CELL' }] }],
      });
      assert.deepEqual(h.lastSent(), { kind: 'contacts', contact: { phone: '+5215512345678', name: 'Dora' } });
    });

    test('send buttons and a list: the customer gets every choice with our ids', async () => {
      await sent(h, {
        type: 'buttons',
        body: 'Pick',
        buttons: [
          { id: 'a', title: 'A' },
          { id: 'b', title: 'B' },
        ],
      });
      assert.equal(h.lastSent().kind, 'choices');
      assert.deepEqual(h.lastSent().choiceIds, ['a', 'b']);
      await sent(h, {
        type: 'list',
        body: 'Choose a slot',
        button: 'Slots',
        sections: [
          { title: 'Morning', rows: [{ id: 'am9', title: '9:00' }] },
          {
            title: 'Afternoon',
            rows: [
              { id: 'pm2', title: '14:00' },
              { id: 'pm4', title: '16:00', description: 'last' },
            ],
          },
        ],
      });
      assert.equal(h.lastSent().kind, 'choices');
      assert.deepEqual(h.lastSent().choiceIds, ['am9', 'pm2', 'pm4']);
    });

    test('a rate limit is a retryable failure naming its wait; after the wait the same send goes', async () => {
      const l = await h.limited();
      try {
        const content: OutboundContent = { type: 'text', text: 'fast' };
        const first = await l.adapter.send({ to: l.to, content });
        assert.equal(first.ok, true, JSON.stringify(first));
        const second: SendResult = await l.adapter.send({ to: l.to, content });
        assert.equal(second.ok, false, 'over the limit');
        assert.ok(!second.ok && second.retryable === true, JSON.stringify(second));
        const wait = !second.ok ? (second.retryAfterMs ?? 0) : 0;
        assert.ok(wait > 0 && wait <= 10_000, `a wait to honour: ${wait} ms`);
        await new Promise((r) => setTimeout(r, wait + 100));
        const third = await l.adapter.send({ to: l.to, content });
        assert.equal(third.ok, true, JSON.stringify(third));
      } finally {
        await l.close();
      }
    });

    test('a recipient the provider refuses: a failure that is not retried', async () => {
      const r = await h.adapter.send({ to: h.unknownRecipient, content: { type: 'text', text: 'hello?' } });
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.retryable === false, JSON.stringify(r));
    });

    test('capabilities are declared, each a boolean', async () => {
      for (const k of ['lists', 'templates', 'reactions', 'readReceipts', 'serviceWindow', 'edits', 'uploads', 'messagingTier'] as const)
        assert.equal(typeof h.adapter.capabilities[k], 'boolean');
    });
  });
}
