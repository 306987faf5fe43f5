import type { FastifyInstance } from 'fastify';
import { jsonObject, optionalJsonObject, optionalStringField } from '../auth/body-fields.ts';
import { principalOf } from '../auth/principal.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { hasErrors, lintTemplate } from './lint-template.ts';
import { isRecord } from './lint-text.ts';
import { createDraft, deleteTemplate, requireTemplate, submitTemplate } from './manage-templates.ts';
import { resolveParameters } from './resolve-parameters.ts';
import { sendTemplateFromRequest, TEMPLATE_SEND_FIELDS } from './send-template.ts';
import { syncTemplatesFromGraph, type SyncSummary } from './sync-templates.ts';
import { templateChannel, templateChannels } from './template-channels.ts';
import { parseTemplateFields } from './template-input.ts';
import { componentsOf, listTemplates, updateTemplate, addTemplateEvent, getTemplate } from './template-store.ts';
import { templateView } from './template-views.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
/** The top-level fields of a template (Meta's create request); anything else is 400 unknown_field. */
const TEMPLATE_FIELDS = ['name', 'language', 'category', 'parameter_format', 'components'];

/**
 * /api/v1/templates (admin by default, see route-access.ts): lint, CRUD, submit, sync, preview,
 * send; and POST /api/v1/conversations/:id/templates (conversations:write). Listing, reading and
 * previewing need only conversations:read, so an agent can pick and fill one.
 */
export async function templateRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;

  app.post('/api/v1/templates/lint', async (req) => {
    const findings = lintTemplate(jsonObject(req.body, [...TEMPLATE_FIELDS, 'channel_id']));
    return { ok: !hasErrors(findings), errors: findings.filter((f) => f.severity === 'error').length, warnings: findings.filter((f) => f.severity === 'warning').length, findings };
  });

  // Agents read templates and preview them to send one when the 24-hour window is closed (the web composer).
  const read = { config: { access: 'conversations:read' as const } };
  app.get('/api/v1/templates', read, async (req) => {
    const q = isRecord(req.query) ? req.query : {};
    const status = str(q.status)?.toUpperCase();
    const category = str(q.category)?.toUpperCase();
    const rows = await listTemplates(db, { channelId: str(q.channel_id), status, category, name: str(q.name) });
    return { data: rows.map(templateView) };
  });

  app.post('/api/v1/templates', async (req, reply) => {
    const b = jsonObject(req.body, [...TEMPLATE_FIELDS, 'channel_id']);
    const channelId = optionalStringField(b.channel_id, 'channel_id');
    const { fields, findings } = parseTemplateFields(b);
    const row = await createDraft(deps, channelId, fields);
    await addTemplateEvent(db, { templateId: row.id, source: 'api', status: 'DRAFT', now: deps.clock.now() });
    return reply.status(201).send({ ...templateView(row), findings });
  });

  app.get('/api/v1/templates/:id', read, async (req) => templateView(await requireTemplate(deps, (req.params as { id: string }).id)));

  app.patch('/api/v1/templates/:id', async (req) => {
    const row = await requireTemplate(deps, (req.params as { id: string }).id);
    if (row.status !== 'DRAFT' && row.status !== 'REJECTED') {
      throw new HttpError(409, 'template_not_editable', `Template ${row.name} is ${row.status}; only DRAFT and REJECTED templates can be edited (Meta limits edits of approved ones).`);
    }
    const b = jsonObject(req.body, TEMPLATE_FIELDS);
    const merged = { name: row.name, language: row.language, category: row.category, parameter_format: row.parameter_format, components: componentsOf(row), ...b };
    const { fields, findings } = parseTemplateFields(merged);
    if ((fields.name !== row.name || fields.language !== row.language) && row.meta_id) {
      throw new HttpError(409, 'template_identity_fixed', 'A submitted template keeps its name and language; create a new template instead.');
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
  });

  app.delete('/api/v1/templates/:id', async (req) => {
    const row = await requireTemplate(deps, (req.params as { id: string }).id);
    const res = await deleteTemplate(deps, row);
    return { id: row.id, deleted: true, ...res };
  });

  app.post('/api/v1/templates/:id/submit', async (req) => templateView(await submitTemplate(deps, await requireTemplate(deps, (req.params as { id: string }).id))));

  app.post('/api/v1/templates/sync', async (req) => {
    const channelId = optionalStringField(optionalJsonObject(req.body, ['channel_id']).channel_id, 'channel_id');
    const targets = channelId ? [templateChannel(deps, channelId)] : templateChannels(deps);
    const channels: SyncSummary[] = [];
    for (const tc of targets) {
      const res = await syncTemplatesFromGraph(deps, tc);
      if (!res.ok) throw new HttpError(502, 'template_sync_failed', `Could not list templates of ${tc.wabaId}: ${res.message}`, { channel_id: tc.channelId, graph_status: res.status });
      channels.push(res.summary);
    }
    return { channels };
  });

  app.post('/api/v1/templates/:id/preview', read, async (req) => {
    const row = await requireTemplate(deps, (req.params as { id: string }).id);
    const params = optionalJsonObject(req.body, ['parameters']).parameters;
    const { rendered, components } = resolveParameters({ parameter_format: row.parameter_format, category: row.category, components: componentsOf(row) }, params);
    return { template: { id: row.id, name: row.name, language: row.language, category: row.category, status: row.status }, ...rendered, components };
  });

  app.post('/api/v1/templates/:id/send', { config: { access: 'conversations:write' } }, async (req, reply) => {
    const row = await requireTemplate(deps, (req.params as { id: string }).id);
    // The template is the one in the path: a "template" or "language" field would be ignored, so it is refused.
    const body = jsonObject(req.body, ['phone', 'bsuid', 'contact_id', 'channel_id', 'parameters', 'override_opt_in']);
    const phone = optionalStringField(body.phone, 'phone');
    const bsuid = optionalStringField(body.bsuid, 'bsuid');
    const contactId = optionalStringField(body.contact_id, 'contact_id');
    if (!phone && !bsuid && !contactId) throw new HttpError(400, 'recipient_required', 'Give phone (E.164, like +5215512345678), bsuid (a business-scoped user ID, like US.13491208655302741918) or contact_id.');
    const channelId = optionalStringField(body.channel_id, 'channel_id') ?? row.channel_id;
    // On another number the same template is found by name and language (each number's WABA has its own copy).
    const ref = channelId === row.channel_id ? { template: row.id } : { template: row.name, language: row.language };
    const result = await sendTemplateFromRequest(deps, principalOf(req), { phone, bsuid, contactId, channelId }, { ...body, ...ref });
    return reply.status(202).send(result);
  });

  app.post('/api/v1/conversations/:id/templates', async (req, reply) => {
    const body = jsonObject(req.body, TEMPLATE_SEND_FIELDS);
    const result = await sendTemplateFromRequest(deps, principalOf(req), { conversationId: (req.params as { id: string }).id }, body);
    return reply.status(202).send(result);
  });
}
