import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../auth/principal.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, Nullable, routeSchema, Timestamp } from '../http/route-schema.ts';
import { hasErrors, lintTemplate } from './lint-template.ts';
import { createDraft, deleteTemplate, type GraphRefusal, submitTemplate } from './manage-templates.ts';
import { resolveParameters } from './resolve-parameters.ts';
import { sendTemplateFromRequest } from './send-template.ts';
import { syncTemplatesFromGraph, type SyncSummary } from './sync-templates.ts';
import { templateChannel, templateChannels } from './template-channels.ts';
import { OVERRIDE_MESSAGE, overrideOf, templateHttpError, templateSendError } from './template-http.ts';
import { parseTemplateFields } from './template-input.ts';
import { addTemplateEvent, componentsOf, getTemplate, listTemplates, type TemplateRow, updateTemplate } from './template-store.ts';
import type { TemplateComponent } from './template-types.ts';
import { templateView } from './template-views.ts';

/*
 * The TypeBox schemas of the templates API (docs/architecture.md, "Routes declare their schemas"):
 * the template, a rendered preview, and a template send's body and answer. POST
 * /api/v1/conversations (with `template`) may share the send's (TemplateSendFields, TemplateSent).
 */

const Component = Type.Unsafe<TemplateComponent>({
  type: 'object',
  additionalProperties: true,
  description: "one component in Meta's create shape: {type: HEADER|BODY|FOOTER|BUTTONS, format?, text?, example?, buttons?...}",
});

export const templateExample = {
  id: 'tpl_01J9Z',
  channel_id: 'wa_106540352242922',
  waba_id: '102290129340398',
  name: 'order_ready',
  language: 'es_MX',
  category: 'UTILITY',
  parameter_format: 'positional',
  components: [
    { type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} está listo.', example: { body_text: [['Ana', 'A-1']] } },
    { type: 'FOOTER', text: 'Gracias' },
  ],
  status: 'APPROVED',
  rejected_reason: null,
  status_detail: null,
  quality: 'GREEN',
  meta_id: '1234567890',
  submitted_at: '2026-05-01T10:00:00.000Z',
  synced_at: '2026-05-01T10:05:00.000Z',
  created_at: '2026-05-01T09:58:00.000Z',
  updated_at: '2026-05-01T10:05:00.000Z',
};

export const templateFields = {
  id: Type.String(),
  channel_id: Type.String({ description: 'the number (channel) whose business account holds it' }),
  waba_id: Nullable(Type.String({ description: 'WhatsApp Business Account id; null until known' })),
  name: Type.String(),
  language: Type.String({ description: 'e.g. es_MX' }),
  category: Type.String({ description: 'MARKETING, UTILITY or AUTHENTICATION' }),
  parameter_format: Type.String({ description: 'positional ({{1}}) or named ({{first_name}})' }),
  components: Type.Array(Component),
  status: Type.String({ description: 'DRAFT, PENDING, APPROVED, REJECTED, PAUSED, DISABLED, DELETED...' }),
  rejected_reason: Nullable(Type.String()),
  status_detail: Type.Unknown({ description: "Meta's last status event (reason, quality...), or null" }),
  quality: Nullable(Type.String({ description: 'GREEN, YELLOW, RED or UNKNOWN' })),
  meta_id: Nullable(Type.String({ description: "Meta's template id, once submitted" })),
  submitted_at: Nullable(Timestamp()),
  synced_at: Nullable(Timestamp()),
  created_at: Timestamp(),
  updated_at: Timestamp(),
};

export const Template = (description: string) => Type.Object(templateFields, { description, examples: [templateExample] });

export const LintFindingSchema = Type.Object({
  code: Type.String({ description: 'e.g. missing_example, variable_at_start' }),
  severity: Type.Union([Type.Literal('error'), Type.Literal('warning')], {
    description: 'error: Meta would reject it; warning: a risk (review, recategorisation)',
  }),
  component: Type.String(),
  message: Type.String(),
});

