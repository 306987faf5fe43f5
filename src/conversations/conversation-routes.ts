import type { FastifyInstance } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import { customerWindow } from './customer-window.ts';
import { conversationView, messageView } from './conversation-views.ts';

const STATUSES = new Set(['active', 'archived', 'closed']);

/** First slice of the inbox API: list, detail with messages, send a text. */
export async function conversationRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;

  const baseQuery = () =>
    db
      .selectFrom('conversations as c')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .selectAll('c')
      .select(['ct.profile_name as contact_name', 'ct.external_id as contact_wa_id', 'ct.phone_e164 as contact_phone']);

  app.get('/api/v1/conversations', async (req) => {
    const q = (req.query ?? {}) as Record<string, string | undefined>;
    const limit = q.limit === undefined ? 50 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new HttpError(400, 'invalid_limit', 'limit must be a whole number from 1 to 200.');
    if (q.status !== undefined && !STATUSES.has(q.status)) throw new HttpError(400, 'invalid_status', 'status must be active, archived or closed.');
    let query = baseQuery();
    if (q.status) query = query.where('c.status', '=', q.status);
    if (q.cursor) {
      const cursor = decodeCursor(q.cursor);
      // Keyset pagination on (last_message_at, id), newest first: stable under inserts.
      query = query.where((eb) =>
        eb.or([eb('c.last_message_at', '<', cursor.at), eb.and([eb('c.last_message_at', '=', cursor.at), eb('c.id', '<', cursor.id)])]),
      );
    }
    const rows = await query.orderBy('c.last_message_at', 'desc').orderBy('c.id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const now = deps.clock.now();
    return {
      data: page.map((r) => conversationView(r, now)),
      next_cursor: rows.length > limit && last ? encodeCursor(last.last_message_at, last.id) : null,
    };
  });

  app.get('/api/v1/conversations/:id', async (req) => {
    const { id } = req.params as { id: string };
    const q = (req.query ?? {}) as Record<string, string | undefined>;
    const conversation = await baseQuery().where('c.id', '=', id).executeTakeFirst();
    if (!conversation) throw new HttpError(404, 'conversation_not_found', `No conversation ${id}.`);
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'invalid_limit', 'limit must be a whole number from 1 to 500.');
    let mq = db.selectFrom('messages').selectAll().where('conversation_id', '=', id);
    if (q.before !== undefined) {
      const before = Number(q.before);
      if (!Number.isInteger(before)) throw new HttpError(400, 'invalid_cursor', 'before must be a message seq from a previous page.');
      mq = mq.where('seq', '<', before);
    }
    // Newest page first, returned oldest-to-newest; `before` pages further back.
    const rows = await mq.orderBy('seq', 'desc').limit(limit + 1).execute();
    const more = rows.length > limit;
    const page = rows.slice(0, limit).reverse();
    return {
      ...conversationView(conversation, deps.clock.now()),
      messages: page.map(messageView),
      messages_before_cursor: more && page[0] ? String(page[0].seq) : null,
    };
  });

  app.post('/api/v1/conversations/:id/messages', async (req, reply) => {
    const { id } = req.params as { id: string };
    const body = req.body;
    if (typeof body !== 'object' || body === null) throw new HttpError(400, 'invalid_body', 'Send a JSON object like {"text": "Hello"}.');
    const b = body as Record<string, unknown>;
    if (b.type !== undefined && b.type !== 'text') throw new HttpError(422, 'unsupported_type', 'Only text messages can be sent in this version: {"type":"text","text":"..."}.');
    const text = b.text;
    if (typeof text !== 'string' || text.trim() === '') throw new HttpError(422, 'text_required', '"text" must be a non-empty string.');
    if (text.length > 4096) throw new HttpError(422, 'text_too_long', `"text" is ${text.length} characters; WhatsApp allows 4096.`);
    if (b.reply_to !== undefined && typeof b.reply_to !== 'string') throw new HttpError(422, 'invalid_reply_to', '"reply_to" must be a message external id (wamid).');
    const conversation = await db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
    if (!conversation) throw new HttpError(404, 'conversation_not_found', `No conversation ${id}.`);
    if (conversation.status === 'closed') throw new HttpError(409, 'conversation_closed', 'This conversation is closed; a new one starts when the customer writes.');
    const now = deps.clock.now();
    const w = customerWindow(conversation.last_customer_message_at, now);
    if (!w.open) {
      throw new HttpError(
        422,
        'window_closed',
        w.closedAt === null
          ? 'The customer has never written on this number, so only a template message can be sent.'
          : `The 24-hour customer service window closed at ${new Date(w.closedAt).toISOString()}; a template message is required.`,
        { window_closed_at: w.closedAt === null ? null : new Date(w.closedAt).toISOString(), template_required: true },
      );
    }
    const message = await db
      .transaction()
      .execute((trx) =>
        queueOutbound(trx, deps.jobs, {
          conversationId: id,
          channelId: conversation.channel_id,
          content: { type: 'text', text },
          replyTo: typeof b.reply_to === 'string' ? b.reply_to : undefined,
          author: 'api',
          now,
        }),
      );
    deps.jobs.wake();
    return reply.status(202).send(messageView(message));
  });
}

function encodeCursor(at: number, id: string): string {
  return Buffer.from(`${at}:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: number; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  const n = Number(at);
  if (!Number.isFinite(n) || !id) throw new HttpError(400, 'invalid_cursor', 'cursor is not one this API returned.');
  return { at: n, id };
}
