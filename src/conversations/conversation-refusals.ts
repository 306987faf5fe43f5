import { assertNever } from '../core/assert-never.ts';
import { HttpError } from '../core/http-error.ts';

/**
 * The expected refusals of the conversation use cases (conversation-lookup.ts,
 * refuse-hidden-conversation.ts, contacts/refuse-blocked.ts, messaging/window-guard.ts), each a
 * `{ ok: false, reason, ...details }` result, and the one place that says how the API answers
 * them. Only routes (and their helpers in conversation-access.ts) turn them into HTTP errors.
 */
export type ConversationRefusal =
  | { reason: 'conversation_not_found'; id: string }
  | { reason: 'conversation_hidden' }
  | { reason: 'contact_blocked'; contactId: string }
  | {
      reason: 'window_closed';
      closedAt: number | null;
      templates: ReadonlyArray<{ id: string; name: string; language: string; category: string }>;
    };

/** The HTTP answer to a refusal: status, code (the reason) and message, with its details. */
export function refusal(r: ConversationRefusal): HttpError {
  switch (r.reason) {
    case 'conversation_not_found':
      return new HttpError(404, r.reason, `No conversation ${r.id}.`);
    case 'conversation_hidden':
      return new HttpError(
        403,
        r.reason,
        "This customer's conversation is assigned to someone else; ask for it to be assigned to you or your team.",
      );
    case 'contact_blocked':
      return new HttpError(422, r.reason, `Contact ${r.contactId} is blocked; unblock them to send messages.`, { contact_id: r.contactId });
    case 'window_closed':
      // Say when it closed, that a template is required, and which approved templates this number could send instead.
      return new HttpError(
        422,
        r.reason,
        r.closedAt === null
          ? 'The customer has never written on this number, so only a template message can be sent.'
          : `The 24-hour customer service window closed at ${new Date(r.closedAt).toISOString()}; a template message is required.`,
        {
          window_closed_at: r.closedAt === null ? null : new Date(r.closedAt).toISOString(),
          template_required: true,
          templates: r.templates,
        },
      );
    default:
      return assertNever(r);
  }
}
