import type { FastifyBaseLogger } from 'fastify';
import { PeriodicTask } from '../core/periodic-task.ts';
import type { Deps } from '../deps.ts';
import { sweepKeptUploads } from './channel-uploads.ts';
import { listMediaStoredBefore, markMediaPurged } from './customer-media-store.ts';
import { DEFAULT_MEDIA_RETENTION_DAYS, mediaFiles } from './fetch-customer-media.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 500;

/**
 * Deletes customer media kept longer than MEDIA_RETENTION_DAYS (0: keep forever) and marks it
 * expired, so the API answers 410 media_expired and it is not fetched again; and the files of
 * uploads kept for channels without an upload endpoint (Telegram) as old. Returns how many
 * files it deleted.
 */
export async function sweepCustomerMedia(deps: Pick<Deps, 'config' | 'storage' | 'clock'>): Promise<number> {
  const days = deps.config.media?.retentionDays ?? DEFAULT_MEDIA_RETENTION_DAYS;
  if (days <= 0) return 0;
  const before = deps.clock.now() - days * DAY_MS;
  const files = mediaFiles(deps);
  let removed = 0;
  for (;;) {
    const rows = await listMediaStoredBefore(deps.storage.db, before, BATCH);
    for (const r of rows) {
      // The row first: a request between the two finds it expired rather than a file missing to re-fetch.
      await markMediaPurged(deps.storage.db, r.message_id);
      await files.remove(r.message_id);
      removed++;
    }
    if (rows.length < BATCH) break;
  }
  return removed + (await sweepKeptUploads(deps.storage.db, deps.config.dataDir, before));
}

/** Runs the sweep every hour in processing processes. */
export class MediaRetentionTicker {
  private readonly task: PeriodicTask;

  constructor(deps: Pick<Deps, 'config' | 'storage' | 'clock'> & { logger: FastifyBaseLogger }, intervalMs = 60 * 60_000) {
    this.task = new PeriodicTask(
      () => sweepCustomerMedia(deps),
      intervalMs,
      (err) => deps.logger.warn({ err }, 'customer media retention sweep failed'),
    );
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
