import { TELEGRAM_MAX_UPLOAD_BYTES, TELEGRAM_UPLOAD_LIMITS } from '../channels/telegram/index.ts';
import { mediaLimits } from '../channels/whatsapp-cloud/index.ts';

/**
 * What WhatsApp accepts for upload, per message kind, and the size limits it enforces. Checked
 * before an upload so a bad file is a 4xx here rather than a Graph error. Telegram takes the same
 * types, with the Bot API's sizes (TELEGRAM_UPLOAD_LIMITS: photos 10 MB, other files 50 MB).
 */
const MB = 1024 * 1024;

export const MEDIA_LIMITS = mediaLimits;

/** Uploads to WhatsApp through this API are held in memory: documents above this go by link instead. */
export const MAX_UPLOAD_BYTES = 16 * MB;

/** The largest upload any channel takes (Telegram's 50 MB): what the upload route reads at most. */
export const MAX_ANY_UPLOAD_BYTES = Math.max(MAX_UPLOAD_BYTES, TELEGRAM_MAX_UPLOAD_BYTES);

export function mediaKindOf(
  mime: string,
  channel: 'whatsapp' | 'telegram' = 'whatsapp',
): { kind: keyof typeof MEDIA_LIMITS; maxBytes: number } | undefined {
  const base = (mime.split(';')[0] ?? '').trim().toLowerCase();
  for (const [kind, limits] of Object.entries(MEDIA_LIMITS) as Array<[keyof typeof MEDIA_LIMITS, (typeof MEDIA_LIMITS)['image']]>) {
    if (!limits.mimes.includes(base)) continue;
    return { kind, maxBytes: channel === 'telegram' ? TELEGRAM_UPLOAD_LIMITS[kind] : Math.min(limits.maxBytes, MAX_UPLOAD_BYTES) };
  }
  return undefined;
}

export function baseMime(mime: string): string {
  return (mime.split(';')[0] ?? '').trim().toLowerCase();
}
