import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GraphError, invalidParam } from './errors.ts';
import { unknownObject } from './http-app.ts';
import { normalizeLanguage } from '../channels/whatsapp-cloud/index.ts';
import type { SimulatorCore } from './simulator-core.ts';
import type { SimTemplate } from './types.ts';

type Params = { version: string; id: string };
type Query = Record<string, string | undefined>;

const defaultFields = ['name', 'parameter_format', 'components', 'language', 'status', 'category', 'id'];

/** A template as Graph lists it, projected on `fields` (id always included). */
export function templateFields(t: SimTemplate, fields: string | undefined): Record<string, unknown> {
  const all: Record<string, unknown> = {
    name: t.name,
    parameter_format: t.parameter_format,
    components: t.components,
    language: t.language,
    status: t.status,
    category: t.category,
    id: t.id,
    rejected_reason: t.status === 'REJECTED' ? (t.reason ?? 'NONE') : 'NONE',
  };
  const wanted = fields ? fields.split(',').map((f) => f.trim()) : defaultFields;
  const out: Record<string, unknown> = {};
  for (const f of wanted) if (f in all) out[f] = all[f];
  out.id = t.id;
  return out;
}

/**
 * GET/POST/DELETE /{v}/{waba-id}/message_templates. Paging uses Graph-style cursors
 * (base64 offsets; the exact cursor format is UNCONFIRMED and opaque to clients anyway).
 */
export function registerTemplateRoutes(
  app: FastifyInstance,
  core: SimulatorCore,
  guard: (req: FastifyRequest<{ Params: Params }>) => void,
): void {
  const { opts } = core;
  const ours = (req: FastifyRequest<{ Params: Params }>, method: string) => {
    guard(req);
    if (req.params.id !== opts.wabaId) throw unknownObject(req.params.id, method);
  };

  app.get<{ Params: Params; Querystring: Query }>('/:version/:id/message_templates', async (req, reply) => {
    ours(req, 'GET');
    const q = req.query;
    let list = core.templates.list();
    if (q.name) list = list.filter((t) => t.name === q.name);
    if (q.status) list = list.filter((t) => t.status === q.status!.toUpperCase());
    if (q.category) list = list.filter((t) => t.category === q.category!.toUpperCase());
    if (q.language) list = list.filter((t) => normalizeLanguage(t.language) === normalizeLanguage(q.language!));
    const limit = q.limit === undefined ? 25 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw invalidParam('(#100) Param limit must be an integer between 1 and 1000.');
    const start = q.after ? decodeCursor(q.after) : 0;
    const page = list.slice(start, start + limit);
    const body: Record<string, unknown> = { data: page.map((t) => templateFields(t, q.fields)) };
    if (list.length > 0) {
      const paging: Record<string, unknown> = { cursors: { before: encodeCursor(start), after: encodeCursor(start + page.length) } };
      if (start + page.length < list.length) {
        const next = new URL(`${core.baseUrl}${req.url}`);
        next.searchParams.set('after', encodeCursor(start + page.length));
        next.searchParams.delete('access_token');
        paging.next = next.toString();
      }
      body.paging = paging;
    }
    return reply.send(body);
  });

  app.post<{ Params: Params }>('/:version/:id/message_templates', async (req, reply) => {
    ours(req, 'POST');
    return reply.send(core.templates.submit(req.body));
  });

  // Delete semantics (all languages by name, one by hsm_id) are UNCONFIRMED beyond Meta's example.
  app.delete<{ Params: Params; Querystring: Query }>('/:version/:id/message_templates', async (req, reply) => {
    ours(req, 'DELETE');
    const name = req.query.name;
    if (!name) throw invalidParam('(#100) The parameter name is required.');
    const deleted = core.templates.delete(name, req.query.hsm_id);
    if (deleted.length === 0)
      throw new GraphError(100, 'Invalid parameter', `Message template "${name}" was not found.`, 400, { error_subcode: 2593002 });
    return reply.send({ success: true });
  });
}

function encodeCursor(n: number): string {
  return Buffer.from(String(n)).toString('base64url');
}

function decodeCursor(c: string): number {
  const n = Number(Buffer.from(c, 'base64url').toString('utf8'));
  if (!Number.isInteger(n) || n < 0) throw invalidParam('(#100) Invalid paging cursor.');
  return n;
}
