import { mediaLimits } from '../channels/whatsapp-cloud/index.ts';

/**
 * What WhatsApp accepts for upload, per message kind, and the size limits it enforces. Checked
 * before an upload so a bad file is a 4xx here rather than a Graph error.
 */
const MB = 1024 * 1024;

export const MEDIA_LIMITS = mediaLimits;

/** Uploads through this API are held in memory: documents above this go by link instead. */
export const MAX_UPLOAD_BYTES = 16 * MB;

export function mediaKindOf(mime: string): { kind: keyof typeof MEDIA_LIMITS; maxBytes: number } | undefined {
  const base = (mime.split(';')[0] ?? '').trim().toLowerCase();
  for (const [kind, limits] of Object.entries(MEDIA_LIMITS) as Array<[keyof typeof MEDIA_LIMITS, (typeof MEDIA_LIMITS)['image']]>) {
    if (limits.mimes.includes(base)) return { kind, maxBytes: Math.min(limits.maxBytes, MAX_UPLOAD_BYTES) };
  }
  return undefined;
}

export function baseMime(mime: string): string {
  return (mime.split(';')[0] ?? '').trim().toLowerCase();
}
