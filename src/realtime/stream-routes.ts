import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { heldCredential } from '../auth/credential-check.ts';
import { principalOf } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { findVisibleConversation } from '../conversations/conversation-access.ts';
import { ConversationParams } from '../conversations/conversation-schemas.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import type { AdminTokenCheck } from '../auth/admin-token.ts';
import { fieldError, routeSchema } from '../http/route-schema.ts';
import { publishInbox } from './realtime-bus.ts';
import { DEFAULT_STREAMS_PER_CREDENTIAL, StreamCredentials } from './stream-credentials.ts';
import { pruneStreamEvents } from './stream-event-store.ts';
import { StreamHub } from './stream-hub.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';

const HEARTBEAT_MS = 15_000;
// WhatsApp shows the indicator for 25 s: one request per conversation per 10 s is plenty.
const TYPING_THROTTLE_MS = 10_000;

const STREAM_EXAMPLE = [
  'retry: 3000',
  'event: ready',
  'data: {"user_id":"usr_01J9Z"}',
  '',
  'id: 1042',
  'event: message.new',
  'data: {"conversation_id":"conv_01J9Z","message":{"id":"msg_01J9Y","direction":"in","kind":"text","text":"Where is my order?"},"conversation":{"id":"conv_01J9Z","unread_count":1}}',
  '',
  'event: typing',
  'data: {"conversation_id":"conv_01J9Z","user_id":"usr_02K1A"}',
  '',
  ': heartbeat 2026-05-01T10:00:15.000Z',
  '',
].join('\n');
/** The stream's answer: not JSON but server-sent events (the response check skips it: it has no JSON schema). */
const EventStream = Type.Unsafe<undefined>({
  description:
    'Server-sent events, one per change, each `event: <type>` and `data: <JSON>`, with an `id:` (but typing) to resume from. First `ready` (after any replayed events), or `reset` when the events since Last-Event-ID are no longer kept; `unauthorized` just before the server closes a stream whose credential was revoked; a `: heartbeat` comment every 15 s.',
  content: { 'text/event-stream': { schema: { type: 'string', description: 'an endless text/event-stream' }, example: STREAM_EXAMPLE } },
});
const TypingBody = Type.Object(
  {
    typing: Type.Optional(
      Type.Boolean({
        description: 'true (the default): started typing; false: stopped',
        ...fieldError('invalid_typing', 422, '"typing" must be true or false.'),
      }),
    ),
  },
  { additionalProperties: false, nullable: true, description: 'optional', examples: [{ typing: true }] },
);

const credentialsByApp = new WeakMap<Deps, StreamCredentials>();

/** The shared credential checks of the app built on these dependencies (tests and measurement read its counters). */
export function streamCredentialsOf(deps: Deps): StreamCredentials | undefined {
  return credentialsByApp.get(deps);
}

/**
 * The inbox's realtime stream (server-sent events) and agent typing. Events: message.new,
 * message.status, conversation.updated, conversation.assigned, conversation.bot_paused,
 * conversation.bot_resumed (the summary's `bot` says who paused and why), typing, notification; each only
 * for conversations the caller may see (team membership as it is at each event). Every event but
 * typing has an id; reconnecting with Last-Event-ID (or ?last_event_id=) replays the missed ones,
 * or sends `reset` when they are older than the window (STREAM_REPLAY_MAX_*).
 */
