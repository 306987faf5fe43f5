import { runWithLogContext } from '../core/log-context.ts';
import { jobDuration, jobRuns, jobsRunning } from '../core/metrics.ts';
import { RetryLater } from './job-errors.ts';
import type { TaskHandler } from './job-queue.ts';

/**
 * The handler table with each attempt measured (switchboard_jobs_total, ..._job_duration_seconds,
 * ..._jobs_running) and run under its job id, which then appears on every log line the job
 * writes (core/log-context.ts). Same table in, same table out: both engines take it.
 */
export function instrumentJobs(handlers: Record<string, TaskHandler>): Record<string, TaskHandler> {
  const out: Record<string, TaskHandler> = {};
  for (const [name, run] of Object.entries(handlers)) {
    // Label children bound once: an attempt costs two increments and one observation.
    const duration = jobDuration.labels(name);
    const running = jobsRunning.labels(name);
    const completed = jobRuns.labels(name, 'completed');
    const retry = jobRuns.labels(name, 'retry');
    const failed = jobRuns.labels(name, 'failed');
    out[name] = async (payload, job) => {
      running.inc();
      const started = performance.now();
      try {
        await runWithLogContext({ job_id: String(job.id), job: name }, () => run(payload, job));
        completed.inc();
      } catch (err) {
        // RetryLater is a planned retry; any other error is a failure (the engine may still retry it).
        (err instanceof RetryLater ? retry : failed).inc();
        throw err;
      } finally {
        duration.observe((performance.now() - started) / 1000);
        running.dec();
      }
    };
  }
  return out;
}
