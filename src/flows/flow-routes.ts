import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { releaseBot } from '../bot/bot-pause.ts';
import { bsuidField } from '../contacts/bsuid-field.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, NoContent, Nullable, routeSchema, Timestamp } from '../http/route-schema.ts';
import { actorOf } from '../routing/routing-routes.ts';
import { overrideOf, templateHttpError } from '../templates/template-http.ts';
import { flowSchema } from './flow-schema.ts';
import {
  deleteFlow,
  forgetPublished,
  getFlow,
  listFlows,
  listResults,
  listSessions,
  listVersions,
  saveDraft,
  type FlowRow,
} from './flow-store.ts';
import type { FlowDocument } from './flow-types.ts';
import { flowView, resultsCsv, resultView, sessionView } from './flow-views.ts';
import { isPlainObject } from './expression.ts';
import { publishFlow, rollbackFlow } from './publish-flow.ts';
import { startFlow, type StartRefusal } from './start-flow.ts';
import { parseFlowSource, validateFlow } from './validate-flow.ts';

/** The TypeBox schemas of /api/v1/flows (docs/flows.md; the flow document's own schema is GET /api/v1/flows/schema). */

const Problem = Type.Object({
  block: Nullable(Type.String()),
  field: Nullable(Type.String()),
  path: Type.String({ description: 'JSON pointer into the document' }),
  message: Type.String(),
});
export const Problems = (description: string) => Type.Array(Problem, { description });
const problemExample = {
  block: 'ask_name',
  field: 'exits',
  path: '/blocks/ask_name/exits',
  message: 'Exit "next" goes to a block that does not exist: "nope".',
};

export const flowDocumentExample = {
  id: 'welcome',
  name: 'Welcome',
  start: 'hello',
  triggers: [{ type: 'keyword', value: 'hola' }],
  blocks: { hello: { type: 'end', status: 'succeeded', message: '¡Hola! Bienvenido.' } },
};

/**
 * A flow document (JSON), or its YAML or JSON text (Content-Type application/yaml or text/plain).
 * Checked by the flow schema, not here: any problem is 422 flow_invalid listing every one, unknown
 * fields included, with its block and JSON pointer.
 */
export const FlowDocumentBody = Type.Union(
  [
    Type.Object(
      {
        id: Type.Optional(Type.Unknown({ description: 'string: the flow id (lowercase letters, digits, _ and -)' })),
        name: Type.Optional(Type.Unknown({ description: 'string' })),
        start: Type.Optional(Type.Unknown({ description: 'string: the first block' })),
        triggers: Type.Optional(Type.Unknown({ description: 'array: keyword, exact, regex, template_button... triggers' })),
        variables: Type.Optional(Type.Unknown({ description: 'object: session variables and their defaults' })),
        blocks: Type.Optional(Type.Unknown({ description: 'object: the blocks by name (send, ask, choice, condition, http, end...)' })),
      },
      { description: 'a flow document (see GET /api/v1/flows/schema)' },
    ),
    Type.String({ description: 'the document as YAML or JSON text' }),
  ],
  { examples: [flowDocumentExample] },
);

const Trigger = Type.Object({
  type: Type.String(),
  value: Nullable(Type.String()),
  channel: Nullable(Type.String()),
  template: Type.Optional(Type.String({ description: 'template_button: the template' })),
  payload: Type.Optional(Type.String({ description: 'template_button: the button payload' })),
  wa_me_links: Type.Array(Type.Object({ channel_id: Type.String(), url: Type.String() }), {
    description: 'shareable links that start it (keyword and exact triggers)',
  }),
});