export async function streamRoutes(fastify: FastifyInstance, opts: { deps: Deps; adminToken?: AdminTokenCheck }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const hub = new StreamHub(deps.storage.db, deps.realtime, deps.logger, deps.storage.dialect);
  // The replay window is pruned here, every minute, whether or not anyone streams.
  const pruner = setInterval(
    () =>
      void pruneStreamEvents(deps.storage.db, deps.storage.dialect, Date.now()).catch((err: unknown) =>
        deps.logger.warn({ err }, 'stream_events prune failed'),
      ),
    60_000,
  );
  pruner.unref();
  const maxPerCredential = deps.config.streamsPerCredentialMax ?? DEFAULT_STREAMS_PER_CREDENTIAL;
  // One check per credential per second shared by all its streams, not one per stream.
  const credentials = new StreamCredentials({
    clock: deps.clock,
    maxPerCredential,
    // The database is unreachable: keep the streams, check again next time.
    onCheckError: (err) => deps.logger.warn({ err }, 'inbox stream credential check failed'),
  });
  credentialsByApp.set(deps, credentials);
  const open = new Set<() => void>();
  // Streams never end on their own: close them so a shutdown does not wait on them.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
    hub.close();
    clearInterval(pruner);
    credentials.close();
    if (credentialsByApp.get(deps) === credentials) credentialsByApp.delete(deps);
  });

  app.get(
    '/api/v1/stream',
    routeSchema(
      {
        summary: 'The inbox realtime stream (server-sent events), with replay',
        description:
          'Events: message.new, message.status, conversation.updated, conversation.assigned, conversation.bot_paused, conversation.bot_resumed, typing, notification; only for conversations the caller may see. ' +
          'conversation.assigned also carries what the conversation.assigned webhook does: `assignee_id`, `team_id`, `previous`, `reason` (manual, unassigned, routing, agent_offline) and `by`. ' +
          'Every event but typing has an `id`. Reconnect with the `Last-Event-ID` header (or `last_event_id`) to get exactly the events missed, then `ready` and live ones; ' +
          'events are kept for 10 minutes and at most the last 10,000: an older or unknown id gets `event: reset` (reload, e.g. with `GET /api/v1/conversations?updated_since=`), then live events.',
        tags: ['realtime'],
        querystring: Type.Object({
          last_event_id: Type.Optional(
            Type.String({
              description: 'the id of the last event received, when the Last-Event-ID header cannot be set (the header wins)',
            }),
          ),
        }),
        response: { 200: EventStream },
      },
      { config: { access: 'conversations:read' } },
    ),
    async (req, reply) => {
      const principal = principalOf(req);
      await hub.ready().catch((err: unknown) => {
        req.log.error({ err }, 'inbox stream unavailable');
        throw new HttpError(503, 'stream_unavailable', 'The realtime stream is unavailable right now; retry shortly.');
      });
      // A revoked token or an ended session closes the stream within a second, not at reconnect.
      const admission = credentials.admit(heldCredential(deps.storage.db, req, principal, opts.adminToken), () => {
        write(
          `event: unauthorized\ndata: ${JSON.stringify({ code: 'unauthorized', message: 'The credential of this stream was revoked or has expired.' })}\n\n`,
        );
        end();
      });
      if (!admission.ok) {
        throw new HttpError(
          429,
          'too_many_streams',
          `This credential already has ${admission.open} open streams, the most allowed (STREAMS_PER_CREDENTIAL_MAX=${maxPerCredential}); close one, or use another credential.`,
          { max_streams: maxPerCredential },
        );
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no', // nginx: do not buffer the stream
      });
      const write = (chunk: string) => {
        if (!res.writableEnded) res.write(chunk);
      };
      const header = req.headers['last-event-id'];
      const lastEventId = typeof header === 'string' ? header : req.query.last_event_id;
      // Replays what the client missed (within the window) before any live event.
      const { remove, reset } = await hub.join(
        {
          visibility: visibleConversationFilter(principal),
          userId: principal.userId ?? null,
          send: (event, json, id) => write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${json}\n\n`),
        },
        lastEventId,
      );
      if (reset)
        write(
          `event: reset\ndata: ${JSON.stringify({ code: 'replay_unavailable', message: 'Events since Last-Event-ID are no longer kept (10 minutes or 10,000 events); reload your state, then keep streaming.' })}\n\n`,
        );
      const heartbeat = setInterval(() => write(`: heartbeat ${new Date(deps.clock.now()).toISOString()}\n\n`), HEARTBEAT_MS);
      const end = () => {
        clearInterval(heartbeat);
        admission.release();
        remove();
        open.delete(end);
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      res.on('close', end);
      // The client may have gone while this request waited: its `close` has passed, free the slot now.
      if (req.raw.socket.destroyed || res.destroyed) end();
      // Listening before this line: a client that sees `ready` misses nothing published after it.
      write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ user_id: principal.userId ?? null })}\n\n`);
    },
  );

  app.post(
    '/api/v1/conversations/:id/typing',
    routeSchema({
      summary: "Show the customer that an agent is typing (WhatsApp's typing indicator) and tell the other agents",
      description:
        'Broadcasts a `typing` event on the stream to the agents who may see the conversation, and sends WhatsApp the indicator (at most once per conversation every 10 seconds; it shows for up to 25 seconds or until the reply). `typing: false` sends nothing. The body is optional.',
      tags: ['realtime'],
      params: ConversationParams,
      body: TypingBody,
      response: {
        202: Type.Object(
          { conversation_id: Type.String(), typing: Type.Boolean({ description: 'what was recorded' }) },
          {
            description: 'accepted: the indicator goes out in the background',
            examples: [{ conversation_id: 'conv_01J9Z', typing: true }],
          },
        ),
      },
    }),
    async (req, reply) => {
      const { id } = req.params;
      // No body at all reads as {} (the schema allows null: Fastify validates an absent body as null).
      const typing = req.body?.typing ?? true;
      await findVisibleConversation(deps.storage.db, req, id);
      const userId = principalOf(req).userId;
      const db = deps.storage.db;
      // Only "started typing" is broadcast: the indicator fades on the client after a few seconds.
      if (typing) {
        await publishInbox(db, deps.jobs, { type: 'typing', conversationId: id, ...(userId ? { userId } : {}) });
        const slot = Math.floor(deps.clock.now() / TYPING_THROTTLE_MS);
        await enqueueJob(db, deps.jobs, JOBS.conversationTyping, { conversationId: id }, { key: `typing:${id}:${slot}` });
        deps.jobs.wake();
      }
      return reply.status(202).send({ conversation_id: id, typing });
    },
  );
}
