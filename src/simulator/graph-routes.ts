import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { graphParams } from './graph-params.ts';
import { checkToken, checkVersion, unknownObject } from './http-app.ts';
import { registerMediaRoutes } from './media-routes.ts';
import type { SimulatorCore } from './simulator-core.ts';
import { registerTemplateRoutes, templateFields } from './template-routes.ts';

type Params = { version: string; id: string };

/**
 * The Graph API surface: POST /{v}/{phone-number-id}/messages, GET/DELETE /{v}/{object-id}
 * (phone number, media, template) plus the media and template routes. Every Graph route checks
 * the bearer token first (190), then the version, then that the object id is ours.
 */
export function registerGraphRoutes(app: FastifyInstance, core: SimulatorCore): void {
  const { opts } = core;
  // `/_sim/<x>` would otherwise match `/:version/:id`: the test API namespace is never Graph.
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/_sim/') && req.routeOptions.url?.startsWith('/:version')) return reply.callNotFound();
  });
  const guard = (req: FastifyRequest<{ Params: Params }>) => {
    checkToken(req, opts.accessToken);
    checkVersion(req.params.version);
  };

  app.post<{ Params: Params }>('/:version/:id/messages', async (req, reply) => {
    guard(req);
    if (req.params.id !== opts.phoneNumberId) throw unknownObject(req.params.id, 'POST');
    const answer = core.outbound.handle(graphParams(req.query, req.body));
    return reply.code(answer.status).send(answer.body);
  });

  app.get<{ Params: Params; Querystring: Record<string, string | undefined> }>('/:version/:id', async (req, reply) => {
    guard(req);
    const { id } = req.params;
    if (id === opts.phoneNumberId) return reply.send(pick(phoneNumberInfo(core), req.query.fields));
    const media = core.media.get(id);
    if (media) {
      const owner = req.query.phone_number_id;
      if (media.phoneNumberId !== opts.phoneNumberId || (owner !== undefined && owner !== media.phoneNumberId))
        throw unknownObject(id, 'GET');
      core.media.noteCall(id, 'lookups');
      return reply.send({
        messaging_product: 'whatsapp',
        url: core.media.urlFor(media, core.baseUrl),
        mime_type: media.mimeType,
        // The format of this sha256 is UNCONFIRMED (webhooks use base64); hex, as Meta's samples show.
        sha256: media.sha256Hex,
        file_size: String(media.bytes.length),
        id: media.id,
      });
    }
    const template = core.templates.getById(id);
    if (template) return reply.send(templateFields(template, req.query.fields));
    throw unknownObject(id, 'GET');
  });

  app.delete<{ Params: Params; Querystring: Record<string, string | undefined> }>('/:version/:id', async (req, reply) => {
    guard(req);
    const { id } = req.params;
    const media = core.media.get(id);
    const owner = req.query.phone_number_id;
    if (!media || media.phoneNumberId !== opts.phoneNumberId || (owner !== undefined && owner !== media.phoneNumberId))
      throw unknownObject(id, 'DELETE');
    core.media.delete(id);
    return reply.send({ success: true });
  });

  registerMediaRoutes(app, core, guard);
  registerTemplateRoutes(app, core, guard);
}

function phoneNumberInfo(core: SimulatorCore): Record<string, unknown> {
  const { opts } = core;
  return {
    verified_name: 'Switchboard Simulator',
    code_verification_status: 'VERIFIED',
    display_phone_number: parsePhoneNumberFromString(`+${opts.displayPhoneNumber}`)?.formatInternational() ?? `+${opts.displayPhoneNumber}`,
    quality_rating: 'GREEN',
    platform_type: 'CLOUD_API',
    throughput: { level: 'STANDARD' }, // level names are UNCONFIRMED (from a third-party SDK)
    id: opts.phoneNumberId,
  };
}

/** Graph's `fields=a,b` projection (id always included). */
export function pick(obj: Record<string, unknown>, fields: string | undefined): Record<string, unknown> {
  if (!fields) return obj;
  const out: Record<string, unknown> = {};
  for (const f of fields.split(',').map((s) => s.trim())) if (f in obj) out[f] = obj[f];
  out.id = obj.id;
  return out;
}
