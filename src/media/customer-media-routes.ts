import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { routeSchema } from '../http/route-schema.ts';
import { findVisibleConversation } from '../conversations/conversation-access.ts';
import { isSafeMessageId } from './customer-media-files.ts';
import { findMediaFile, type MediaFileRow } from './customer-media-store.ts';
import { fetchCustomerMedia, mediaFiles, mediaMaxBytes } from './fetch-customer-media.ts';
import { findSentMedia, recordSentMedia } from './sent-media.ts';

/** Types a browser may show in the page; anything else is sent as an attachment, never rendered on our origin. */
const INLINE_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'audio/aac',
  'audio/amr',
  'audio/mpeg',
  'audio/mp4',
  'audio/ogg',
  'video/mp4',
  'video/3gpp',
]);

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'audio/aac': 'aac',
  'audio/amr': 'amr',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/ogg': 'ogg',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
};

/**
 * `GET /api/v1/media/:id`: what a customer sent (the id is the message's), with its type and file
 * name, to callers who may see its conversation. Fetched from WhatsApp again when the file is
 * missing; 410 media_expired when WhatsApp no longer has it either.
 */
/** The file itself, in its own type (no JSON): @fastify/swagger writes it as binary content of any type. */
const File = Type.Unsafe<unknown>({
  description: 'the file, with its Content-Type, Content-Length and a Content-Disposition naming it',
  content: { '*/*': { schema: { type: 'string', format: 'binary' }, example: '(the bytes of the file)' } },
});

export async function customerMediaRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;
  app.get(
    '/api/v1/media/:id',
    routeSchema(
      {
        summary: "Download a message's media (image, audio, video, document, sticker): a customer's, or one we sent by media_id",
        description:
          "The id is the message id (a message's `media.url` links here). Streams the file with its Content-Type and a Content-Disposition naming it " +
          '(inline for images, audio and video; attachment for anything else). Switchboard downloads customer media from WhatsApp once, right after the message arrives, ' +
          'and keeps it in DATA_DIR/media for MEDIA_RETENTION_DAYS; a missing file is fetched again. ' +
          'Media we sent by `media_id` (an upload through POST /api/v1/media) is fetched back from WhatsApp the first time it is asked for (WhatsApp keeps uploads for 30 days), then kept the same way; on Telegram it is copied from the upload Switchboard kept (or fetched through getFile by its file_id); media sent by `link` has no `media.url`. ' +
          '404 media_not_found (no such message with media, or its conversation is hidden from the caller), 410 media_expired (WhatsApp no longer has it, or retention deleted it), ' +
          '422 media_too_large (over MEDIA_MAX_BYTES: not downloaded), 502 media_unavailable (WhatsApp could not be reached or refused; try again).',
        tags: ['messages'],
        params: Type.Object({ id: Type.String({ description: 'message id' }) }),
        response: { 200: File },
      },
      { config: { access: 'conversations:read' } },
    ),
    async (req, reply) => {
      const { id } = req.params;
      const notFound = new HttpError(404, 'media_not_found', `No media ${id}.`);
      if (!isSafeMessageId(id)) throw notFound;
      let row = await findMediaFile(db, id);
      if (!row) {
        // One of our own uploads, asked for the first time: record it (once its conversation is visible) and fetch it below.
        const sent = await findSentMedia(db, id);
        if (!sent) throw notFound;
        await findVisibleConversation(db, req, sent.conversationId).catch((err: unknown) => {
          throw err instanceof HttpError && err.status === 404 ? notFound : err;
        });
        await recordSentMedia(db, sent, deps.clock.now());
        row = await findMediaFile(db, id);
        if (!row) throw notFound;
      }
      try {
        await findVisibleConversation(db, req, row.conversation_id);
      } catch (err) {
        if (err instanceof HttpError && err.status === 404) throw notFound;
        throw err;
      }
      const files = mediaFiles(deps);
      let file = row.status === 'stored' ? await files.open(id) : undefined;
      if (!file) {
        refuseSettled(row, mediaMaxBytes(deps));
        const res = await fetchCustomerMedia(deps, id);
        if (!res.ok) {
          if (res.reason === 'not_found') throw notFound;
          if (res.reason === 'expired') throw expired();
          if (res.reason === 'too_large') throw tooLarge(mediaMaxBytes(deps));
          throw new HttpError(502, 'media_unavailable', `WhatsApp did not give the file: ${res.message}`);
        }
        row = res.row;
        file = await files.open(id);
        if (!file) throw new HttpError(502, 'media_unavailable', 'The file could not be kept; try again.');
      }
      const type = row.mime_type ?? 'application/octet-stream';
      const base = (type.split(';')[0] ?? '').trim().toLowerCase();
      const name = row.filename ?? `${row.kind}-${id}${EXTENSIONS[base] ? `.${EXTENSIONS[base]}` : ''}`;
      return reply
        .header('content-type', type)
        .header('content-length', String(file.size))
        .header('content-disposition', contentDisposition(INLINE_TYPES.has(base) ? 'inline' : 'attachment', name))
        .header('cache-control', 'private, max-age=300')
        .send(file.stream);
    },
  );
}

/** A file refused for size or gone from WhatsApp is not asked for again. */
function refuseSettled(row: MediaFileRow, maxBytes: number): void {
  if (row.status === 'expired') throw expired();
  if (row.status === 'too_large') throw tooLarge(maxBytes);
}

function expired(): HttpError {
  return new HttpError(410, 'media_expired', 'WhatsApp no longer has this media and no copy is kept here.');
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(422, 'media_too_large', `The file is larger than MEDIA_MAX_BYTES (${maxBytes} bytes), so it was not downloaded.`);
}

/** RFC 6266: an ASCII fallback name plus the UTF-8 name. */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
