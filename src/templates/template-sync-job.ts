import type { Deps } from '../deps.ts';
import { syncTemplatesFromGraph } from './sync-templates.ts';
import { templateChannels } from './template-channels.ts';

export const TEMPLATE_SYNC_TASK = 'templates.sync';
const DEFAULT_INTERVAL_MS = 15 * 60_000;

function interval(deps: Deps): number {
  return deps.config.templateSyncIntervalMs ?? DEFAULT_INTERVAL_MS;
}

/**
 * Schedules the next periodic fetch sync. The job key is the time slot, so several processes
 * (or a restart) scheduling the same slot add one job.
 */
export async function scheduleTemplateSync(deps: Deps): Promise<void> {
  const every = interval(deps);
  if (every <= 0) return;
  const slot = Math.floor(deps.clock.now() / every) + 1;
  await deps.jobs.enqueue(deps.storage.db, TEMPLATE_SYNC_TASK, {}, { key: `${TEMPLATE_SYNC_TASK}:${slot}`, runAt: slot * every, maxAttempts: 1 });
  deps.jobs.wake();
}

/** Job `templates.sync`: fetch every business account's templates, then schedule the next run. */
export function templateSyncHandler(deps: Deps): () => Promise<void> {
  return async () => {
    try {
      for (const tc of templateChannels(deps)) {
        const res = await syncTemplatesFromGraph(deps, tc);
        if (!res.ok) deps.logger.warn({ channel: tc.channelId, status: res.status, error: res.message }, 'template sync failed; next try at the next interval');
      }
    } finally {
      await scheduleTemplateSync(deps);
    }
  };
}