const flowFields = {
  id: Type.String(),
  name: Type.String(),
  published_version: Nullable(Type.Integer({ description: 'the live version; null until published' })),
  source: Type.String({ description: 'api, or the file it was loaded from' }),
  triggers: Type.Array(Trigger),
  created_at: Timestamp(),
  updated_at: Timestamp(),
};
const flowExample = {
  id: 'welcome',
  name: 'Welcome',
  published_version: 2,
  source: 'api',
  triggers: [
    {
      type: 'keyword',
      value: 'hola',
      channel: null,
      wa_me_links: [{ channel_id: 'wa_106540352242922', url: 'https://wa.me/15550001111?text=hola' }],
    },
  ],
  created_at: '2026-05-01T10:00:00.000Z',
  updated_at: '2026-05-01T10:00:00.000Z',
};
/** The draft document, as saved (the flow schema describes it: GET /api/v1/flows/schema). */
const Draft = Type.Unsafe<FlowDocument>({ type: 'object', additionalProperties: true, description: 'the draft document' });
export const FlowList = Type.Object({ data: Type.Array(Type.Object(flowFields)) }, { examples: [{ data: [flowExample] }] });
export const FlowDetail = (description: string) =>
  Type.Object({ ...flowFields, draft: Draft }, { description, examples: [{ ...flowExample, draft: flowDocumentExample }] });
export const FlowSaved = (description: string) =>
  Type.Object(
    {
      ...flowFields,
      draft: Draft,
      warnings: Problems('what may not work as meant'),
    },
    { description, examples: [{ ...flowExample, draft: flowDocumentExample, warnings: [] }] },
  );

export const Validation = Type.Object(
  { valid: Type.Boolean(), errors: Problems('what must be fixed'), warnings: Problems('what may not work as meant') },
  { examples: [{ valid: false, errors: [problemExample], warnings: [] }] },
);

const sessionFields = {
  id: Type.String(),
  flow_id: Type.String(),
  version: Type.Integer(),
  contact_id: Type.String(),
  channel_id: Type.String(),
  conversation_id: Type.String(),
  current_block: Type.String(),
  status: Type.String({ description: 'active, waiting, succeeded, failed or expired' }),
  awaiting: Nullable(Type.String({ description: 'what a waiting session waits for: answer, button, timer, http...' })),
  reason: Nullable(Type.String({ description: 'why it ended' })),
  variables: Type.Unknown({ description: 'the session variables' }),
  wake_at: Nullable(Timestamp()),
  started_at: Timestamp(),
  updated_at: Timestamp(),
  ended_at: Nullable(Timestamp()),
};
const sessionExample = {
  id: 'fls_01J9Z',
  flow_id: 'welcome',
  version: 2,
  contact_id: 'con_01J9Z',
  channel_id: 'wa_106540352242922',
  conversation_id: 'cnv_01J9Z',
  current_block: 'hello',
  status: 'active',
  awaiting: null,
  reason: null,
  variables: {},
  wake_at: null,
  started_at: '2026-05-01T10:00:00.000Z',
  updated_at: '2026-05-01T10:00:00.000Z',
  ended_at: null,
};
export const Sessions = Type.Object({ data: Type.Array(Type.Object(sessionFields)) }, { examples: [{ data: [sessionExample] }] });
export const Started = Type.Object(
  {
    ...sessionFields,
    template_message: Type.Optional(
      Type.Object(
        { id: Type.String(), conversation_id: Type.String(), status: Type.String(), created_at: Timestamp() },
        { description: 'with `template`: the template sent' },
      ),
    ),
  },
  { description: 'the session, started (its first step is queued)', examples: [sessionExample] },
);

