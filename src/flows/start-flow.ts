import { upsertContact } from '../contacts/contact-store.ts';
import { findOrCreateByBsuid } from '../contacts/whatsapp-contact-store.ts';
import { customerWindow } from '../conversations/customer-window.ts';
import { openConversation } from '../messaging/open-conversation.ts';
import { normalizePhone, waIdVariants } from '../core/phone.ts';
import type { Deps } from '../deps.ts';
import { sendTemplate, type TemplateSendBody, type TemplateSendRefusal, type TemplateSendResult } from '../templates/send-template.ts';
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

/** Why a flow did not start (nothing was kept then); a refused template send passes through as it is. */
export type StartRefusal =
  | { ok: false; reason: 'flow_not_published' | 'channel_not_found' | 'no_channel' | 'contact_not_found'; message: string }
  | { ok: false; reason: 'invalid_phone'; message: string; details: { reason: string } }
  | { ok: false; reason: 'session_active'; message: string; details: { session_id: string; flow_id: string } }
  | { ok: false; reason: 'window_closed'; message: string; details: { window_closed_at: string | null; template_required: true } }
  | TemplateSendRefusal;

export type StartResult = { ok: true; session: SessionRow & { template_message?: TemplateSendResult['message'] } } | StartRefusal;

/** Carries a refusal out of the transaction, rolling back what it wrote. */
class Refused extends Error {
  constructor(readonly refusal: StartRefusal) {
    super(refusal.reason);
  }
}

/**
 * Starts a flow for a contact from the API: the session is created and its first step queued on
 * the conversation's serial queue, so it never interleaves with the customer's messages.
 * Free-form messages need the 24-hour window open; outside it, a start with `template` sends that
 * template and the session waits for its quick-reply button.
 */
export async function startFlow(deps: Deps, req: StartRequest): Promise<StartResult> {
  try {
    return await start(deps, req);
  } catch (err) {
    if (err instanceof Refused) return err.refusal;
    throw err;
  }
}

async function start(deps: Deps, req: StartRequest): Promise<StartResult> {
  const db = deps.storage.db;
  const now = deps.clock.now();
  const doc = await getVersionDoc(db, req.flowId, req.version);
  if (!doc) return { ok: false, reason: 'flow_not_published', message: `Flow ${req.flowId} has no published version.` };
  const channel = req.channelId
    ? await db.selectFrom('channels').select(['id', 'kind']).where('id', '=', req.channelId).executeTakeFirst()
    : await db.selectFrom('channels').select(['id', 'kind']).orderBy('created_at').limit(1).executeTakeFirst();
  if (!channel)
    return req.channelId
      ? { ok: false, reason: 'channel_not_found', message: `No channel ${req.channelId}.` }
      : { ok: false, reason: 'no_channel', message: 'No channel is configured.' };
  const session = await db.transaction().execute(async (trx) => {
    let contactId = req.contactId;
    if (contactId) {
      if (!(await trx.selectFrom('contacts').select('id').where('id', '=', contactId).executeTakeFirst()))
        throw new Refused({ ok: false, reason: 'contact_not_found', message: `No contact ${contactId}.` });
    } else if (req.bsuid) {
      contactId = (await findOrCreateByBsuid(trx, req.bsuid, now)).id;
    } else {
      const phone = normalizePhone(req.phone ?? '');
      if (!phone.ok) throw new Refused({ ok: false, reason: 'invalid_phone', message: phone.message, details: { reason: phone.reason } });
      const known = await trx
        .selectFrom('contacts')
        .select('id')
        .where('channel_kind', '=', channel.kind)
        .where('external_id', 'in', waIdVariants(phone.waId))
        .executeTakeFirst();
      contactId =
        known?.id ?? (await upsertContact(trx, { channelKind: channel.kind, externalId: phone.waId, phoneE164: phone.e164, now })).id;
    }
    const live = await findLiveSession(trx, contactId, channel.id);
    if (live)
      throw new Refused({
        ok: false,
        reason: 'session_active',
        message: 'The contact is already in a flow on this channel.',
        details: { session_id: live.id, flow_id: live.flow_id },
      });
    const conv = await openConversation(trx, { channelId: channel.id, contactId, now }, deps.jobs);
    const window = customerWindow(conv.last_customer_message_at, now);
    if (req.template) {
      // Waits at the start block for the button (continue / cancel), and expires like a question.
      const state = {
        ...initialState(req.flowId, req.version, doc, req.variables, now),
        status: 'waiting' as const,
        awaiting: 'button' as const,
      };
      state.wakeAt =
        now +
        timeSettings(doc, { businessHours: deps.config.flows?.businessHours, timezone: deps.config.flows?.businessTimezone }).timeoutMs;
      return insertSession(trx, { state, contactId, channelId: channel.id, conversationId: conv.id, now });
    }
    if (!window.open) {
      throw new Refused({
        ok: false,
        reason: 'window_closed',
        message: 'The customer has not written in the last 24 hours; a flow can only start with a template then.',
        details: { window_closed_at: window.closedAt === null ? null : new Date(window.closedAt).toISOString(), template_required: true },
      });
    }
    const row = await insertSession(trx, {
      state: initialState(req.flowId, req.version, doc, req.variables, now),
      contactId,
      channelId: channel.id,
      conversationId: conv.id,
      now,
    });
    await enqueueJob(trx, deps.jobs, JOBS.flowResume, { sessionId: row.id, step: row.step }, { conversationId: conv.id });
    return row;
  });
  deps.jobs.wake();
  if (!req.template) return { ok: true, session };
  // After the commit: sendTemplate runs its own transaction. Refused (opt-in, not approved,
  // parameters) or failed: the session never ran, so it is removed and the refusal goes to the caller.
  let sent: Awaited<ReturnType<typeof sendTemplate>>;
  try {
    sent = await sendTemplate(
      deps,
      {
        conversationId: session.conversation_id,
        channelId: session.channel_id,
        contactId: session.contact_id,
        author: req.author ?? 'api',
      },
      req.template,
    );
  } catch (err) {
    await deleteSession(deps.storage.db, session.id);
    throw err;
  }
  if (!sent.ok) {
    await deleteSession(deps.storage.db, session.id);
    return sent;
  }
  return { ok: true, session: { ...session, template_message: sent.sent.message } };
}
