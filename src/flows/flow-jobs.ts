import { findBotPause } from '../conversations/bot-pause-store.ts';
import type { Deps } from '../deps.ts';
import { contactContext, dueSessions, getSession } from './flow-store.ts';
import { deliverFlowWebhook } from './flow-webhook.ts';
import { driveSession } from './run-session.ts';
import { isLive } from './step-session.ts';
import { enqueueJob, handle, type BoundJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';

interface SessionJob {
  sessionId: string;
  step: number;
}

/** Puts a session's next move on its conversation's serial queue, after any message before it. */
export async function enqueueResume(deps: Deps, job: SessionJob & { conversationId: string }): Promise<void> {
  await enqueueJob(
    deps.storage.db,
    deps.jobs,
    JOBS.flowResume,
    { sessionId: job.sessionId, step: job.step },
    { conversationId: job.conversationId },
  );
  deps.jobs.wake();
}

/**
 * flow.timer: a wait is over or an HTTP step's watchdog fired; hands over to flow.resume on the
 * conversation queue. flow.resume: runs the session on from where it stands, if it still stands
 * at the step the job was made for (otherwise the job is stale and does nothing).
 */
export function flowJobs(deps: Deps): BoundJob[] {
  return [
    handle(JOBS.flowWebhook, (p) => deliverFlowWebhook(deps, p)),
    handle(JOBS.flowTimer, async (job) => {
      const row = await getSession(deps.storage.db, job.sessionId);
      if (!row || row.step !== job.step || !isLive(row.status)) return;
      await enqueueResume(deps, { ...job, conversationId: row.conversation_id });
    }),
    handle(JOBS.flowResume, async (job) => {
      const row = await getSession(deps.storage.db, job.sessionId);
      if (!row || row.step !== job.step || !isLive(row.status)) return;
      const contact = await contactContext(deps.storage.db, row.contact_id);
      if (!contact) return;
      // A paused bot keeps its timers still (the sweep finds them due once the pause lifts);
      // a new session started on purpose (the API's start) still enters.
      if (
        (row.awaiting === 'wake' || row.awaiting === 'answer' || row.awaiting === 'button') &&
        (await findBotPause(deps.storage.db, row.conversation_id))
      )
        return;
      if (row.awaiting === 'wake') {
        if (row.wake_at !== null && row.wake_at > deps.clock.now()) return; // early: the timer or the sweeper comes back
        await driveSession(deps, { target: { session: row }, event: { type: 'wake' }, contact, message: null });
      } else if (row.awaiting === 'answer' || row.awaiting === 'button') {
        // Waiting for the customer: only a due deadline (re-engagement, expiry) moves it.
        if (row.wake_at === null || row.wake_at > deps.clock.now()) return;
        await driveSession(deps, { target: { session: row }, event: { type: 'tick' }, contact, message: null });
      } else {
        // A new session (API start) or an HTTP / template step interrupted by a crash: (re)enter the block.
        await driveSession(deps, { target: { session: row }, event: { type: 'enter' }, contact, message: null });
      }
    }),
  ];
}

/**
 * Finds waits and question deadlines (re-engagement, expiry) that are due and resumes them. Timer jobs already do this; the sweep also covers
 * engines that schedule in database time while tests (or an operator) move the app's clock.
 */
export class FlowTicker {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  constructor(
    private readonly deps: Deps,
    private readonly everyMs = 1_000,
  ) {}
  start(): void {
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const s of await dueSessions(this.deps.storage.db, this.deps.clock.now(), 200)) {
        await enqueueResume(this.deps, { sessionId: s.id, step: s.step, conversationId: s.conversation_id });
      }
    } catch (err) {
      this.deps.logger.warn({ err }, 'flow ticker failed');
    } finally {
      this.running = false;
    }
  }
}
