import type { FastifyInstance, FastifyRequest } from 'fastify';
import { releaseBot } from '../bot/bot-pause.ts';
import { jsonObject, optionalStringField, refuseUnknownFields } from '../auth/body-fields.ts';
import { HttpError } from '../core/http-error.ts';
import { actorOf } from '../routing/routing-routes.ts';
import type { Deps } from '../deps.ts';
import { isPlainObject } from './expression.ts';
import { flowSchema } from './flow-schema.ts';
import { deleteFlow, forgetPublished, getFlow, listFlows, listResults, listSessions, listVersions, saveDraft, type FlowRow } from './flow-store.ts';
import type { FlowDocument } from './flow-types.ts';
import { flowView, resultsCsv, resultView, sessionView } from './flow-views.ts';
import { publishFlow, rollbackFlow } from './publish-flow.ts';
import { startFlow } from './start-flow.ts';
import { parseTemplateSendBody, type TemplateSendBody } from '../templates/send-template.ts';
import { parseFlowSource, validateFlow } from './validate-flow.ts';
import { bsuidField } from '../contacts/whatsapp-contact-store.ts';

const SESSION_STATUSES = new Set(['active', 'waiting', 'succeeded', 'failed', 'expired']);

/** /api/v1/flows: documents, versions, starts, sessions and results (docs/flows.md). Admin-only but the schema. */
export async function flowRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;
  // Flow documents may be posted as YAML (or as JSON text): handed to the parser as a string.
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const channels = () => db.selectFrom('channels').select(['id', 'display_phone_number']).execute();
  const flowOr404 = async (id: string): Promise<FlowRow> => {
    const f = await getFlow(db, id);
    if (!f) throw new HttpError(404, 'flow_not_found', `No flow ${id}.`);
    return f;
  };
  const by = (req: FastifyRequest) => (req.principal ? (req.principal.userId ? `user:${req.principal.userId}` : req.principal.tokenId ? `token:${req.principal.tokenId}` : req.principal.kind) : 'api');

  app.get('/api/v1/flows/schema', { config: { access: 'public' } }, async () => flowSchema);

  app.post('/api/v1/flows/validate', async (req) => {
    const checked = check(req.body);
    return checked.ok ? { valid: true, errors: [], warnings: checked.warnings } : { valid: false, errors: checked.errors, warnings: checked.warnings };
  });

  app.get('/api/v1/flows', async () => {
    const ch = await channels();
    return { data: (await listFlows(db)).map((f) => flowView(f, ch)) };
  });

  app.post('/api/v1/flows', async (req, reply) => {
    const doc = validOr422(req.body);
    if (await getFlow(db, doc.flow.id)) throw new HttpError(409, 'flow_exists', `A flow ${doc.flow.id} exists; PUT /api/v1/flows/${doc.flow.id} changes its draft.`);
    await saveDraft(db, doc.flow, 'api', deps.clock.now());
    return reply.status(201).send({ ...flowView(await flowOr404(doc.flow.id), await channels(), { withDraft: true }), warnings: doc.warnings });
  });

  app.get('/api/v1/flows/:id', async (req) => flowView(await flowOr404(idOf(req)), await channels(), { withDraft: true }));

  app.put('/api/v1/flows/:id', async (req) => {
    const id = idOf(req);
    const existing = await flowOr404(id);
    let body = req.body;
    if (typeof body === 'string') {
      const parsed = parseFlowSource(body);
      if (!parsed.ok) throw invalid([parsed.error], []);
      body = parsed.doc;
    }
    if (isPlainObject(body) && body.id === undefined) body = { ...body, id };
    const doc = validOr422(body);
    if (doc.flow.id !== id) throw new HttpError(400, 'flow_id_mismatch', `The document's id "${doc.flow.id}" is not "${id}".`);
    await saveDraft(db, doc.flow, existing.source, deps.clock.now());
    return { ...flowView(await flowOr404(id), await channels(), { withDraft: true }), warnings: doc.warnings };
  });

  app.delete('/api/v1/flows/:id', async (req, reply) => {
    if (!(await deleteFlow(db, idOf(req), deps.clock.now()))) throw new HttpError(404, 'flow_not_found', `No flow ${idOf(req)}.`);
    forgetPublished(db);
    return reply.status(204).send();
  });

  app.post('/api/v1/flows/:id/publish', async (req) => {
    const flow = await flowOr404(idOf(req));
    const doc = validOr422(JSON.parse(flow.draft));
    const r = await db.transaction().execute((trx) => publishFlow(trx, doc.flow, { by: by(req), source: flow.source, now: deps.clock.now() }));
    forgetPublished(db); // again after commit: a message in between may have cached the old set
    return { id: flow.id, version: r.version, created: r.created, warnings: doc.warnings };
  });

  app.get('/api/v1/flows/:id/versions', async (req) => {
    const flow = await flowOr404(idOf(req));
    const versions = await listVersions(db, flow.id);
    return {
      data: versions.map((v) => ({ version: v.version, checksum: v.checksum, published_at: new Date(v.published_at).toISOString(), published_by: v.published_by, rollback_of: v.rollback_of, current: v.version === flow.published_version })),
    };
  });

  app.post('/api/v1/flows/:id/rollback', async (req) => {
    const version = jsonObject(req.body, ['version']).version;
    const flow = await flowOr404(idOf(req));
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw new HttpError(400, 'version_required', 'Send {"version": <a published version number>}.');
    const r = await db.transaction().execute((trx) => rollbackFlow(trx, flow.id, version, { by: by(req), now: deps.clock.now() }));
    forgetPublished(db);
    if (!r) throw new HttpError(404, 'version_not_found', `Flow ${flow.id} has no version ${version}.`);
    return { id: flow.id, version: r.version, rollback_of: version };
  });

  app.post('/api/v1/flows/:id/start', async (req, reply) => {
    const b = jsonObject(req.body, ['contact_id', 'phone', 'bsuid', 'variables', 'channel_id', 'template']);
    const flow = await flowOr404(idOf(req));
    if (flow.published_version === null) throw new HttpError(409, 'flow_not_published', `Flow ${flow.id} has no published version; POST /api/v1/flows/${flow.id}/publish first.`);
    const contactId = optionalStringField(b.contact_id, 'contact_id');
    const phone = optionalStringField(b.phone, 'phone');
    const bsuid = b.bsuid === undefined ? undefined : bsuidField(b.bsuid);
    if ([contactId, phone, bsuid].filter((v) => v !== undefined).length !== 1) {
      throw new HttpError(400, 'contact_required', 'Send exactly one of "contact_id", "phone" or "bsuid".');
    }
    if (b.variables !== undefined && !isPlainObject(b.variables)) throw new HttpError(400, 'invalid_variables', '"variables" must be an object.');
    if (b.channel_id !== undefined && typeof b.channel_id !== 'string') throw new HttpError(400, 'invalid_channel', '"channel_id" must be a string.');
    const template = b.template === undefined ? undefined : templateStartOf(b.template);
    const session = await startFlow(deps, {
      flowId: flow.id,
      version: flow.published_version,
      contactId,
      phone,
      bsuid,
      channelId: typeof b.channel_id === 'string' ? b.channel_id : undefined,
      variables: isPlainObject(b.variables) ? b.variables : undefined,
      template,
      author: by(req),
    });
    return reply.status(202).send({ ...sessionView(session), ...(session.template_message ? { template_message: session.template_message } : {}) });
  });

  app.get('/api/v1/flows/:id/sessions', async (req) => {
    const flow = await flowOr404(idOf(req));
    const q = query(req);
    if (q.status !== undefined && !SESSION_STATUSES.has(q.status)) throw new HttpError(400, 'invalid_status', `status must be one of ${[...SESSION_STATUSES].join(', ')}.`);
    return { data: (await listSessions(db, flow.id, { status: q.status, limit: limitOf(q.limit) })).map(sessionView) };
  });

  app.get('/api/v1/flows/:id/results', async (req, reply) => {
    const flow = await flowOr404(idOf(req));
    const q = query(req);
    const version = q.version === undefined ? undefined : Number(q.version);
    if (version !== undefined && (!Number.isInteger(version) || version < 1)) throw new HttpError(400, 'invalid_version', 'version must be a positive whole number.');
    const results = (await listResults(db, flow.id, { limit: limitOf(q.limit, 10_000), version })).map(resultView);
    if (q.format === 'csv') {
      return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${flow.id}-results.csv"`).send(resultsCsv(results));
    }
    if (q.format !== undefined && q.format !== 'json') throw new HttpError(400, 'invalid_format', 'format is json or csv.');
    return { data: results };
  });

  // Gives the conversation back to the bot after a hand-off: the same release as
  // POST /api/v1/conversations/:id/bot/resume (which the inbox uses), kept for existing callers.
  app.delete('/api/v1/flows/handoffs/:conversationId', async (req, reply) => {
    const conversationId = field(req.params, 'conversationId');
    const resumed = await db.transaction().execute((trx) => releaseBot(trx, deps, { conversationId, by: actorOf(req), reason: 'resumed', now: deps.clock.now() }));
    if (!resumed) throw new HttpError(404, 'handoff_not_found', 'The bot is not paused in that conversation.');
    deps.jobs.wake();
    return reply.status(204).send();
  });
}

