import type { Config } from '../config.ts';
import { emitBotPaused, emitBotResumed } from '../event-webhooks/pipeline-events.ts';
import type { Executor, JobQueue } from '../jobs/job-queue.ts';
import { deleteBotPause, findBotPause, insertBotPause, touchBotPause, type BotPauseRow } from '../conversations/bot-pause-store.ts';

/**
 * The human override, one rule for every automated responder (flows, the demo bot, the AI to
 * come): while a conversation's bot is paused none of them answers there. What pauses it: an
 * agent assigned (by a person or by routing), a hand-off (the API's or a flow's block), an
 * agent's or integration's message, an explicit pause. What lifts it: unassigning, closing, an
 * explicit resume, or the idle timeout (BOT_PAUSE_IDLE_TIMEOUT_MS, off by default).
 *
 * Deliberately outside this module: deciding what counts as a human act (the callers do, e.g. a
 * bot's or flow's own message never calls pauseBot), and the flow session itself, which is
 * frozen, not ended, while paused.
 */

/** Why the bot went silent. */
export type PauseReason = 'assigned' | 'handoff' | 'agent_message' | 'manual';
/** Why it may speak again. */
export type ReleaseReason = 'unassigned' | 'closed' | 'resumed' | 'idle_timeout';

export interface BotPauseDeps {
  jobs: JobQueue;
  config: Pick<Config, 'botPauseIdleTimeoutMs'>;
}

/**
 * Pauses the bot in the caller's transaction, or, when it is paused already, counts this as agent
 * activity (the idle timeout starts again; who paused and why stay those of the first pause).
 * Emits conversation.bot_paused only when the pause is new. Returns whether it was new.
 */
export async function pauseBot(
  db: Executor,
  deps: BotPauseDeps,
  input: { conversationId: string; by: string; reason: PauseReason; now: number; sessionId?: string },
): Promise<boolean> {
  const timeout = deps.config.botPauseIdleTimeoutMs ?? 0;
  const resumesAt = timeout > 0 ? input.now + timeout : null;
  const inserted = await insertBotPause(db, {
    conversation_id: input.conversationId,
    session_id: input.sessionId ?? null,
    reason: input.reason,
    paused_at: input.now,
    paused_by: input.by,
    last_activity_at: input.now,
    resumes_at: resumesAt,
  });
  if (!inserted) {
    await touchBotPause(db, input.conversationId, { now: input.now, resumesAt });
    return false;
  }
  await emitBotPaused(db, deps.jobs, { conversationId: input.conversationId, by: input.by, reason: input.reason, now: input.now });
  return true;
}

/**
 * Lifts the pause in the caller's transaction and emits conversation.bot_resumed; returns the
 * pause that ended, or undefined when the bot was not paused (nothing is emitted then). An
 * `idle_timeout` release only takes a pause still idle at `now` (activity in between wins).
 */
export async function releaseBot(
  db: Executor,
  deps: Pick<BotPauseDeps, 'jobs'>,
  input: { conversationId: string; by: string; reason: ReleaseReason; now: number },
): Promise<BotPauseRow | undefined> {
  const pause = await deleteBotPause(db, input.conversationId, input.reason === 'idle_timeout' ? { idleAt: input.now } : {});
  if (!pause) return undefined;
  await emitBotResumed(db, deps.jobs, { conversationId: input.conversationId, by: input.by, reason: input.reason, pause, now: input.now });
  return pause;
}

/**
 * The gate every automated responder passes before answering a customer: true while the bot is
 * paused. A pause whose idle deadline has passed lifts here (reason idle_timeout, by `system`),
 * so the customer's message that finds it idle is answered without waiting for the sweep.
 */
export async function isBotPaused(db: Executor, deps: Pick<BotPauseDeps, 'jobs'>, conversationId: string, now: number): Promise<boolean> {
  const pause = await findBotPause(db, conversationId);
  if (!pause) return false;
  if (pause.resumes_at === null || pause.resumes_at > now) return true;
  if (await releaseBot(db, deps, { conversationId, by: 'system', reason: 'idle_timeout', now })) return false;
  return (await findBotPause(db, conversationId)) !== undefined;
}
