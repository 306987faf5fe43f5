import fastifyMultipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ChannelAdapter } from '../channels/channel-adapter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { routeSchema } from '../http/route-schema.ts';
import type { RegisteredChannel } from '../messaging/channel-registry.ts';
import { baseMime, MAX_ANY_UPLOAD_BYTES, MEDIA_LIMITS, mediaKindOf } from '../conversations/media-kinds.ts';
import { keepUpload } from './channel-uploads.ts';

/** The upload call a channel may offer beyond the adapter contract (WhatsApp Cloud does). */
interface MediaUploader {
  uploadMedia(input: {
    data: Uint8Array;
    mimeType: string;
    filename?: string;
  }): Promise<{ ok: true; id: string } | { ok: false; retryable: boolean; code: string; message: string }>;
}

function canUpload(adapter: ChannelAdapter): adapter is ChannelAdapter & MediaUploader {
  return 'uploadMedia' in adapter && typeof adapter.uploadMedia === 'function';
}

/**
 * `POST /api/v1/media`: uploads a file to the channel and returns its media id, for replies with
 * `media_id`. Multipart (a `file` part) or the raw bytes with their Content-Type. A channel that
 * takes uploads but has no upload-only call (Telegram) keeps the file here; its first send
 * carries the bytes (src/media/channel-uploads.ts).
 */
const UploadQuery = Type.Object({
  channel_id: Type.Optional(
    Type.String({ description: 'channel id; optional with one number (a multipart upload may send it as a form field instead)' }),
  ),
  filename: Type.Optional(Type.String({ description: 'raw uploads: the file name' })),
});

const Uploaded = Type.Object(
  {
    id: Type.String({ description: "the media id to send as media_id in a reply: WhatsApp's, or on Telegram ours (up_...)" }),
    channel_id: Type.String({ description: 'the number or bot it was uploaded for (media ids are per channel)' }),
    kind: Type.String({ description: 'image, audio, video, document or sticker' }),
    mime_type: Type.String(),
    size: Type.Integer({ description: 'bytes' }),
  },
  {
    description: 'the uploaded media',
    examples: [
      { id: '1037543291543636', channel_id: 'wa_106540352242922', kind: 'image', mime_type: 'image/jpeg', size: 48213 },
      { id: 'up_mir3k2x0001a4f09c2d7e1b3a58', channel_id: 'tg_7123456789', kind: 'document', mime_type: 'application/pdf', size: 182044 },
    ],
  },
);

export async function mediaRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  // Both parsers stay inside this plugin: other routes keep refusing non-JSON bodies.
  // Read up to the largest any channel takes (Telegram's 50 MB); each channel's own limits are checked below.
  await app.register(fastifyMultipart, { limits: { fileSize: MAX_ANY_UPLOAD_BYTES, files: 1, fields: 5 }, throwFileSizeLimit: true });
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_ANY_UPLOAD_BYTES }, (_req, body, done) => done(null, body));

  app.post(
    '/api/v1/media',
    routeSchema(
      {
        summary: 'Upload media to the channel; returns the media id to send with',
        description:
          'Send multipart/form-data with a `file` part (its content type is the media type), or the raw bytes with their Content-Type. ' +
          '`channel_id` (query or form field) picks the number or bot when there are several. WhatsApp limits: image (jpeg, png) 5 MB, sticker (webp) 500 KB, audio and video 16 MB, documents 16 MB here (larger ones: send by `link`). ' +
          'Telegram (same types; https://core.telegram.org/bots/api#sending-files): image 10 MB, sticker 512 KB, audio, video and documents 50 MB; the file is kept in DATA_DIR/media/uploads and goes to Telegram with its first send, later sends reuse the file_id Telegram gave it. ' +
          '415 unsupported_media_type, 413 file_too_large, 422 empty_file, file_required, invalid_file, channel_required, channel_not_found, uploads_unsupported; 422 or 502 upload_failed when the channel refused or failed.',
        tags: ['messages'],
        querystring: UploadQuery,
        response: { 201: Uploaded },
      },
      { config: { access: 'conversations:write' }, bodyLimit: MAX_ANY_UPLOAD_BYTES + 64 * 1024 },
    ),
    async (req, reply) => {
      const file = await readUpload(req, req.query);
      const mimeType = baseMime(file.mimeType);
      if (!mediaKindOf(mimeType)) {
        const all = Object.values(MEDIA_LIMITS).flatMap((l) => l.mimes);
        throw new HttpError(
          415,
          'unsupported_media_type',
          `Channels do not take ${mimeType || 'this type'}; use one of ${all.join(', ')}.`,
          {
            field: 'file',
          },
        );
      }
      if (file.data.length === 0) throw new HttpError(422, 'empty_file', 'The file is empty.', { field: 'file' });
      const channel = pickChannel(deps, file.channelId);
      const kind = mediaKindOf(mimeType, channel.kind);
      if (!kind) throw new HttpError(415, 'unsupported_media_type', `Channel ${channel.id} does not take ${mimeType}.`, { field: 'file' });
      if (file.data.length > kind.maxBytes)
        throw new HttpError(
          413,
          'file_too_large',
          `A ${kind.kind} may be at most ${kind.maxBytes} bytes on ${channel.kind === 'telegram' ? 'Telegram' : 'WhatsApp'}; this one is ${file.data.length}.`,
          { field: 'file' },
        );
      if (!channel.adapter.capabilities.uploads)
        throw new HttpError(422, 'uploads_unsupported', `Channel ${channel.id} does not take uploads; send media by link.`);
      if (!canUpload(channel.adapter)) {
        // No upload-only call (Telegram): kept here, sent with the first message that names it.
        const id = await keepUpload(deps.storage.db, deps.config.dataDir, {
          channelId: channel.id,
          kind: kind.kind,
          mimeType,
          ...(file.filename ? { filename: file.filename } : {}),
          data: file.data,
          now: deps.clock.now(),
        });
        return reply.status(201).send({ id, channel_id: channel.id, kind: kind.kind, mime_type: mimeType, size: file.data.length });
      }
      const res = await channel.adapter.uploadMedia({ data: file.data, mimeType, ...(file.filename ? { filename: file.filename } : {}) });
      if (!res.ok) {
        // The channel's refusal or outage, not ours: 502 for retryable trouble, 422 for a refusal.
        throw new HttpError(res.retryable ? 502 : 422, 'upload_failed', `The channel refused the upload: ${res.code}: ${res.message}`, {
          channel_code: res.code,
        });
      }
      return reply.status(201).send({ id: res.id, channel_id: channel.id, kind: kind.kind, mime_type: mimeType, size: file.data.length });
    },
  );
}

