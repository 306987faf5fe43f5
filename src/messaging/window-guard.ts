import type { Executor } from '../jobs/job-queue.ts';
import { templatesSuggestedFor } from '../templates/templates-suggested.ts';
import { customerWindow } from '../conversations/customer-window.ts';
import { capabilitiesOf } from '../channels/channel-capabilities.ts';

/** Whether a free-form message may go out now; closed: when the window closed (null: the customer never wrote) and what could be sent instead. */
export type WindowCheck =
  | { ok: true }
  | {
      ok: false;
      reason: 'window_closed';
      closedAt: number | null;
      templates: Array<{ id: string; name: string; language: string; category: string }>;
    };

/**
 * WhatsApp's 24-hour rule (the `serviceWindow` capability; Telegram has none), checked before a free-form message is queued. Outside the window the
 * result says when it closed and which approved templates this number could send instead (routes
 * answer 422 window_closed with template_required: conversations/conversation-refusals.ts).
 */
export async function checkWindowOpen(
  db: Executor,
  channelId: string,
  lastCustomerMessageAt: number | null,
  now: number,
): Promise<WindowCheck> {
  const w = customerWindow(lastCustomerMessageAt, now);
  if (w.open) return { ok: true };
  // A channel without a service window (Telegram) takes free-form messages at any time.
  const channel = await db.selectFrom('channels').select('kind').where('id', '=', channelId).executeTakeFirst();
  if (channel && !capabilitiesOf(channel.kind).serviceWindow) return { ok: true };
  // Say what could be sent instead: the number's approved templates.
  return { ok: false, reason: 'window_closed', closedAt: w.closedAt, templates: await templatesSuggestedFor(db, channelId) };
}
