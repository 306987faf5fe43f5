import type { FastifyInstance, FastifyRequest } from 'fastify';
import { graphError, invalidParam, tokenError } from './errors.ts';
import { unknownObject } from './http-app.ts';
import { baseMime, kindOfMime, mediaLimits, mediaKinds } from './media-types.ts';
import type { SimulatorCore } from './simulator-core.ts';

type Params = { version: string; id: string };

/**
 * Media upload (multipart: messaging_product, file, optional type) with Meta's MIME/size table,
 * and the 5-minute download URL that needs the bearer token.
 */
export function registerMediaRoutes(
  app: FastifyInstance,
  core: SimulatorCore,
  guard: (req: FastifyRequest<{ Params: Params }>) => void,
): void {
  const { opts } = core;

  app.post<{ Params: Params }>('/:version/:id/media', async (req, reply) => {
    guard(req);
    if (req.params.id !== opts.phoneNumberId) throw unknownObject(req.params.id, 'POST');
    if (!req.isMultipart()) throw invalidParam('(#100) Media uploads must be multipart/form-data with a "file" part.');
    // Graph reads parameters from the query string as well (whatsapp-api-js sends
    // ?messaging_product=whatsapp); a form field wins over the same query parameter.
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>))
      if (k !== 'access_token' && typeof v === 'string') fields[k] = v;
    let file: { bytes: Buffer; mime: string; filename: string } | undefined;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        file = { bytes, mime: part.mimetype, filename: part.filename };
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
    if (fields.messaging_product === undefined) throw invalidParam('(#100) The parameter messaging_product is required.');
    if (fields.messaging_product !== 'whatsapp')
      throw invalidParam(`(#100) Param messaging_product must be one of {WHATSAPP} - got "${fields.messaging_product}".`);
    if (!file) throw invalidParam('(#100) The parameter file is required.');
    const declared = fields.type;
    const fileMime = baseMime(file.mime || 'application/octet-stream');
    if (declared !== undefined && fileMime !== 'application/octet-stream' && baseMime(declared) !== fileMime) {
      throw graphError(131053, `The file's MIME type (${fileMime}) does not match the declared type (${declared}).`);
    }
    const mime = declared ?? file.mime;
    const kind = kindOfMime(mime);
    if (!kind) {
      const all = mediaKinds.flatMap((k) => mediaLimits[k].mimes).join(', ');
      throw graphError(131053, `Unsupported MIME type ${mime}. Supported types: ${all}.`);
    }
    const max = mediaLimits[kind].maxBytes;
    if (file.bytes.length === 0) throw graphError(131053, 'The uploaded file is empty.');
    if (file.bytes.length > max)
      throw graphError(131053, `The file is ${file.bytes.length} bytes; ${baseMime(mime)} media may be at most ${max} bytes.`);
    const stored = core.media.put(
      file.bytes,
      baseMime(mime) === 'audio/ogg' ? mime : baseMime(mime),
      opts.phoneNumberId,
      'upload',
      file.filename,
    );
    return reply.send({ id: stored.id });
  });

  // Stands in for lookaside.fbsbx.com: bearer token required, 404 once the URL expired.
  app.get<{ Querystring: Record<string, string | undefined> }>('/whatsapp_business/attachments/', async (req, reply) => {
    const header = req.headers.authorization;
    const token = typeof header === 'string' ? header.replace(/^bearer\s+/i, '').trim() : undefined;
    if (token !== opts.accessToken) throw tokenError();
    const m = core.media.resolveUrl(req.query.mid, req.query.ext, req.query.hash);
    if (m === 'invalid' || m === 'expired') {
      return reply
        .code(404)
        .type('text/plain')
        .send(m === 'expired' ? 'URL expired: retrieve the media URL again.' : 'Not found');
    }
    core.media.noteCall(m.id, 'downloads');
    return reply.header('content-type', m.mimeType).header('content-length', String(m.bytes.length)).send(m.bytes);
  });
}