/** `template: {name, language?, parameters?, override_opt_in?}` of a start, read like a template send. */
function templateStartOf(raw: unknown): TemplateSendBody {
  if (!isPlainObject(raw) || typeof raw.name !== 'string' || raw.name.trim() === '') throw new HttpError(400, 'invalid_template', '"template" must be {"name": "...", "language"?: "es_MX", "parameters"?: [...] or {...}}.');
  refuseUnknownFields(raw, ['name', 'language', 'parameters', 'override_opt_in'], '"template"');
  return parseTemplateSendBody({ template: raw.name, language: raw.language, parameters: raw.parameters, override_opt_in: raw.override_opt_in });
}

function check(body: unknown) {
  const parsed = parseFlowSource(body);
  if (!parsed.ok) return { ok: false as const, errors: [parsed.error], warnings: [] };
  return validateFlow(parsed.doc);
}

function validOr422(body: unknown): { flow: FlowDocument; warnings: unknown[] } {
  const checked = check(body);
  if (!checked.ok) throw invalid(checked.errors, checked.warnings);
  return { flow: checked.flow, warnings: checked.warnings };
}

function invalid(errors: unknown[], warnings: unknown[]): HttpError {
  return new HttpError(422, 'flow_invalid', `The flow document has ${errors.length} problem(s).`, { errors, warnings });
}

function idOf(req: FastifyRequest): string {
  return field(req.params, 'id');
}

/** Fastify's params and query objects are not plain objects: read one string field. */
function field(o: unknown, key: string): string {
  if (typeof o !== 'object' || o === null || !(key in o)) return '';
  const v: unknown = Reflect.get(o, key);
  return typeof v === 'string' ? v : '';
}

function query(req: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof req.query === 'object' && req.query !== null) for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string') out[k] = v;
  return out;
}

function limitOf(raw: string | undefined, max = 500): number {
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new HttpError(400, 'invalid_limit', `limit must be a whole number from 1 to ${max}.`);
  return n;
}
