import { TELEGRAM_MAX_UPLOAD_BYTES, TELEGRAM_UPLOAD_LIMITS } from '../channels/telegram/index.ts';
import { mediaLimits } from '../channels/whatsapp-cloud/index.ts';

/**
 * What WhatsApp accepts for upload, per message kind, and the size limits it enforces. Checked
 * before an upload so a bad file is a 4xx here rather than a Graph error. Telegram takes the same
 * types, with the Bot API's sizes (TELEGRAM_UPLOAD_LIMITS: photos 10 MB, other files 50 MB).
 */
const MB = 1024 * 1024;

export const MEDIA_LIMITS = mediaLimits;

export type MediaKind = keyof typeof MEDIA_LIMITS;

/** Uploads to WhatsApp through this API are held in memory: documents above this go by link instead. */
export const MAX_UPLOAD_BYTES = 16 * MB;

/** The largest upload any channel takes (Telegram's 50 MB): what the upload route reads at most. */
export const MAX_ANY_UPLOAD_BYTES = Math.max(MAX_UPLOAD_BYTES, TELEGRAM_MAX_UPLOAD_BYTES);

const held = (kind: MediaKind) => Math.min(MEDIA_LIMITS[kind].maxBytes, MAX_UPLOAD_BYTES);
const WHATSAPP_UPLOAD_LIMITS: Readonly<Record<MediaKind, number>> = {
  image: held('image'),
  audio: held('audio'),
  video: held('video'),
  document: held('document'),
  sticker: held('sticker'),
};

/**
 * The largest file per message kind that POST /api/v1/media takes for a channel, in bytes: what
 * the upload route checks and what conversations carry (`capabilities.upload_limits`), so a client
 * checks a file before uploading it against the channel it goes to.
 */
export function uploadLimitsOf(channel: 'whatsapp' | 'telegram'): Readonly<Record<MediaKind, number>> {
  return channel === 'telegram' ? TELEGRAM_UPLOAD_LIMITS : WHATSAPP_UPLOAD_LIMITS;
}

export function mediaKindOf(
  mime: string,
  channel: 'whatsapp' | 'telegram' = 'whatsapp',
): { kind: MediaKind; maxBytes: number } | undefined {
  const base = baseMime(mime);
  for (const [kind, limits] of Object.entries(MEDIA_LIMITS) as Array<[MediaKind, (typeof MEDIA_LIMITS)['image']]>) {
    if (limits.mimes.includes(base)) return { kind, maxBytes: uploadLimitsOf(channel)[kind] };
  }
  return undefined;
}

export function baseMime(mime: string): string {
  return (mime.split(';')[0] ?? '').trim().toLowerCase();
}