/** The template fields of a create, edit or lint body: typed in the docs, checked by the linter (a 422 template_lint_failed with every finding). */
export const templateDocumentFields = {
  name: Type.Optional(Type.Unknown({ description: 'string: lowercase letters, digits and underscores, at most 512 characters' })),
  language: Type.Optional(Type.Unknown({ description: 'string: a language code such as es_MX or en_US' })),
  category: Type.Optional(Type.Unknown({ description: 'string: MARKETING, UTILITY or AUTHENTICATION' })),
  parameter_format: Type.Optional(Type.Unknown({ description: 'string: positional (default) or named' })),
  components: Type.Optional(
    Type.Unknown({ description: "array: Meta's components (HEADER, BODY, FOOTER, BUTTONS), each variable with an example" }),
  ),
};

export const templateDocumentExample = {
  name: 'order_ready',
  language: 'es_MX',
  category: 'UTILITY',
  components: [{ type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} está listo.', example: { body_text: [['Ana', 'A-1']] } }],
};

/** An optional id-like string (a wrong type is 400 invalid_<field>, as before schemas). */
export const IdField = (field: string, description: string) =>
  Type.String({
    minLength: 1,
    maxLength: 200,
    pattern: '\\S',
    description,
    ...fieldError(`invalid_${field}`, 400, `"${field}" must be a non-empty string of at most 200 characters.`),
  });

const overrideError = fieldError('override_reason_required', 400, OVERRIDE_MESSAGE);

/** `parameters` and `override_opt_in` of every template send. */
export const templateSendExtras = {
  parameters: Type.Optional(
    Type.Unknown({
      description:
        'the values of the template\'s variables: {header?, body?: [..] or {name: value}, buttons?: {"<index>": value}}; checked against the template (422 template_param_*)',
    }),
  ),
  override_opt_in: Type.Optional(
    Nullable(
      Type.Object(
        {
          reason: Type.String({
            minLength: 3,
            maxLength: 500,
            description: '3 to 500 characters, recorded on the message',
            ...overrideError,
          }),
        },
        { ...overrideError },
      ),
      { description: 'send MARKETING to a contact who has not opted in, business-initiated; the reason is recorded', ...overrideError },
    ),
  ),
};

/** The body of POST /api/v1/conversations/{id}/templates. */
export const TemplateSendFields = {
  template: Type.String({
    description: 'a template id (tpl_...) or name',
    ...fieldError('template_required', 400, 'template (a template id or name) is required.'),
  }),
  language: Type.Optional(
    Type.String({
      description: 'with a name: its language, like es_MX',
      ...fieldError('bad_request', 400, 'language must be a string such as es_MX.'),
    }),
  ),
  ...templateSendExtras,
};

const renderedFields = {
  header: Nullable(Type.String({ description: 'the header text ("[image]" for a media header)' })),
  header_media: Nullable(
    Type.Object(
      {
        type: Type.String({ description: 'image, video, document or location' }),
        id: Type.Optional(Type.String()),
        link: Type.Optional(Type.String()),
        filename: Type.Optional(Type.String()),
        latitude: Type.Optional(Type.Number()),
        longitude: Type.Optional(Type.Number()),
        name: Type.Optional(Type.String()),
        address: Type.Optional(Type.String()),
      },
      { description: 'a media or location header' },
    ),
  ),
  body: Type.String(),
  footer: Nullable(Type.String()),
  buttons: Type.Array(
    Type.Object({
      index: Type.Integer(),
      type: Type.String(),
      text: Type.String(),
      url: Type.Optional(Type.String()),
      phone_number: Type.Optional(Type.String()),
      code: Type.Optional(Type.String()),
      payload: Type.Optional(Type.String()),
    }),
  ),
  text: Type.String({ description: 'all of it as one text, as stored on the message' }),
};
export const renderedExample = {
  header: null,
  header_media: null,
  body: 'Hola Ana, tu pedido A-1 está listo.',
  footer: 'Gracias',
  buttons: [],
  text: 'Hola Ana, tu pedido A-1 está listo.\nGracias',
};
export const Rendered = Type.Object(renderedFields, { description: 'what the customer sees' });

export const Preview = Type.Object(
  {
    template: Type.Object({
      id: Type.String(),
      name: Type.String(),
      language: Type.String(),
      category: Type.String(),
      status: Type.String(),
    }),
    ...renderedFields,
    components: Type.Array(Type.Unknown(), { description: 'the Graph API template.components a send would carry' }),
  },
  {
    description: 'the rendered template and the Graph components',
    examples: [
      {
        template: { id: 'tpl_01J9Z', name: 'order_ready', language: 'es_MX', category: 'UTILITY', status: 'APPROVED' },
        ...renderedExample,
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana' },
              { type: 'text', text: 'A-1' },
            ],
          },
        ],
      },
    ],
  },
);

