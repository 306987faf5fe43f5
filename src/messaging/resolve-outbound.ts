import { isUniqueViolation } from '../auth/unique-violation.ts';
import type { OutboundContent } from '../channels/channel-types.ts';
import type { MessageRow } from '../conversations/message-store.ts';
import type { Deps } from '../deps.ts';
import { emitMessageStatus } from '../event-webhooks/pipeline-events.ts';
import { queueOutbound } from './queue-outbound.ts';

/** What an agent can resolve: a message that failed for good, or one whose send has an unknown outcome. */
const RESENDABLE: ReadonlySet<string> = new Set(['failed', 'unconfirmed']);

export type OutboundLookup = { ok: true; message: MessageRow } | { ok: false; reason: 'message_not_found' };

/** One of our outbound messages in this conversation. */
export async function findOutbound(deps: Deps, conversationId: string, messageId: string): Promise<OutboundLookup> {
  const message = await deps.storage.db
    .selectFrom('messages')
    .selectAll()
    .where('id', '=', messageId)
    .where('conversation_id', '=', conversationId)
    .where('direction', '=', 'out')
    .executeTakeFirst();
  return message ? { ok: true, message } : { ok: false, reason: 'message_not_found' };
}

export type ResendResult =
  | { ok: true; message: MessageRow }
  | { ok: false; reason: 'not_resendable'; status: string }
  | { ok: false; reason: 'already_resent'; resentAs: string | null };

class Settled extends Error {}

/**
 * Resends a failed or unconfirmed outbound message as a new message (the original keeps its
 * record): same content, same quoted message, queued like any reply at the end of the
 * conversation, with `resend_of` naming the original. A message is resent once. An unconfirmed
 * original becomes `failed` (`unconfirmed_resent`): the agent chose to send it again, so a late
 * confirmation of the original cannot be mistaken for this one. The caller has checked what a new
 * send needs (the conversation, the 24-hour window for free-form content, a blocked contact).
 */
export async function resendOutbound(deps: Deps, original: MessageRow, input: { author: string; now: number }): Promise<ResendResult> {
  if (!RESENDABLE.has(original.status)) return { ok: false, reason: 'not_resendable', status: original.status };
  const db = deps.storage.db;
  const content: OutboundContent = JSON.parse(original.content);
  try {
    const message = await db.transaction().execute(async (trx) => {
      const m = await queueOutbound(trx, deps.jobs, {
        conversationId: original.conversation_id,
        channelId: original.channel_id,
        content,
        ...(original.reply_to_external_id !== null ? { replyTo: original.reply_to_external_id } : {}),
        author: input.author,
        now: input.now,
      });
      // A template's rendered text, name, price estimate and opt-in override go with it.
      const copied = await trx
        .selectFrom('messages')
        .select(['text', 'template_name', 'price_estimate', 'currency', 'opt_in_override_reason'])
        .where('id', '=', original.id)
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('messages')
        .set({ ...copied, resend_of: original.id })
        .where('id', '=', m.id)
        .execute();
      if (original.status === 'unconfirmed') {
        const moved = await trx
          .updateTable('messages')
          .set({
            status: 'failed',
            status_at: input.now,
            error_code: 'unconfirmed_resent',
            error_message: `The outcome of this send was unknown; it was resent as ${m.id} by ${input.author}.`,
          })
          .where('id', '=', original.id)
          .where('status', '=', 'unconfirmed')
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) throw new Settled(); // a status callback confirmed it meanwhile
        await emitMessageStatus(trx, deps.jobs, { messageId: original.id, now: input.now });
      }
      return { ...m, ...copied, resend_of: original.id };
    });
    deps.jobs.wake();
    return { ok: true, message };
  } catch (err) {
    if (err instanceof Settled) {
      const now = await db.selectFrom('messages').select('status').where('id', '=', original.id).executeTakeFirst();
      return { ok: false, reason: 'not_resendable', status: now?.status ?? original.status };
    }
    if (isUniqueViolation(err)) {
      const other = await db.selectFrom('messages').select('id').where('resend_of', '=', original.id).executeTakeFirst();
      return { ok: false, reason: 'already_resent', resentAs: other?.id ?? null };
    }
    throw err;
  }
}

/** The message this one was resent as, if any. */
export async function resentAs(deps: Deps, messageId: string): Promise<string | null> {
  const row = await deps.storage.db.selectFrom('messages').select('id').where('resend_of', '=', messageId).executeTakeFirst();
  return row?.id ?? null;
}

export type MarkSentResult = { ok: true; message: MessageRow } | { ok: false; reason: 'not_unconfirmed'; status: string };

/**
 * An agent's word that an unconfirmed message reached the customer (they saw it on the phone, the
 * customer answered it): it becomes `sent`, its error cleared. A later status callback for it
 * (by our id in biz_opaque_callback_data) still records its wamid and moves it on.
 */
export async function markOutboundSent(deps: Deps, original: MessageRow, input: { by: string; now: number }): Promise<MarkSentResult> {
  if (original.status !== 'unconfirmed') return { ok: false, reason: 'not_unconfirmed', status: original.status };
  const db = deps.storage.db;
  const moved = await db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('messages')
      .set({ status: 'sent', status_at: input.now, error_code: null, error_message: null })
      .where('id', '=', original.id)
      .where('status', '=', 'unconfirmed')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await emitMessageStatus(trx, deps.jobs, { messageId: original.id, now: input.now });
    return true;
  });
  if (!moved) {
    const now = await db.selectFrom('messages').select('status').where('id', '=', original.id).executeTakeFirst();
    return { ok: false, reason: 'not_unconfirmed', status: now?.status ?? original.status };
  }
  deps.jobs.wake();
  deps.logger.info({ message: original.id, by: input.by }, 'unconfirmed message marked sent');
  const message = await db.selectFrom('messages').selectAll().where('id', '=', original.id).executeTakeFirstOrThrow();
  return { ok: true, message };
}
