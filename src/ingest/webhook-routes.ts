import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { webhookAccounts } from '../channels/whatsapp-cloud/index.ts';
import { verifyWhatsAppSignatureAny } from '../channels/whatsapp-cloud/index.ts';
import { HttpError } from '../core/http-error.ts';
import { webhookEvents } from '../core/metrics.ts';
import type { Deps } from '../deps.ts';
import { EventWriter } from './event-writer.ts';
import type { IngestLoop } from './ingest-loop.ts';
import { jsonDeeperThan, MAX_WEBHOOK_JSON_DEPTH } from './json-depth.ts';
import { isStatusOnlyWebhook } from './status-only-webhook.ts';
import { WebhookSecretBinding } from './webhook-secret-binding.ts';

/**
 * Meta's webhook endpoint. POST does the least that makes the event safe: refuse at once a request
 * without a plausible signature header, check the signature over the raw bytes, check it is JSON
 * no deeper than MAX_WEBHOOK_JSON_DEPTH, store it, answer 200 — a 200 only for what can be stored
 * and processed. Everything else happens in the
 * ingest loop, so Meta never waits on our processing.
 */
export async function webhookRoutes(app: FastifyInstance, opts: { deps: Deps; ingest: IngestLoop }): Promise<void> {
  const { deps, ingest } = opts;
  const writer = new EventWriter(deps.storage.db, deps.storage.dialect, {
    windowMs: deps.config.webhookCommitWindowMs ?? DEFAULT_COMMIT_WINDOW_MS,
    statusWindowMs: deps.config.webhookStatusCommitWindowMs ?? DEFAULT_STATUS_COMMIT_WINDOW_MS,
    inline: ingest.inline(),
  });
  // The numbers are registered before the app is built and never change while it runs.
  const binding = new WebhookSecretBinding(deps.channels.all());
  const accepted = webhookEvents.labels('accepted', '');
  const health = deps.webhookHealth;
  // A refusal is counted by its reason; a signature failure is also noted for the numbers the body names.
  const refuse = (status: number, reason: string, message: string, raw?: Buffer): HttpError => {
    webhookEvents.labels('rejected', reason).inc();
    if (raw) health.signatureFailed(namedNumbers(raw), deps.clock.now());
    return new HttpError(status, reason, message);
  };
  // Raw bytes for every content type in this scope: the signature is over the exact body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.config.webhookBodyLimitBytes }, (_req, body, done) =>
    done(null, body),
  );

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

  // Before the body is read: without a signature header that could be valid, nothing the body says
  // can be accepted, so it is not buffered (up to WEBHOOK_BODY_LIMIT_BYTES) only to be refused.
  // The connection is closed after the 401 rather than kept alive to read the rest of the body.
  const refuseUnsigned = async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers['x-hub-signature-256'];
    const look = implausibleSignature(typeof header === 'string' ? header : undefined);
    if (look === undefined) return;
    webhookEvents.labels('rejected', `${look}_signature`).inc();
    health.signatureFailed([], deps.clock.now());
    return reply
      .status(401)
      .header('connection', 'close')
      .send({ error: { code: 'invalid_signature', message: `X-Hub-Signature-256 is ${look}.` } });
  };

  app.post('/webhooks/whatsapp', { onRequest: refuseUnsigned }, async (req, reply) => {
    ingest.gate.noteRequest();
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const header = req.headers['x-hub-signature-256'];
    const sig = verifyWhatsAppSignatureAny(raw, typeof header === 'string' ? header : undefined, binding.secrets);
    if (!sig.ok) throw refuse(401, 'invalid_signature', `X-Hub-Signature-256 is ${sig.reason}.`, raw);
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/(.+\+)?json\b/i.test(type)) throw refuse(400, 'not_json', 'Content-Type must be application/json.');
    // Decided before the 200: a body nested deeper than this could not be stored and processed.
    if (jsonDeeperThan(raw, MAX_WEBHOOK_JSON_DEPTH)) {
      throw refuse(
        400,
        'json_too_deep',
        `The body nests arrays and objects more than ${MAX_WEBHOOK_JSON_DEPTH} levels deep; no WhatsApp webhook does.`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw refuse(400, 'invalid_json', 'The body is not valid JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw refuse(400, 'invalid_payload', 'The body must be a JSON object.');
    // A valid signature says which Meta app sent this; that app may speak only for its own numbers.
    const accounts = webhookAccounts(body);
    const foreign = binding.foreignAccount(sig.secretIndex, accounts);
    if (foreign !== undefined) {
      req.log.warn({ account: foreign }, "webhook refused: signed with the app secret of another Meta app than this account's");
      throw refuse(
        403,
        'secret_not_bound',
        `X-Hub-Signature-256 was made with an app secret that does not belong to account ${foreign} named in the body.`,
      );
    }
    const stored = await writer.accept('whatsapp', raw.toString('utf8'), deps.clock.now(), body, isStatusOnlyWebhook(body));
    if (stored.pending && stored.id !== null) {
      deps.parsedBodies.remember(stored.id, body);
      ingest.wake();
    }
    accepted.inc();
    health.accepted(accounts.phoneNumberIds, deps.clock.now());
    return reply.status(200).send();
  });
}

const NO_BYTES = Buffer.alloc(0);
// At 100 msg/s (400 webhooks a second with their statuses) one arrives every 2.5 ms on average:
// 2 ms lets neighbours share a commit and keeps the acknowledgement within a few ms
// (docs/benchmarks.md, (p)).
export const DEFAULT_COMMIT_WINDOW_MS = 2;
// Status callbacks only (three per message sent, 10-120 ms apart in the simulator, Meta waits
// seconds for its 200): a longer window lets the statuses of many messages share one commit
// (docs/benchmarks.md, (p), step 15).
export const DEFAULT_STATUS_COMMIT_WINDOW_MS = 20;

/** The numbers an unverified body names (for the status page only; nothing else trusts it). */
function namedNumbers(raw: Buffer): string[] {
  // Refusals stay cheap: a large or deeply nested forged body is not parsed for this.
  if (raw.length > 64 * 1024 || jsonDeeperThan(raw, MAX_WEBHOOK_JSON_DEPTH)) return [];
  try {
    return webhookAccounts(JSON.parse(raw.toString('utf8'))).phoneNumberIds;
  } catch {
    return [];
  }
}

/** 'missing' or 'malformed' when the header is not of the form `sha256=<64 hex digits>`; undefined when it is. */
function implausibleSignature(header: string | undefined): 'missing' | 'malformed' | undefined {
  // With no secret to try, the check says only whether the header itself is well formed.
  const check = verifyWhatsAppSignatureAny(NO_BYTES, header, []);
  return check.ok || check.reason === 'mismatch' ? undefined : check.reason;
}