/** The 202 of every template send (queued; the message's status follows by webhook and events). */
export const TemplateSent = Type.Object(
  {
    message: Type.Object({
      id: Type.String(),
      conversation_id: Type.String(),
      status: Type.String({ description: 'queued' }),
      created_at: Timestamp(),
    }),
    template: Type.Object({ id: Type.String(), name: Type.String(), language: Type.String(), category: Type.String() }),
    rendered: Rendered,
    business_initiated: Type.Boolean({ description: "true outside the customer's 24-hour window" }),
    price_estimate: Type.Object(
      { amount: Type.Number(), currency: Type.String() },
      { description: 'from the rate card; 0 when free (docs/costs.md)' },
    ),
    opt_in_override: Nullable(Type.Object({ reason: Type.String() }), { description: 'the recorded override, when one was needed' }),
  },
  {
    description: 'the template message, queued',
    examples: [
      {
        message: { id: 'msg_01J9Z', conversation_id: 'cnv_01J9Z', status: 'queued', created_at: '2026-05-01T10:00:00.000Z' },
        template: { id: 'tpl_01J9Z', name: 'order_ready', language: 'es_MX', category: 'UTILITY' },
        rendered: renderedExample,
        business_initiated: true,
        price_estimate: { amount: 0.008, currency: 'USD' },
        opt_in_override: null,
      },
    ],
  },
);

const tags = ['templates'];
const params = Type.Object({ id: Type.String({ description: 'template id (tpl_...)' }) });
const findingsField = {
  findings: Type.Array(LintFindingSchema, { description: 'warnings the linter found (errors refuse the template)' }),
};
const TemplateWithFindings = (description: string) =>
  Type.Object({ ...templateFields, ...findingsField }, { description, examples: [{ ...templateExample, findings: [] }] });
const channelId = IdField('channel_id', 'the number whose business account holds it (default: the first)');

/** An optional body (sync, preview): no body, `null` or an empty text read as `{}` before the schema checks it. */
const emptyBodyIsObject = async (req: FastifyRequest) => {
  if (req.body === undefined || req.body === null || req.body === '') req.body = {};
};

/** A submit or delete that WhatsApp refused: 502 when it could not be reached or failed, 422 when it refused. */
const graphError = (code: string, message: string, graph: GraphRefusal, upstreamOnly = false) =>
  new HttpError(upstreamOnly || graph.graph_status === 0 || graph.graph_status >= 500 ? 502 : 422, code, message, { ...graph });

/**
 * /api/v1/templates (admin by default, see route-access.ts): lint, CRUD, submit, sync, preview,
 * send; and POST /api/v1/conversations/:id/templates (conversations:write). Listing, reading and
 * previewing need only conversations:read, so an agent can pick and fill one. The use cases return
 * refusals; template-http.ts says how each reads over HTTP.
 */
