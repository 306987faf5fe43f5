import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SimUserActions, UserMessageSpec } from './sim-user-actions.ts';
import type { TgState } from './tg-state.ts';
import type { UpdateQueue } from './update-queue.ts';

type Body = Record<string, unknown>;

const bad = (reply: FastifyReply, message: string) => reply.code(400).send({ error: { code: 'invalid_request', message } });

const KINDS = new Set(['text', 'photo', 'video', 'voice', 'audio', 'document', 'sticker', 'location', 'venue', 'contact']);

/**
 * The test API (/_sim, behind the test token like the WhatsApp simulator's): simulated users
 * write, edit, press inline buttons and block the bot; tests read what the bot sent and which
 * webhook deliveries were made. Errors are `{error: {code, message}}`.
 */
export function registerTgTestApiRoutes(app: FastifyInstance, state: TgState, queue: UpdateQueue, users: SimUserActions): void {
  const userId = (raw: string) => (/^\d{1,15}$/.test(raw) ? Number(raw) : NaN);
  const known = (reply: FastifyReply, id: number) => {
    if (state.users.has(id)) return true;
    void reply.code(404).send({ error: { code: 'user_not_found', message: `no simulated Telegram user ${id}` } });
    return false;
  };

  app.get('/_sim/info', async () => ({
    bot: state.bot,
    webhook: queue.webhook ? { url: queue.webhook.url, has_secret: queue.webhook.secretToken !== undefined } : null,
    pending_update_count: queue.pendingCount,
    users: [...state.users.values()].map((u) => ({ ...u.user, blocked: u.blocked })),
  }));

  app.post<{ Body: Body }>('/_sim/users', async (req, reply) => {
    const b = (req.body ?? {}) as Body;
    const id = b.id === undefined ? undefined : Number(b.id);
    if (id !== undefined && (!Number.isSafeInteger(id) || id <= 0)) return bad(reply, 'id must be a positive integer');
    if (b.first_name !== undefined && (typeof b.first_name !== 'string' || b.first_name === '' || b.first_name.length > 64))
      return bad(reply, 'first_name must be 1-64 characters');
    const u = state.addUser({
      ...(id !== undefined ? { id } : {}),
      ...(typeof b.first_name === 'string' ? { first_name: b.first_name } : {}),
      ...(typeof b.last_name === 'string' ? { last_name: b.last_name } : {}),
      ...(typeof b.username === 'string' ? { username: b.username } : {}),
    });
    return reply.code(201).send({ ...u.user, blocked: u.blocked });
  });

  app.get<{ Params: { id: string } }>('/_sim/users/:id/chat', async (req, reply) => {
    const id = userId(req.params.id);
    if (!known(reply, id)) return;
    return { messages: [...state.users.get(id)!.messages.values()] };
  });

  app.post<{ Params: { id: string }; Body: Body }>('/_sim/users/:id/messages', async (req, reply) => {
    const id = userId(req.params.id);
    if (!known(reply, id)) return;
    const b = (req.body ?? {}) as Body;
    const type = typeof b.type === 'string' ? b.type : typeof b.text === 'string' ? 'text' : '';
    if (!KINDS.has(type)) return bad(reply, `type must be one of ${[...KINDS].join(', ')}`);
    if (type === 'text' && (typeof b.text !== 'string' || b.text === '')) return bad(reply, 'text is required');
    const { data_base64, reply_to_message_id, ...rest } = b;
    const spec = {
      ...rest,
      type,
      ...(typeof data_base64 === 'string' ? { data: Buffer.from(data_base64, 'base64') } : {}),
    } as UserMessageSpec;
    try {
      const r = users.send(id, spec, typeof reply_to_message_id === 'number' ? { replyToMessageId: reply_to_message_id } : {});
      return reply.code(201).send(r);
    } catch (err) {
      return bad(reply, (err as Error).message);
    }
  });

  app.post<{ Params: { id: string }; Body: Body }>('/_sim/users/:id/edit', async (req, reply) => {
    const id = userId(req.params.id);
    if (!known(reply, id)) return;
    const b = (req.body ?? {}) as Body;
    if (typeof b.message_id !== 'number' || typeof b.text !== 'string' || b.text === '')
      return bad(reply, 'message_id and text are required');
    try {
      return reply.code(201).send({ update: users.edit(id, b.message_id, b.text) });
    } catch (err) {
      return bad(reply, (err as Error).message);
    }
  });

  app.post<{ Params: { id: string }; Body: Body }>('/_sim/users/:id/press', async (req, reply) => {
    const id = userId(req.params.id);
    if (!known(reply, id)) return;
    const b = (req.body ?? {}) as Body;
    if (typeof b.message_id !== 'number' || typeof b.data !== 'string') return bad(reply, 'message_id and data are required');
    try {
      return reply.code(201).send({ update: users.press(id, b.message_id, b.data) });
    } catch (err) {
      return bad(reply, (err as Error).message);
    }
  });

  app.post<{ Params: { id: string }; Body: Body }>('/_sim/users/:id/block', async (req, reply) => {
    const id = userId(req.params.id);
    if (!known(reply, id)) return;
    const b = (req.body ?? {}) as Body;
    return reply.code(201).send({ update: users.block(id, b.blocked !== false) });
  });

  // Any update, as given: for kinds the test API has no action for, and for robustness tests.
  app.post<{ Body: Body }>('/_sim/updates', async (req, reply) => {
    const b = req.body;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return bad(reply, 'the body must be an update object (without update_id)');
    const { update_id: _ignored, ...fields } = b as Body;
    return reply.code(201).send({ update: queue.push(fields) });
  });

  app.get('/_sim/sent', async () => ({ sent: state.sent }));
  app.get('/_sim/deliveries', async () => ({ deliveries: queue.deliveries }));
}
