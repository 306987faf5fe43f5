import { mediaLimits, type MediaKind } from '../channels/whatsapp-cloud/index.ts';

// Uploads are checked against the union; sends check that an uploaded id fits the message type
// (the classic 131053).
export { mediaLimits, type MediaKind };

export const mediaKinds: readonly MediaKind[] = ['image', 'audio', 'video', 'document', 'sticker'];

/** `audio/ogg; codecs=opus` → `audio/ogg`. */
export function baseMime(mime: string): string {
  return mime.split(';')[0]!.trim().toLowerCase();
}

/** The kind an uploaded MIME type belongs to, or undefined when Meta does not support it. */
export function kindOfMime(mime: string): MediaKind | undefined {
  const m = baseMime(mime);
  for (const k of mediaKinds) if (mediaLimits[k].mimes.includes(m)) return k;
  return undefined;
}

/**
 * Can media of this MIME be sent as `kind`? Documents accept any supported file (a PDF, but also
 * a photo sent "as a file"); other kinds must match exactly.
 */
export function mimeFitsKind(mime: string, kind: MediaKind): boolean {
  const m = baseMime(mime);
  if (kind === 'document') return kindOfMime(m) !== undefined && kindOfMime(m) !== 'sticker';
  return mediaLimits[kind].mimes.includes(m);
}

export const extensionOf: Record<string, string> = {
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
  'text/plain': 'txt',
  'application/pdf': 'pdf',
};