async function readUpload(
  req: FastifyRequest,
  query: { channel_id?: string; filename?: string },
): Promise<{ data: Buffer; mimeType: string; filename?: string; channelId?: string }> {
  const queryChannel = query.channel_id !== undefined && query.channel_id !== '' ? query.channel_id : undefined;
  if (req.isMultipart()) {
    let file: { data: Buffer; mimeType: string; filename?: string } | undefined;
    let channelId = queryChannel;
    try {
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file' || file)
            throw new HttpError(422, 'invalid_file', 'Send one file, in a part named "file".', { field: 'file' });
          file = { data: await part.toBuffer(), mimeType: part.mimetype, ...(part.filename ? { filename: part.filename } : {}) };
        } else if (part.fieldname === 'channel_id' && typeof part.value === 'string') channelId = part.value;
      }
    } catch (err) {
      if (err instanceof HttpError) throw err;
      if (err instanceof Error && 'code' in err && err.code === 'FST_REQ_FILE_TOO_LARGE')
        throw new HttpError(413, 'file_too_large', `Uploads may be at most ${MAX_ANY_UPLOAD_BYTES} bytes.`, { field: 'file' });
      throw new HttpError(400, 'invalid_multipart', 'The multipart body could not be read.');
    }
    if (!file) throw new HttpError(422, 'file_required', 'Send the file in a part named "file".', { field: 'file' });
    return { ...file, ...(channelId ? { channelId } : {}) };
  }
  if (!Buffer.isBuffer(req.body))
    throw new HttpError(415, 'unsupported_media_type', 'Send the file as multipart/form-data, or its raw bytes with their Content-Type.', {
      field: 'file',
    });
  const filename = query.filename !== undefined && query.filename !== '' ? query.filename : undefined;
  return {
    data: req.body,
    mimeType: req.headers['content-type'] ?? '',
    ...(filename ? { filename } : {}),
    ...(queryChannel ? { channelId: queryChannel } : {}),
  };
}

function pickChannel(deps: Deps, channelId: string | undefined): RegisteredChannel {
  if (channelId !== undefined) {
    const c = deps.channels.byId(channelId);
    if (!c) throw new HttpError(422, 'channel_not_found', `No channel ${channelId}.`, { field: 'channel_id' });
    return c;
  }
  const all = deps.channels.all();
  if (all.length === 1 && all[0]) return all[0];
  throw new HttpError(
    422,
    'channel_required',
    `Name the channel: "channel_id" is one of ${all.map((c) => c.id).join(', ') || '(none configured)'}.`,
    { field: 'channel_id' },
  );
}
