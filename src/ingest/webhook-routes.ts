import type { FastifyInstance } from 'fastify';
import { webhookAccounts } from '../channels/whatsapp-cloud/webhook-accounts.ts';
import { verifyWhatsAppSignatureAny } from '../channels/whatsapp-cloud/webhook-signature.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { EventWriter } from './event-writer.ts';
import type { IngestLoop } from './ingest-loop.ts';
import { WebhookSecretBinding } from './webhook-secret-binding.ts';

/**
 * Meta's webhook endpoint. POST does the least that makes the event safe: check the signature
 * over the raw bytes, check it is JSON, store it, answer 200. Everything else happens in the
 * ingest loop, so Meta never waits on our processing.
 */
export async function webhookRoutes(app: FastifyInstance, opts: { deps: Deps; ingest: IngestLoop }): Promise<void> {
  const { deps, ingest } = opts;
  const writer = new EventWriter(deps.storage.db, deps.storage.dialect);
  // The numbers are registered before the app is built and never change while it runs.
  const binding = new WebhookSecretBinding(deps.channels.all());
  // Raw bytes for every content type in this scope: the signature is over the exact body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.config.webhookBodyLimitBytes }, (_req, body, done) => done(null, body));

  app.get('/webhooks/whatsapp', async (req, reply) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const mode = q['hub.mode'];
    const token = q['hub.verify_token'];
    const challenge = q['hub.challenge'];
    const tokens = deps.channels.all().map((c) => c.verifyToken);
    if (mode === 'subscribe' && typeof token === 'string' && tokens.includes(token) && typeof challenge === 'string') {
      return reply.type('text/plain').send(challenge);
    }
    return reply.status(403).type('text/plain').send('verification failed');
  });

  app.post('/webhooks/whatsapp', async (req, reply) => {
    ingest.gate.noteRequest();
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const header = req.headers['x-hub-signature-256'];
    const sig = verifyWhatsAppSignatureAny(raw, typeof header === 'string' ? header : undefined, binding.secrets);
    if (!sig.ok) throw new HttpError(401, 'invalid_signature', `X-Hub-Signature-256 is ${sig.reason}.`);
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/(.+\+)?json\b/i.test(type)) throw new HttpError(400, 'not_json', 'Content-Type must be application/json.');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid_payload', 'The body must be a JSON object.');
    // A valid signature says which Meta app sent this; that app may speak only for its own numbers.
    const foreign = binding.foreignAccount(sig.secretIndex, webhookAccounts(body));
    if (foreign !== undefined) {
      req.log.warn({ account: foreign }, 'webhook refused: signed with the app secret of another Meta app than this account\'s');
      throw new HttpError(403, 'secret_not_bound', `X-Hub-Signature-256 was made with an app secret that does not belong to account ${foreign} named in the body.`);
    }
    const id = await writer.store('whatsapp', raw.toString('utf8'), deps.clock.now());
    deps.parsedBodies.remember(id, body);
    ingest.wake();
    return reply.status(200).send();
  });
}