export async function templateRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;
  const mustFind = async (id: string): Promise<TemplateRow> => {
    const row = await getTemplate(db, id);
    if (!row) throw new HttpError(404, 'template_not_found', `No template ${id}.`);
    return row;
  };
  const fieldsOr422 = (raw: unknown) => {
    const parsed = parseTemplateFields(raw);
    if (parsed.ok) return parsed;
    throw templateHttpError(parsed.reason === 'template_lint_failed' ? { ...parsed, details: { findings: parsed.findings } } : parsed);
  };

  app.post(
    '/api/v1/templates/lint',
    routeSchema({
      summary: "Check a template against Meta's rules without storing it",
      description:
        'Finds what Meta would reject (errors) and what risks a review or a recategorisation (warnings). Stores nothing; the same checks refuse a create or an edit.',
      tags,
      body: Type.Object(
        { ...templateDocumentFields, channel_id: Type.Optional(Type.Unknown({ description: 'ignored here' })) },
        { additionalProperties: false, examples: [templateDocumentExample] },
      ),
      response: {
        200: Type.Object(
          {
            ok: Type.Boolean({ description: 'no errors' }),
            errors: Type.Integer(),
            warnings: Type.Integer(),
            findings: Type.Array(LintFindingSchema),
          },
          {
            examples: [
              {
                ok: false,
                errors: 1,
                warnings: 0,
                findings: [
                  {
                    code: 'missing_example',
                    severity: 'error',
                    component: 'BODY',
                    message: 'The body has variables but no example values.',
                  },
                ],
              },
            ],
          },
        ),
      },
    }),
    async (req) => {
      const findings = lintTemplate(req.body);
      return {
        ok: !hasErrors(findings),
        errors: findings.filter((f) => f.severity === 'error').length,
        warnings: findings.filter((f) => f.severity === 'warning').length,
        findings,
      };
    },
  );

  // Agents read templates and preview them to send one when the 24-hour window is closed (the web composer).
  const read = { config: { access: 'conversations:read' as const } };
  app.get(
    '/api/v1/templates',
    routeSchema(
      {
        summary: 'Templates, filtered by number, status, category or name',
        tags,
        querystring: Type.Object({
          channel_id: Type.Optional(Type.String({ description: 'one number' })),
          status: Type.Optional(Type.String({ description: 'e.g. approved (any case)' })),
          category: Type.Optional(Type.String({ description: 'e.g. marketing (any case)' })),
          name: Type.Optional(Type.String({ description: 'exact name' })),
        }),
        response: { 200: Type.Object({ data: Type.Array(Type.Object(templateFields)) }, { examples: [{ data: [templateExample] }] }) },
      },
      read,
    ),
    async (req) => {
      const q = req.query;
      const str = (v: string | undefined) => (v === '' ? undefined : v);
      const rows = await listTemplates(db, {
        channelId: str(q.channel_id),
        status: str(q.status)?.toUpperCase(),
        category: str(q.category)?.toUpperCase(),
        name: str(q.name),
      });
      return { data: rows.map(templateView) };
    },
  );

  app.post(
    '/api/v1/templates',
    routeSchema({
      summary: 'Create a template as a DRAFT (linted first: 422 template_lint_failed with every finding)',
      description: '(name, language) is unique per number: 409 template_exists. Submit it with POST /api/v1/templates/{id}/submit.',
      tags,
      body: Type.Object(
        { ...templateDocumentFields, channel_id: Type.Optional(channelId) },
        { additionalProperties: false, examples: [templateDocumentExample] },
      ),
      response: { 201: TemplateWithFindings('the draft, with any lint warnings') },
    }),
    async (req, reply) => {
      const { channel_id: channel, ...doc } = req.body;
      const { fields, findings } = fieldsOr422(doc);
      const created = await createDraft(deps, channel, fields);
      if (!created.ok)
        throw templateHttpError(
          created.reason === 'template_exists' ? { ...created, details: { template_id: created.templateId } } : created,
        );
      const row = created.row;
      await addTemplateEvent(db, { templateId: row.id, source: 'api', status: 'DRAFT', now: deps.clock.now() });
      return reply.status(201).send({ ...templateView(row), findings });
    },
  );

  app.get(
    '/api/v1/templates/:id',
    routeSchema({ summary: 'A template', tags, params, response: { 200: Template('the template') } }, read),
    async (req) => templateView(await mustFind(req.params.id)),
  );

  app.patch(
    '/api/v1/templates/:id',
    routeSchema({
      summary: 'Edit a DRAFT or REJECTED template (linted again)',
      description:
        'Give only what changes. 409 template_not_editable for other statuses; a submitted template keeps its name and language (409 template_identity_fixed).',
      tags,
      params,
      body: Type.Object(templateDocumentFields, {
        additionalProperties: false,
        examples: [{ components: templateDocumentExample.components }],
      }),
      response: { 200: TemplateWithFindings('the template as edited, with any lint warnings') },
    }),
    async (req) => {
      const row = await mustFind(req.params.id);
      if (row.status !== 'DRAFT' && row.status !== 'REJECTED') {
        throw new HttpError(
          409,
          'template_not_editable',
          `Template ${row.name} is ${row.status}; only DRAFT and REJECTED templates can be edited (Meta limits edits of approved ones).`,
        );
      }
      const merged = {
        name: row.name,
        language: row.language,
        category: row.category,
        parameter_format: row.parameter_format,
        components: componentsOf(row),
        ...req.body,
      };
      const { fields, findings } = fieldsOr422(merged);
      if ((fields.name !== row.name || fields.language !== row.language) && row.meta_id) {
        throw new HttpError(
          409,
          'template_identity_fixed',
          'A submitted template keeps its name and language; create a new template instead.',
        );
      }
      await updateTemplate(db, row.id, {
        name: fields.name,
        language: fields.language,
        category: fields.category,
        parameter_format: fields.parameter_format,
        components: JSON.stringify(fields.components),
        updated_at: deps.clock.now(),
      });
      return { ...templateView((await getTemplate(db, row.id))!), findings };
    },
  );

  app.delete(
    '/api/v1/templates/:id',
    routeSchema({
      summary: 'Delete a template here and, once submitted, on WhatsApp (Meta deletes every language of the name)',
      tags,
      params,
      response: {
        200: Type.Object(
          {
            id: Type.String(),
            deleted: Type.Literal(true),
            deleted_on_meta: Type.Boolean({ description: 'it was deleted on WhatsApp too' }),
          },
          { examples: [{ id: 'tpl_01J9Z', deleted: true, deleted_on_meta: true }] },
        ),
      },
    }),
    async (req) => {
      const row = await mustFind(req.params.id);
      const res = await deleteTemplate(deps, row);
      if (!res.ok)
        throw res.reason === 'template_delete_failed' ? graphError(res.reason, res.message, res.graph, true) : templateHttpError(res);
      return { id: row.id, deleted: true as const, deleted_on_meta: res.deletedOnMeta };
    },
  );

  app.post(
    '/api/v1/templates/:id/submit',
    routeSchema({
      summary: "Submit a DRAFT (or edited REJECTED) template to Meta's review",
      description:
        'Meta answers PENDING (sometimes APPROVED at once); the result arrives by webhook or sync. 409 template_already_submitted; 422 or 502 template_submit_failed with graph_status, graph_code and graph_subcode.',
      tags,
      params,
      response: { 200: Template('the template, now PENDING (or APPROVED)') },
    }),
    async (req) => {
      const res = await submitTemplate(deps, await mustFind(req.params.id));
      if (!res.ok) throw res.reason === 'template_submit_failed' ? graphError(res.reason, res.message, res.graph) : templateHttpError(res);
      return templateView(res.row);
    },
  );

  app.post(
    '/api/v1/templates/sync',
    {
      ...routeSchema({
        summary: "Fetch the templates and their statuses from Meta (one number's business account, or every number's)",
        tags,
        body: Type.Object(
          { channel_id: Type.Optional(channelId) },
          { additionalProperties: false, examples: [{ channel_id: 'wa_106540352242922' }] },
        ),
        response: {
          200: Type.Object(
            {
              channels: Type.Array(
                Type.Object({
                  channel_id: Type.String(),
                  imported: Type.Integer({ description: 'new here' }),
                  updated: Type.Integer({ description: 'status, category, components or quality changed' }),
                  unchanged: Type.Integer(),
                  removed: Type.Integer({ description: 'gone on Meta, marked DELETED here' }),
                }),
              ),
            },
            { examples: [{ channels: [{ channel_id: 'wa_106540352242922', imported: 1, updated: 2, unchanged: 5, removed: 0 }] }] },
          ),
        },
      }),
      preValidation: emptyBodyIsObject,
    },
    async (req) => {
      const only = req.body.channel_id;
      let targets = templateChannels(deps);
      if (only) {
        const found = templateChannel(deps, only);
        if (!found.ok) throw templateHttpError(found);
        targets = [found.tc];
      }
      const channels: SyncSummary[] = [];
      for (const tc of targets) {
        const res = await syncTemplatesFromGraph(deps, tc);
        if (!res.ok)
          throw new HttpError(502, 'template_sync_failed', `Could not list templates of ${tc.wabaId}: ${res.message}`, {
            channel_id: tc.channelId,
            graph_status: res.status,
          });
        channels.push(res.summary);
      }
      return { channels };
    },
  );

  app.post(
    '/api/v1/templates/:id/preview',
    {
      ...routeSchema(
        {
          summary: 'Render a template with parameters, as the customer would see it (sends nothing)',
          description: 'Parameters are checked as a send checks them: 422 template_param_* naming the component and parameter.',
          tags,
          params,
          body: Type.Object(
            { parameters: templateSendExtras.parameters },
            { additionalProperties: false, examples: [{ parameters: { body: ['Ana', 'A-1'] } }] },
          ),
          response: { 200: Preview },
        },
        read,
      ),
      preValidation: emptyBodyIsObject,
    },
    async (req) => {
      const row = await mustFind(req.params.id);
      const resolved = resolveParameters(
        { parameter_format: row.parameter_format, category: row.category, components: componentsOf(row) },
        req.body.parameters,
      );
      if (!resolved.ok) throw templateHttpError(resolved);
      return {
        template: { id: row.id, name: row.name, language: row.language, category: row.category, status: row.status },
        ...resolved.rendered,
        components: resolved.components,
      };
    },
  );

  app.post(
    '/api/v1/templates/:id/send',
    routeSchema(
      {
        summary: 'Send this template to a phone number, BSUID or contact (opening their conversation when needed)',
        description:
          'Give one of `phone` (E.164), `bsuid` or `contact_id`. On another number (`channel_id`) the template of the same name and language is sent. Only APPROVED templates are sent; ' +
          "MARKETING outside the window needs the contact's opt-in or `override_opt_in`. No 24-hour window applies. 202: queued.",
        tags,
        params,
        body: Type.Object(
          {
            phone: Type.Optional(IdField('phone', 'E.164, like +5215512345678')),
            bsuid: Type.Optional(IdField('bsuid', 'a business-scoped user ID, like US.13491208655302741918')),
            contact_id: Type.Optional(IdField('contact_id', 'a contact id')),
            channel_id: Type.Optional(IdField('channel_id', "the number to send from (default: the template's)")),
            ...templateSendExtras,
          },
          { additionalProperties: false, examples: [{ phone: '+5215512345678', parameters: { body: ['Ana', 'A-1'] } }] },
        ),
        response: { 202: TemplateSent },
      },
      { config: { access: 'conversations:write' } },
    ),
    async (req, reply) => {
      const row = await mustFind(req.params.id);
      // The template is the one in the path: a "template" or "language" field would be ignored, so it is refused.
      const { phone, bsuid, contact_id: contactId } = req.body;
      if (!phone && !bsuid && !contactId)
        throw new HttpError(
          400,
          'recipient_required',
          'Give phone (E.164, like +5215512345678), bsuid (a business-scoped user ID, like US.13491208655302741918) or contact_id.',
        );
      const channelId = req.body.channel_id ?? row.channel_id;
      // On another number the same template is found by name and language (each number's WABA has its own copy).
      const ref = channelId === row.channel_id ? { template: row.id } : { template: row.name, language: row.language };
      const body = { ...ref, parameters: req.body.parameters, ...overrideOf(req.body.override_opt_in) };
      const result = await sendTemplateFromRequest(deps, principalOf(req), { phone, bsuid, contactId, channelId }, body);
      if (!result.ok) throw templateSendError(result);
      return reply.status(202).send(result.sent);
    },
  );

  app.post(
    '/api/v1/conversations/:id/templates',
    routeSchema({
      summary: 'Send an approved template into a conversation (no 24-hour window applies)',
      description:
        'By id or by name (and `language`). 409 conversation_closed: send to the contact instead. 422 for a template that is not APPROVED, parameters that do not fit, or MARKETING without opt-in.',
      tags,
      params: Type.Object({ id: Type.String({ description: 'conversation id' }) }),
      body: Type.Object(TemplateSendFields, {
        additionalProperties: false,
        examples: [{ template: 'order_ready', language: 'es_MX', parameters: { body: ['Ana', 'A-1'] } }],
      }),
      response: { 202: TemplateSent },
    }),
    async (req, reply) => {
      const { template, language, parameters, override_opt_in } = req.body;
      if (template.trim() === '')
        throw new HttpError(400, 'template_required', 'template (a template id or name) is required.', { field: 'template' });
      const body = {
        template: template.trim(),
        parameters,
        ...(language !== undefined ? { language } : {}),
        ...overrideOf(override_opt_in),
      };
      const result = await sendTemplateFromRequest(deps, principalOf(req), { conversationId: req.params.id }, body);
      if (!result.ok) throw templateSendError(result);
      return reply.status(202).send(result.sent);
    },
  );
}
