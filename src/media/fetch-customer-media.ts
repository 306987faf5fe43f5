import type { ChannelAdapter } from '../channels/channel-adapter.ts';
import type { SendResult } from '../channels/channel-types.ts';
import type { Deps } from '../deps.ts';
import { JOBS } from '../jobs/job-catalog.ts';
import { handle, type BoundJob } from '../jobs/job-definition.ts';
import { RetryLater } from '../jobs/job-errors.ts';
import { CustomerMediaFiles } from './customer-media-files.ts';
import { findMediaFile, markMediaFailed, markMediaStored, type MediaFileRow } from './customer-media-store.ts';

export const DEFAULT_MEDIA_MAX_BYTES = 100 * 1024 * 1024;
export const DEFAULT_MEDIA_RETENTION_DAYS = 90;

type Failure = Extract<SendResult, { ok: false }>;

/** The download call a channel may offer beyond the adapter contract (WhatsApp Cloud does: media id -> URL -> bytes with the token). */
interface MediaDownloader {
  downloadMedia(
    source: { mediaId: string },
    opts?: { maxBytes?: number },
  ): Promise<{ ok: true; data: Buffer; mimeType?: string } | Failure>;
}

function canDownload(adapter: ChannelAdapter): adapter is ChannelAdapter & MediaDownloader {
  return 'downloadMedia' in adapter && typeof adapter.downloadMedia === 'function';
}

/** WhatsApp no longer has the media: its id is unknown (100), or the download URL is gone. */
const GONE_CODES: ReadonlySet<string> = new Set(['whatsapp_100', 'whatsapp_131052', 'http_404', 'http_410']);

export type FetchMediaResult =
  | { ok: true; row: MediaFileRow }
  | { ok: false; reason: 'not_found' | 'too_large' | 'expired' | 'failed'; retryable: boolean; message: string };

export function mediaMaxBytes(deps: Pick<Deps, 'config'>): number {
  return deps.config.media?.maxBytes ?? DEFAULT_MEDIA_MAX_BYTES;
}

export function mediaFiles(deps: Pick<Deps, 'config'>): CustomerMediaFiles {
  return new CustomerMediaFiles(deps.config.dataDir);
}

/**
 * Downloads a customer message's media from its channel into the media folder and records the
 * outcome: stored, too large (over MEDIA_MAX_BYTES), expired (WhatsApp no longer has it) or failed
 * (a lasting refusal such as a bad token). A transient failure changes nothing and says retryable.
 */
export async function fetchCustomerMedia(deps: Deps, messageId: string): Promise<FetchMediaResult> {
  const db = deps.storage.db;
  const row = await findMediaFile(db, messageId);
  if (!row) return { ok: false, reason: 'not_found', retryable: false, message: `No media for message ${messageId}.` };
  const channel = deps.channels.byId(row.channel_id);
  if (!channel || !canDownload(channel.adapter)) {
    await markMediaFailed(db, messageId, 'failed', `channel ${row.channel_id} cannot download media`);
    return { ok: false, reason: 'failed', retryable: false, message: `Channel ${row.channel_id} cannot download media.` };
  }
  const max = mediaMaxBytes(deps);
  const res = await channel.adapter.downloadMedia({ mediaId: row.provider_media_id }, { maxBytes: max });
  if (!res.ok) {
    if (res.retryable) return { ok: false, reason: 'failed', retryable: true, message: `${res.code}: ${res.message}` };
    const reason = res.code === 'media_too_large' ? 'too_large' : GONE_CODES.has(res.code) ? 'expired' : 'failed';
    const message = reason === 'too_large' ? `The file is larger than MEDIA_MAX_BYTES (${max} bytes).` : `${res.code}: ${res.message}`;
    await markMediaFailed(db, messageId, reason, message);
    return { ok: false, reason, retryable: false, message };
  }
  await mediaFiles(deps).write(messageId, res.data);
  const mimeType = res.mimeType ? res.mimeType.split(';')[0]?.trim().toLowerCase() || null : null;
  await markMediaStored(db, messageId, { size: res.data.length, mimeType: row.mime_type ?? mimeType, now: deps.clock.now() });
  const stored = await findMediaFile(db, messageId);
  return stored
    ? { ok: true, row: stored }
    : { ok: false, reason: 'not_found', retryable: false, message: `No media for message ${messageId}.` };
}

/** Job `media.fetch` {messageId}: fetched once, soon after the message is stored (WhatsApp's download links expire). */
export function mediaFetchJob(deps: Deps): BoundJob {
  return handle(JOBS.mediaFetch, async ({ messageId }) => {
    const row = await findMediaFile(deps.storage.db, messageId);
    if (row?.status !== 'pending') return; // fetched already (by the route), or settled
    const res = await fetchCustomerMedia(deps, messageId);
    if (!res.ok && res.retryable) throw new RetryLater(res.message);
    if (!res.ok) deps.logger.warn({ messageId, reason: res.reason, error: res.message }, 'customer media not fetched');
  });
}
