/**
 * Meta's supported media (reference §7) and its upload size limits: one table for the simulator
 * (which enforces it the way Meta does) and for our API (which checks before uploading).
 */
export type MediaKind = 'image' | 'audio' | 'video' | 'document' | 'sticker';

const MB = 1024 * 1024;

export const mediaLimits: Record<MediaKind, { mimes: readonly string[]; maxBytes: number }> = {
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
  // Static stickers are capped at 100 KB, animated at 500 KB; an upload cannot say which, so the
  // larger cap applies at upload time.
  sticker: { mimes: ['image/webp'], maxBytes: 500 * 1024 },
};
