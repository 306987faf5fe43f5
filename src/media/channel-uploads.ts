import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TelegramUploadStore } from '../channels/telegram/index.ts';
import { newId } from '../core/ids.ts';
import type { Executor } from '../jobs/job-queue.ts';

/** Upload ids as newId makes them; anything else never becomes a path. */
const SAFE_ID = /^up_[a-z0-9]{1,64}$/;

/**
 * Uploads kept here for a channel with no upload-only endpoint (Telegram): POST /api/v1/media
 * writes the bytes to DATA_DIR/media/uploads/<id> (temporary name, then renamed) and a
 * `channel_uploads` row (migration 0036); the first send posts them with the message, and the
 * file_id Telegram answers with is recorded so later sends go by that id. Like customer media,
 * several processes on several machines need DATA_DIR shared for an upload to be sent by another.
 */
export async function keepUpload(
  db: Executor,
  dataDir: string,
  input: { channelId: string; kind: string; mimeType: string; filename?: string; data: Uint8Array; now: number },
): Promise<string> {
  const id = newId('up', input.now);
  const dir = join(dataDir, 'media', 'uploads');
  await mkdir(dir, { recursive: true });
  const path = join(dir, id);
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, input.data);
  await rename(tmp, path);
  await db
    .insertInto('channel_uploads')
    .values({
      id,
      channel_id: input.channelId,
      kind: input.kind,
      mime_type: input.mimeType,
      filename: input.filename ?? null,
      size: input.data.length,
      provider_file_id: null,
      created_at: input.now,
    })
    .execute();
  return id;
}

/** The uploads of one channel, as its adapter reads them (an id of another channel's upload is not found). */
export function channelUploadStore(db: Executor, dataDir: string, channelId: string): TelegramUploadStore {
  return {
    async find(mediaId) {
      if (!SAFE_ID.test(mediaId)) return undefined;
      const row = await db
        .selectFrom('channel_uploads')
        .select(['mime_type', 'filename', 'provider_file_id'])
        .where('id', '=', mediaId)
        .where('channel_id', '=', channelId)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        mimeType: row.mime_type,
        ...(row.filename !== null ? { filename: row.filename } : {}),
        ...(row.provider_file_id !== null ? { fileId: row.provider_file_id } : {}),
      };
    },
    async read(mediaId) {
      if (!SAFE_ID.test(mediaId)) return undefined;
      try {
        return await readFile(join(dataDir, 'media', 'uploads', mediaId));
      } catch (err) {
        if (typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async remember(mediaId, fileId) {
      await db.updateTable('channel_uploads').set({ provider_file_id: fileId }).where('id', '=', mediaId).execute();
    },
  };
}

/**
 * Deletes kept upload files older than `before` (MEDIA_RETENTION_DAYS, from media-retention.ts).
 * The row stays: an upload already sent keeps its `file_id`, so later sends and GET
 * /api/v1/media/:id still work through Telegram; one never sent can no longer be (its send fails
 * as for a missing upload). The folder lists only files still kept, so each sweep's work follows
 * what is there, not every upload ever made. Returns how many files it deleted.
 */
export async function sweepKeptUploads(db: Executor, dataDir: string, before: number): Promise<number> {
  const dir = join(dataDir, 'media', 'uploads');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return 0;
    throw err;
  }
  const ids = names.filter((n) => SAFE_ID.test(n));
  let removed = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const old = await db
      .selectFrom('channel_uploads')
      .select('id')
      .where('id', 'in', ids.slice(i, i + 500))
      .where('created_at', '<', before)
      .execute();
    for (const { id } of old) {
      try {
        await unlink(join(dir, id));
        removed++;
      } catch (err) {
        if (!isMissing(err)) throw err; // another process swept it first
      }
    }
  }
  return removed;
}

function isMissing(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT';
}