const resultExample = {
  session_id: 'fls_01J9Z',
  flow_id: 'welcome',
  version: 2,
  contact_id: 'con_01J9Z',
  conversation_id: 'cnv_01J9Z',
  status: 'succeeded',
  reason: null,
  result: { plan: 'pro' },
  answers: [{ block: 'ask_plan', answer: 'pro', valid: true, at: '2026-05-01T10:01:00.000Z' }],
  variables: {},
  started_at: '2026-05-01T10:00:00.000Z',
  ended_at: '2026-05-01T10:02:00.000Z',
  duration_ms: 120000,
};
export const Results = Type.Object(
  {
    data: Type.Array(
      Type.Object({
        session_id: Type.String(),
        flow_id: Type.String(),
        version: Type.Integer(),
        contact_id: Type.String(),
        conversation_id: Type.String(),
        status: Type.String({ description: 'succeeded or failed' }),
        reason: Nullable(Type.String()),
        result: Type.Unknown({ description: "the end block's result" }),
        answers: Type.Unknown({ description: 'every answer: [{block, answer, valid, at}]' }),
        variables: Type.Unknown(),
        started_at: Timestamp(),
        ended_at: Timestamp(),
        duration_ms: Type.Number(),
      }),
    ),
  },
  { description: 'the results (format=json)' },
);
export const resultsExamples = [{ data: [resultExample] }];

export const Versions = Type.Object(
  {
    data: Type.Array(
      Type.Object({
        version: Type.Integer(),
        checksum: Type.String(),
        published_at: Timestamp(),
        published_by: Type.String({ description: 'user:<id>, token:<id> or api' }),
        rollback_of: Nullable(Type.Integer({ description: 'the version this one republished' })),
        current: Type.Boolean({ description: 'the live version' }),
      }),
    ),
  },
  {
    examples: [
      {
        data: [
          {
            version: 1,
            checksum: 'sha256:9f2c…',
            published_at: '2026-05-01T10:00:00.000Z',
            published_by: 'user:usr_01J9Z',
            rollback_of: null,
            current: true,
          },
        ],
      },
    ],
  },
);

const versionRequired = fieldError('version_required', 400, 'Send {"version": <a published version number>}.');
export const RollbackBody = Type.Object(
  { version: Type.Integer({ minimum: 1, description: 'a published version', ...versionRequired }) },
  { additionalProperties: false, examples: [{ version: 1 }] },
);

const invalidTemplate = fieldError(
  'invalid_template',
  400,
  '"template" must be {"name": "...", "language"?: "es_MX", "parameters"?: [...] or {...}}.',
);
const overrideError = fieldError(
  'override_reason_required',
  400,
  'override_opt_in must be {"reason": "..."} with a reason of 3 to 500 characters; it is recorded on the message.',
);
const idField = (field: string, description: string) =>
  Type.String({
    minLength: 1,
    maxLength: 200,
    pattern: '\\S',
    description,
    ...fieldError(`invalid_${field}`, 400, `"${field}" must be a non-empty string of at most 200 characters.`),
  });
export const StartBody = Type.Object(
  {
    contact_id: Type.Optional(idField('contact_id', 'a contact id')),
    phone: Type.Optional(idField('phone', 'E.164, like +5215512345678')),
    bsuid: Type.Optional(
      Type.String({
        description: 'a business-scoped user ID, like US.13491208655302741918',
        ...fieldError(
          'invalid_bsuid',
          422,
          '"bsuid" must be a WhatsApp business-scoped user ID as webhooks give it: a two-letter country code, ".", then up to 128 letters and digits, like US.13491208655302741918.',
        ),
      }),
    ),
    variables: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'session variables',
        ...fieldError('invalid_variables', 400, '"variables" must be an object.'),
      }),
    ),
    channel_id: Type.Optional(
      Type.String({
        description: 'the number (default: the first)',
        ...fieldError('invalid_channel', 400, '"channel_id" must be a string.'),
      }),
    ),
    template: Type.Optional(
      Type.Object(
        {
          name: Type.String({ description: 'an approved template', ...invalidTemplate }),
          language: Type.Optional(
            Type.String({ description: 'e.g. es_MX', ...fieldError('bad_request', 400, 'language must be a string such as es_MX.') }),
          ),
          parameters: Type.Optional(Type.Unknown({ description: 'as for a template send' })),
          override_opt_in: Type.Optional(
            Nullable(
              Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500, ...overrideError }) }, overrideError),
              overrideError,
            ),
          ),
        },
        {
          additionalProperties: false,
          description: "outside the customer's 24-hour window: send this template; the session waits for its quick-reply button",
          ...invalidTemplate,
        },
      ),
    ),
  },
  { additionalProperties: false, examples: [{ phone: '+5215512345678', variables: { order_id: 'A-1' } }] },
);

