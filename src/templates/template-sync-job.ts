import type { Deps } from '../deps.ts';
import { syncTemplatesFromGraph } from './sync-templates.ts';
import { templateChannels } from './template-channels.ts';
import { enqueueJob, handle, type BoundJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';

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
  await enqueueJob(deps.storage.db, deps.jobs, JOBS.templatesSync, {}, { key: `${JOBS.templatesSync.name}:${slot}`, runAt: slot * every });
  deps.jobs.wake();
}

/** Job `templates.sync`: fetch every business account's templates, then schedule the next run. */
export function templateSyncJob(deps: Deps): BoundJob {
  return handle(JOBS.templatesSync, async () => {
    try {
      for (const tc of templateChannels(deps)) {
        const res = await syncTemplatesFromGraph(deps, tc);
        if (!res.ok)
          deps.logger.warn(
            { channel: tc.channelId, status: res.status, error: res.message },
            'template sync failed; next try at the next interval',
          );
      }
    } finally {
      await scheduleTemplateSync(deps);
    }
  });
}
