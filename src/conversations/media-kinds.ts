/**
 * What WhatsApp accepts for upload, per message kind, and the size limits it enforces. Checked
 * before an upload so a bad file is a 4xx here rather than a Graph error.
 */
const MB = 1024 * 1024;

export const MEDIA_LIMITS: Record<'image' | 'audio' | 'video' | 'document' | 'sticker', { mimes: readonly string[]; maxBytes: number }> = {
  image: { mimes: ['image/jpeg', 'image/png'], maxBytes: 5 * MB },
  audio: { mimes: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'], maxBytes: 16 * MB },
  video: { mimes: ['video/mp4', 'video/3gpp'], maxBytes: 16 * MB },
  document: {
    mimes: [
      'text/plain',
      'application/pdf',
      'application/msword',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.ms-excel',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
    maxBytes: 100 * MB,
  },
  // Animated stickers may be 500 KB (static ones 100 KB): an upload cannot say which.
  sticker: { mimes: ['image/webp'], maxBytes: 500 * 1024 },
};

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
