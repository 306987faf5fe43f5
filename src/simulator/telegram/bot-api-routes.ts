import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BotApiError } from './bot-api-error.ts';
import { METHODS, type MethodContext, type UploadedFile } from './bot-methods.ts';

/**
 * The Bot API's HTTP surface (https://core.telegram.org/bots/api#making-requests):
 * `GET|POST /bot<token>/<method>` with parameters in the query string, a JSON body, a form, or
 * multipart/form-data (files); method names are case-insensitive. Answers are
 * `{ok: true, result}` or `{ok: false, error_code, description}` with that HTTP status.
 * Files: `GET /file/bot<token>/<file_path>`.
 */
export function registerBotApiRoutes(app: FastifyInstance, ctx: MethodContext, botToken: string): void {
  const tokenOk = (segment: string) => {
    if (!segment.startsWith('bot')) return false;
    const a = Buffer.from(segment.slice(3));
    const b = Buffer.from(botToken);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const handle = async (req: FastifyRequest<{ Params: { bot: string; method: string } }>, reply: FastifyReply) => {
    if (!tokenOk(req.params.bot)) return reply.code(401).send({ ok: false, error_code: 401, description: 'Unauthorized' });
    const method = METHODS[req.params.method.toLowerCase()];
    if (!method) return reply.code(404).send({ ok: false, error_code: 404, description: 'Not Found' });
    const files = new Map<string, UploadedFile>();
    let params: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
    if (req.isMultipart()) {
      try {
        for await (const part of req.parts()) {
          if (part.type === 'file')
            files.set(part.fieldname, { data: await part.toBuffer(), filename: part.filename, mimeType: part.mimetype });
          else params[part.fieldname] = part.value;
        }
      } catch (err) {
        // A file over the Bot API's 50 MB upload limit (https://core.telegram.org/bots/api#sending-files): Telegram's 413.
        if (err instanceof Error && 'code' in err && err.code === 'FST_REQ_FILE_TOO_LARGE')
          return reply.code(413).send({ ok: false, error_code: 413, description: 'Request Entity Too Large' });
        throw err;
      }
    } else if (req.body && typeof req.body === 'object' && !Array.isArray(req.body)) {
      params = { ...params, ...(req.body as Record<string, unknown>) };
    }
    try {
      const result = await method(ctx, params, files);
      return reply.send({ ok: true, result });
    } catch (err) {
      if (err instanceof BotApiError) return reply.code(err.errorCode).send(err.toBody());
      throw err;
    }
  };
  app.route({ method: ['GET', 'POST'], url: '/:bot/:method', handler: handle });

  app.get<{ Params: { bot: string; '*': string } }>('/file/:bot/*', async (req, reply) => {
    if (!tokenOk(req.params.bot)) return reply.code(401).send({ ok: false, error_code: 401, description: 'Unauthorized' });
    const f = ctx.state.filesByPath.get(req.params['*']);
    if (!f) return reply.code(404).send({ ok: false, error_code: 404, description: 'Not Found' });
    return reply.type(f.mime_type ?? 'application/octet-stream').send(f.data);
  });
}
