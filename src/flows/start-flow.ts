import { upsertContact } from '../contacts/contact-store.ts';
import { findOrCreateByBsuid } from '../contacts/whatsapp-contact-store.ts';
import { customerWindow } from '../conversations/customer-window.ts';
import { openConversation } from '../messaging/open-conversation.ts';
import { HttpError } from '../core/http-error.ts';
import { normalizePhone, waIdVariants } from '../core/phone.ts';
import type { Deps } from '../deps.ts';
import { sendTemplate, type TemplateSendBody, type TemplateSendResult } from '../templates/send-template.ts';
import { deleteSession, findLiveSession, getVersionDoc, insertSession, type SessionRow } from './flow-store.ts';
import { timeSettings } from './flow-time.ts';
import { initialState } from './run-session.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';

export interface StartRequest {
  flowId: string;
  version: number;
  contactId?: string;
  phone?: string;
  /** A customer known by their business-scoped user ID (docs/whatsapp-identity.md). */
  bsuid?: string;
  channelId?: string;
  variables?: Record<string, unknown>;
  /** Start outside the window: send this template; the session waits for its quick-reply button. */
  template?: TemplateSendBody;
  /** Who asked (messages.author of the template). */
  author?: string;
}

/**
 * Starts a flow for a contact from the API: the session is created and its first step queued on
 * the conversation's serial queue, so it never interleaves with the customer's messages.
 * Free-form messages need the 24-hour window open; outside it, a start with `template` sends that
 * template and the session waits for its quick-reply button.
 */
export async function startFlow(deps: Deps, req: StartRequest): Promise<SessionRow & { template_message?: TemplateSendResult['message'] }> {
  const db = deps.storage.db;
  const now = deps.clock.now();
  const doc = await getVersionDoc(db, req.flowId, req.version);
  if (!doc) throw new HttpError(409, 'flow_not_published', `Flow ${req.flowId} has no published version.`);
  const channel = req.channelId
    ? await db.selectFrom('channels').select(['id', 'kind']).where('id', '=', req.channelId).executeTakeFirst()
    : await db.selectFrom('channels').select(['id', 'kind']).orderBy('created_at').limit(1).executeTakeFirst();
  if (!channel) throw new HttpError(req.channelId ? 404 : 409, 'channel_not_found', req.channelId ? `No channel ${req.channelId}.` : 'No channel is configured.');
  const session = await db.transaction().execute(async (trx) => {
    let contactId = req.contactId;
    if (contactId) {
      if (!(await trx.selectFrom('contacts').select('id').where('id', '=', contactId).executeTakeFirst())) throw new HttpError(404, 'contact_not_found', `No contact ${contactId}.`);
    } else if (req.bsuid) {
      contactId = (await findOrCreateByBsuid(trx, req.bsuid, now)).id;
    } else {
      const phone = normalizePhone(req.phone ?? '');
      if (!phone.ok) throw new HttpError(400, 'invalid_phone', phone.message, { reason: phone.reason });
      const known = await trx.selectFrom('contacts').select('id').where('channel_kind', '=', channel.kind).where('external_id', 'in', waIdVariants(phone.waId)).executeTakeFirst();
      contactId = known?.id ?? (await upsertContact(trx, { channelKind: channel.kind, externalId: phone.waId, phoneE164: phone.e164, now })).id;
    }
    const live = await findLiveSession(trx, contactId, channel.id);
    if (live) throw new HttpError(409, 'session_active', 'The contact is already in a flow on this channel.', { session_id: live.id, flow_id: live.flow_id });
    const conv = await openConversation(trx, { channelId: channel.id, contactId, now }, deps.jobs);
    const window = customerWindow(conv.last_customer_message_at, now);
    if (req.template) {
      // Waits at the start block for the button (continue / cancel), and expires like a question.
      const state = { ...initialState(req.flowId, req.version, doc, req.variables, now), status: 'waiting' as const, awaiting: 'button' as const };
      state.wakeAt = now + timeSettings(doc, { businessHours: deps.config.flows?.businessHours, timezone: deps.config.flows?.businessTimezone }).timeoutMs;
      return insertSession(trx, { state, contactId, channelId: channel.id, conversationId: conv.id, now });
    }
    if (!window.open) {
      throw new HttpError(422, 'window_closed', 'The customer has not written in the last 24 hours; a flow can only start with a template then.', {
        window_closed_at: window.closedAt === null ? null : new Date(window.closedAt).toISOString(),
        template_required: true,
      });
    }
    const row = await insertSession(trx, { state: initialState(req.flowId, req.version, doc, req.variables, now), contactId, channelId: channel.id, conversationId: conv.id, now });
    await enqueueJob(trx, deps.jobs, JOBS.flowResume, { sessionId: row.id, step: row.step }, { conversationId: conv.id });
    return row;
  });
  deps.jobs.wake();
  if (!req.template) return session;
  try {
    // After the commit: sendTemplate runs its own transaction. Refused (opt-in, not approved,
    // parameters): the session never ran, so it is removed and the refusal goes to the caller.
    const sent = await sendTemplate(deps, { conversationId: session.conversation_id, channelId: session.channel_id, contactId: session.contact_id, author: req.author ?? 'api' }, req.template);
    return { ...session, template_message: sent.message };
  } catch (err) {
    await deleteSession(deps.storage.db, session.id);
    throw err;
  }
}
