import { HttpError } from '../core/http-error.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { templatesSuggestedFor } from '../templates/templates-suggested.ts';
import { customerWindow } from '../conversations/customer-window.ts';

/**
 * WhatsApp's 24-hour rule, checked before a free-form message is queued: outside the window the
 * answer is 422 `window_closed` with when it closed, that a template is required, and which
 * approved templates this number could send instead.
 */
export async function assertWindowOpen(db: Executor, channelId: string, lastCustomerMessageAt: number | null, now: number): Promise<void> {
  const w = customerWindow(lastCustomerMessageAt, now);
  if (w.open) return;
  // Say what could be sent instead: the number's approved templates.
  const templates = await templatesSuggestedFor(db, channelId);
  throw new HttpError(
    422,
    'window_closed',
    w.closedAt === null
      ? 'The customer has never written on this number, so only a template message can be sent.'
      : `The 24-hour customer service window closed at ${new Date(w.closedAt).toISOString()}; a template message is required.`,
    { window_closed_at: w.closedAt === null ? null : new Date(w.closedAt).toISOString(), template_required: true, templates },
  );
}
