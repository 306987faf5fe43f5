const MB = 1024 * 1024;

/**
 * What a bot may upload with a send (multipart/form-data), per message kind:
 * https://core.telegram.org/bots/api#sending-files ("10 MB max size for photos, 50 MB for other
 * files"); a static sticker is at most 512 KB (https://core.telegram.org/stickers#static-stickers-and-emoji).
 */
export const TELEGRAM_UPLOAD_LIMITS = {
  image: 10 * MB,
  video: 50 * MB,
  audio: 50 * MB,
  document: 50 * MB,
  sticker: 512 * 1024,
} as const;

export const TELEGRAM_MAX_UPLOAD_BYTES = 50 * MB;