const tags = ['flows'];
const SESSION_STATUSES = ['active', 'waiting', 'succeeded', 'failed', 'expired'] as const;
const params = Type.Object({ id: Type.String({ description: 'flow id' }) });

/** How a refused start reads over HTTP (a refused template send: as templates answer it). */
function startError(r: StartRefusal): HttpError {
  switch (r.reason) {
    case 'flow_not_published':
    case 'session_active':
      return new HttpError(409, r.reason, r.message, 'details' in r ? r.details : undefined);
    case 'no_channel':
      return new HttpError(409, 'channel_not_found', r.message);
    case 'channel_not_found':
    case 'contact_not_found':
      return new HttpError(404, r.reason, r.message);
    case 'invalid_phone':
      return new HttpError(400, r.reason, r.message, r.details);
    case 'window_closed':
      return new HttpError(422, r.reason, r.message, r.details);
    default:
      return templateHttpError(r);
  }
}

/** /api/v1/flows: documents, versions, starts, sessions and results (docs/flows.md). Admin-only but the schema. */
export async function flowRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;
  // Flow documents may be posted as YAML (or as JSON text): handed to the parser as a string.
  app.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );

  const channels = () => db.selectFrom('channels').select(['id', 'display_phone_number']).execute();
  const flowOr404 = async (id: string): Promise<FlowRow> => {
    const f = await getFlow(db, id);
    if (!f) throw new HttpError(404, 'flow_not_found', `No flow ${id}.`);
    return f;
  };
  const by = (req: FastifyRequest) =>
    req.principal
      ? req.principal.userId
        ? `user:${req.principal.userId}`
        : req.principal.tokenId
          ? `token:${req.principal.tokenId}`
          : req.principal.kind
      : 'api';

  app.get(
    '/api/v1/flows/schema',
    routeSchema(
      {
        summary: 'The JSON Schema of a flow document (public: for editors and CI)',
        tags,
        response: {
          200: Type.Unsafe<Record<string, unknown>>({
            type: 'object',
            properties: {
              title: { type: 'string' },
              type: { type: 'string' },
              properties: { type: 'object' },
              definitions: { type: 'object' },
            },
            additionalProperties: true,
            description: 'JSON Schema draft-07 (schemas/flow.schema.json)',
            examples: [
              { title: 'Switchboard flow', type: 'object', required: ['id', 'name', 'start', 'blocks'], properties: {}, definitions: {} },
            ],
          }),
        },
      },
      { config: { access: 'public' } },
    ),
    async () => flowSchema,
  );

  app.post(
    '/api/v1/flows/validate',
    routeSchema({
      summary: 'Check a flow document (JSON or YAML) without saving it',
      description: 'Every problem, with its block and JSON pointer; warnings do not block a save.',
      tags,
      body: FlowDocumentBody,
      response: { 200: Validation },
    }),
    async (req) => {
      const checked = check(req.body);
      return checked.ok
        ? { valid: true, errors: [], warnings: checked.warnings }
        : { valid: false, errors: checked.errors, warnings: checked.warnings };
    },
  );

  app.get(
    '/api/v1/flows',
    routeSchema({ summary: 'Flows with their triggers and live version', tags, response: { 200: FlowList } }),
    async () => {
      const ch = await channels();
      return { data: (await listFlows(db)).map((f) => flowView(f, ch)) };
    },
  );

  app.post(
    '/api/v1/flows',
    routeSchema({
      summary: 'Create a flow from a document (JSON or YAML); it is a draft until published',
      description:
        '422 flow_invalid lists every problem (details.errors, details.warnings); 409 flow_exists when the id is taken (PUT changes a draft).',
      tags,
      body: FlowDocumentBody,
      response: { 201: FlowSaved('the flow, with its draft and any warnings') },
    }),
    async (req, reply) => {
      const doc = validOr422(req.body);
      if (await getFlow(db, doc.flow.id))
        throw new HttpError(409, 'flow_exists', `A flow ${doc.flow.id} exists; PUT /api/v1/flows/${doc.flow.id} changes its draft.`);
      await saveDraft(db, doc.flow, 'api', deps.clock.now());
      return reply.status(201).send({ ...draftView(await flowOr404(doc.flow.id), await channels()), warnings: doc.warnings });
    },
  );

  app.get(
    '/api/v1/flows/:id',
    routeSchema({ summary: 'A flow with its draft document', tags, params, response: { 200: FlowDetail('the flow') } }),
    async (req) => draftView(await flowOr404(req.params.id), await channels()),
  );

  app.put(
    '/api/v1/flows/:id',
    routeSchema({
      summary: "Replace a flow's draft (JSON or YAML; the live version changes only when published)",
      description: 'The document may leave out its id; a different id is 400 flow_id_mismatch. 422 flow_invalid lists every problem.',
      tags,
      params,
      body: FlowDocumentBody,
      response: { 200: FlowSaved('the flow, with its new draft and any warnings') },
    }),
    async (req) => {
      const { id } = req.params;
      const existing = await flowOr404(id);
      let body: unknown = req.body;
      if (typeof body === 'string') {
        const parsed = parseFlowSource(body);
        if (!parsed.ok) throw invalid([parsed.error], []);
        body = parsed.doc;
      }
      if (isPlainObject(body) && body.id === undefined) body = { ...body, id };
      const doc = validOr422(body);
      if (doc.flow.id !== id) throw new HttpError(400, 'flow_id_mismatch', `The document's id "${doc.flow.id}" is not "${id}".`);
      await saveDraft(db, doc.flow, existing.source, deps.clock.now());
      return { ...draftView(await flowOr404(id), await channels()), warnings: doc.warnings };
    },
  );

  app.delete(
    '/api/v1/flows/:id',
    routeSchema({ summary: 'Delete a flow (its sessions and results stay)', tags, params, response: { 204: NoContent } }),
    async (req, reply) => {
      if (!(await deleteFlow(db, req.params.id, deps.clock.now()))) throw new HttpError(404, 'flow_not_found', `No flow ${req.params.id}.`);
      forgetPublished(db);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/flows/:id/publish',
    routeSchema({
      summary: 'Publish the draft as the next version (the same document again publishes nothing new)',
      tags,
      params,
      response: {
        200: Type.Object(
          {
            id: Type.String(),
            version: Type.Integer({ description: 'the live version' }),
            created: Type.Boolean({ description: 'false: the draft was already the live version' }),
            warnings: Problems('what may not work as meant'),
          },
          { examples: [{ id: 'welcome', version: 2, created: true, warnings: [] }] },
        ),
      },
    }),
    async (req) => {
      const flow = await flowOr404(req.params.id);
      const doc = validOr422(JSON.parse(flow.draft));
      const r = await db
        .transaction()
        .execute((trx) => publishFlow(trx, doc.flow, { by: by(req), source: flow.source, now: deps.clock.now() }));
      forgetPublished(db); // again after commit: a message in between may have cached the old set
      return { id: flow.id, version: r.version, created: r.created, warnings: doc.warnings };
    },
  );

  app.get(
    '/api/v1/flows/:id/versions',
    routeSchema({ summary: 'Published versions, newest first', tags, params, response: { 200: Versions } }),
    async (req) => {
      const flow = await flowOr404(req.params.id);
      const versions = await listVersions(db, flow.id);
      return {
        data: versions.map((v) => ({
          version: v.version,
          checksum: v.checksum,
          published_at: new Date(Number(v.published_at)).toISOString(),
          published_by: v.published_by,
          rollback_of: v.rollback_of,
          current: v.version === flow.published_version,
        })),
      };
    },
  );

  app.post(
    '/api/v1/flows/:id/rollback',
    routeSchema({
      summary: 'Make an earlier version live again (published as a new version)',
      tags,
      params,
      body: RollbackBody,
      response: {
        200: Type.Object(
          {
            id: Type.String(),
            version: Type.Integer({ description: 'the new live version' }),
            rollback_of: Type.Integer({ description: 'the version it republished' }),
          },
          { examples: [{ id: 'welcome', version: 3, rollback_of: 1 }] },
        ),
      },
    }),
    async (req) => {
      const { version } = req.body;
      const flow = await flowOr404(req.params.id);
      const r = await db.transaction().execute((trx) => rollbackFlow(trx, flow.id, version, { by: by(req), now: deps.clock.now() }));
      forgetPublished(db);
      if (!r) throw new HttpError(404, 'version_not_found', `Flow ${flow.id} has no version ${version}.`);
      return { id: flow.id, version: r.version, rollback_of: version };
    },
  );

  app.post(
    '/api/v1/flows/:id/start',
    routeSchema({
      summary: 'Start the live version for a contact (by contact_id, phone or bsuid)',
      description:
        "Inside the customer's 24-hour window the first step is queued: 202. Outside it, give `template`: it is sent and the session waits for its quick-reply button; " +
        'without one, 422 window_closed. 409 session_active when the contact is already in a flow on the number; 409 flow_not_published.',
      tags,
      params,
      body: StartBody,
      response: { 202: Started },
    }),
    async (req, reply) => {
      const b = req.body;
      const flow = await flowOr404(req.params.id);
      if (flow.published_version === null)
        throw new HttpError(
          409,
          'flow_not_published',
          `Flow ${flow.id} has no published version; POST /api/v1/flows/${flow.id}/publish first.`,
        );
      const bsuid = b.bsuid === undefined ? undefined : bsuidField(b.bsuid);
      if ([b.contact_id, b.phone, bsuid].filter((v) => v !== undefined).length !== 1) {
        throw new HttpError(400, 'contact_required', 'Send exactly one of "contact_id", "phone" or "bsuid".');
      }
      const t = b.template;
      if (t !== undefined && t.name.trim() === '')
        throw new HttpError(
          400,
          'invalid_template',
          '"template" must be {"name": "...", "language"?: "es_MX", "parameters"?: [...] or {...}}.',
          { field: 'template.name' },
        );
      const started = await startFlow(deps, {
        flowId: flow.id,
        version: flow.published_version,
        contactId: b.contact_id,
        phone: b.phone,
        bsuid,
        channelId: b.channel_id,
        variables: b.variables,
        template:
          t === undefined
            ? undefined
            : {
                template: t.name.trim(),
                parameters: t.parameters,
                ...(t.language !== undefined ? { language: t.language } : {}),
                ...overrideOf(t.override_opt_in),
              },
        author: by(req),
      });
      if (!started.ok) throw startError(started);
      const { session } = started;
      return reply
        .status(202)
        .send({ ...sessionView(session), ...(session.template_message ? { template_message: session.template_message } : {}) });
    },
  );

  app.get(
    '/api/v1/flows/:id/sessions',
    routeSchema({
      summary: "A flow's sessions, newest first",
      tags,
      params,
      querystring: Type.Object({
        status: Type.Optional(
          Type.Union(
            SESSION_STATUSES.map((s) => Type.Literal(s)),
            { description: 'only these', ...fieldError('invalid_status', 400, `status must be one of ${SESSION_STATUSES.join(', ')}.`) },
          ),
        ),
        limit: Type.Optional(Type.String({ description: '1 to 500 (default 100)' })),
      }),
      response: { 200: Sessions },
    }),
    async (req) => {
      const flow = await flowOr404(req.params.id);
      return { data: (await listSessions(db, flow.id, { status: req.query.status, limit: limitOf(req.query.limit) })).map(sessionView) };
    },
  );

  app.get(
    '/api/v1/flows/:id/results',
    routeSchema({
      summary: "A flow's finished sessions with their answers and result (JSON, or CSV with format=csv)",
      tags,
      params,
      querystring: Type.Object({
        version: Type.Optional(Type.String({ description: 'one version only (a positive whole number)' })),
        limit: Type.Optional(Type.String({ description: '1 to 10000 (default 100)' })),
        format: Type.Optional(Type.String({ description: 'json (default) or csv' })),
      }),
      response: {
        200: Type.Union(
          [Results, Type.String({ description: 'format=csv: text/csv, one row per result and one column per question block' })],
          { examples: resultsExamples },
        ),
      },
    }),
    async (req, reply) => {
      const flow = await flowOr404(req.params.id);
      const q = req.query;
      const version = q.version === undefined ? undefined : Number(q.version);
      if (version !== undefined && (!Number.isInteger(version) || version < 1))
        throw new HttpError(400, 'invalid_version', 'version must be a positive whole number.');
      const results = (await listResults(db, flow.id, { limit: limitOf(q.limit, 10_000), version })).map(resultView);
      if (q.format === 'csv') {
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${flow.id}-results.csv"`)
          .send(resultsCsv(results));
      }
      if (q.format !== undefined && q.format !== 'json') throw new HttpError(400, 'invalid_format', 'format is json or csv.');
      return { data: results };
    },
  );

  // Gives the conversation back to the bot after a hand-off: the same release as
  // POST /api/v1/conversations/:id/bot/resume (which the inbox uses), kept for existing callers.
  app.delete(
    '/api/v1/flows/handoffs/:conversationId',
    routeSchema({
      summary: 'Give a conversation back to the bot after a hand-off (as POST /api/v1/conversations/{id}/bot/resume)',
      tags,
      params: Type.Object({ conversationId: Type.String({ description: 'conversation id' }) }),
      response: { 204: NoContent },
    }),
    async (req, reply) => {
      const { conversationId } = req.params;
      const resumed = await db
        .transaction()
        .execute((trx) => releaseBot(trx, deps, { conversationId, by: actorOf(req), reason: 'resumed', now: deps.clock.now() }));
      if (!resumed) throw new HttpError(404, 'handoff_not_found', 'The bot is not paused in that conversation.');
      deps.jobs.wake();
      return reply.status(204).send();
    },
  );
}

/** A flow with its draft document (GET, POST and PUT answer with it). */
function draftView(row: FlowRow, channels: Parameters<typeof flowView>[1]) {
  const draft: FlowDocument = JSON.parse(row.draft);
  return { ...flowView(row, channels), draft };
}

function check(body: unknown) {
  const parsed = parseFlowSource(body);
  if (!parsed.ok) return { ok: false as const, errors: [parsed.error], warnings: [] };
  return validateFlow(parsed.doc);
}

function validOr422(body: unknown): { flow: FlowDocument; warnings: ReturnType<typeof validateFlow>['warnings'] } {
  const checked = check(body);
  if (!checked.ok) throw invalid(checked.errors, checked.warnings);
  return { flow: checked.flow, warnings: checked.warnings };
}

function invalid(errors: unknown[], warnings: unknown[]): HttpError {
  return new HttpError(422, 'flow_invalid', `The flow document has ${errors.length} problem(s).`, { errors, warnings });
}

function limitOf(raw: string | undefined, max = 500): number {
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new HttpError(400, 'invalid_limit', `limit must be a whole number from 1 to ${max}.`);
  return n;
}
