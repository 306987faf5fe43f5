import { sseConnections } from '../core/metrics.ts';
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';
import { canSee } from '../conversations/conversation-visibility.ts';
import { BOT_PAUSE_COLUMNS } from '../conversations/bot-pause-store.ts';
import { unreadCountsOfUsers } from '../conversations/conversation-reads.ts';
import { botView, channelView, messageView, type BotPauseColumns } from '../conversations/conversation-views.ts';
import type { Executor } from '../jobs/job-queue.ts';
import type { InboxEvent } from './inbox-event.ts';
import type { RealtimeBus } from './realtime-bus.ts';
import { SQLITE_DIALECT, type Dialect } from '../storage/dialect.ts';
import {
  compareKeys,
  decodeStreamKey,
  encodeStreamKey,
  streamEventKept,
  streamEventsAfter,
  streamHead,
  type StreamKey,
} from './stream-event-store.ts';

const PAGE = 200;
// PostgreSQL: events a running transaction held back (see 0018-sync-change-seq) are looked for again this often.
const SETTLE_POLL_MS = 1_000;

/** One open stream: who it is for and how to write to it. */
export interface StreamClient {
  visibility: ConversationVisibility;
  userId: string | null;
  /** `json` is the event's data, serialized once for every client that gets it; `id` its Last-Event-ID (none for typing). */
  send(event: string, json: string, id?: string): void;
}

interface ConversationSummary extends BotPauseColumns {
  id: string;
  status: string;
  channel_id: string;
  /** The channel row's kind (whatsapp | telegram); the summary shows it as `channel`. */
  channel_kind: string | null;
  contact_id: string;
  assignee_id: string | null;
  team_id: string | null;
  unread_count: number;
  last_message_preview: string | null;
  last_message_at: number;
  awaiting_human_since: number | null;
}

/**
 * Every event but typing is read from the replay log (stream_events) in its one key order, the bus
 * only wakes the hub, so every process delivers the same events in the same order with the same
 * ids, and a client reconnecting with Last-Event-ID gets exactly what it missed (within the
 * window) before the live events. Replayed events carry the conversation as it is now.
 *
 * Fans inbox events out to this process's open streams. Each event's details are loaded once
 * (not once per client), then every client gets it only if it may see the conversation. Events
 * are handled one at a time, in arrival order. The assigned agent, or else the team's members,
 * also get a `notification` for each new customer message.
 */
export class StreamHub {
  private readonly clients = new Set<StreamClient>();
  private unsubscribe: (() => void) | undefined;
  private subscribing: Promise<void> | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** The last logged event this hub delivered (or skipped while nobody listened). */
  private last: StreamKey = { xid: 0, seq: 0 };
  /** Per client: events up to here were already delivered to it (it came from a process further on). */
  private readonly floors = new Map<StreamClient, StreamKey>();
  private pollQueued = false;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Executor,
    private readonly bus: RealtimeBus,
    private readonly logger: FastifyBaseLogger,
    private readonly dialect: Dialect = SQLITE_DIALECT,
  ) {
    if (dialect.changesCommitOutOfOrder) {
      this.timer = setInterval(() => this.schedulePoll(), SETTLE_POLL_MS);
      this.timer.unref();
    }
  }

  /** Resolves once this process hears the bus; call before `add`. A failure is retried by the next call. */
  ready(): Promise<void> {
    this.subscribing ??= this.bus
      .subscribe((e) => this.enqueue(e))
      .then(
        (u) => {
          this.unsubscribe = u;
        },
        (err: unknown) => {
          this.subscribing = undefined;
          throw err;
        },
      );
    return this.subscribing;
  }

  /**
   * Adds a client after replaying to it the logged events after `lastEventId`. `reset`: that id is
   * not in the log (older than the window, or not one of ours): the client must reload its state.
   */
  join(client: StreamClient, lastEventId?: string): Promise<{ remove: () => void; reset: boolean }> {
    const joined = this.chain.then(async () => {
      if (this.clients.size === 0) this.last = await streamHead(this.db, this.dialect);
      let reset = false;
      if (lastEventId !== undefined) {
        const from = decodeStreamKey(lastEventId);
        if (!from || !(await streamEventKept(this.db, from))) reset = true;
        else if (compareKeys(from, this.last) >= 0) this.floors.set(client, from);
        else {
          for (let after = from; ; ) {
            const page = await streamEventsAfter(this.db, this.dialect, after, PAGE, this.last);
            for (const r of page) await this.dispatch(r.event, r, client);
            const end = page[page.length - 1];
            if (!end || page.length < PAGE) break;
            after = end;
          }
        }
      }
      this.clients.add(client);
      sseConnections.inc();
      return {
        reset,
        remove: () => {
          if (this.clients.delete(client)) sseConnections.dec();
          this.floors.delete(client);
        },
      };
    });
    this.chain = joined.then(
      () => {},
      () => {},
    );
    return joined;
  }

  close(): void {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    sseConnections.dec(this.clients.size);
    this.clients.clear();
    this.floors.clear();
  }

  private enqueue(e: InboxEvent): void {
    if (this.clients.size === 0) return;
    if (e.type !== 'typing') return this.schedulePoll();
    this.chain = this.chain
      .then(() => this.dispatch(e))
      .catch((err: unknown) => this.logger.warn({ err, event: e }, 'inbox stream event dropped'));
  }

  /** One pending read of the log at a time: a burst of wake-ups costs one query. */
  private schedulePoll(): void {
    if (this.pollQueued || this.clients.size === 0) return;
    this.pollQueued = true;
    this.chain = this.chain
      .then(async () => {
        this.pollQueued = false;
        for (;;) {
          if (this.clients.size === 0) return;
          const page = await streamEventsAfter(this.db, this.dialect, this.last, PAGE);
          for (const r of page) {
            await this.dispatch(r.event, r).catch((err: unknown) =>
              this.logger.warn({ err, event: r.event }, 'inbox stream event dropped'),
            );
            this.last = r;
          }
          if (page.length < PAGE) return;
        }
      })
      .catch((err: unknown) => {
        this.pollQueued = false;
        this.logger.warn({ err }, 'inbox stream log read failed');
      });
  }

  private async dispatch(e: InboxEvent, key?: StreamKey, only?: StreamClient): Promise<void> {
    const id = key ? encodeStreamKey(key) : undefined;
    const targets = only
      ? [only]
      : [...this.clients].filter((c) => {
          const floor = key ? this.floors.get(c) : undefined;
          return !floor || compareKeys(key ?? floor, floor) > 0;
        });
    const message = e.messageId
      ? await this.db.selectFrom('messages').selectAll().where('id', '=', e.messageId).executeTakeFirst()
      : undefined;
    if (e.messageId && !message) return; // its transaction rolled back (SQLite), or it was deleted
    const conversationId = message?.conversation_id ?? e.conversationId;
    if (!conversationId) return;
    const conv = await this.loadConversation(conversationId);
    if (!conv) return;
    const { bot_paused_at, bot_paused_by, bot_pause_reason, bot_last_activity_at, bot_resumes_at, channel_kind, ...head } = conv;
    const bot = botView({ bot_paused_at, bot_paused_by, bot_pause_reason, bot_last_activity_at, bot_resumes_at });
    // `channel` (the channel row's kind), as the REST view and the webhooks' conversation name it.
    const channel = channelView(channel_kind).channel;
    const summary = {
      ...head,
      channel,
      last_message_at: iso(conv.last_message_at),
      awaiting_human_since: iso(conv.awaiting_human_since),
      bot,
    };
    const data: Record<string, unknown> =
      e.type === 'typing'
        ? { conversation_id: conv.id, user_id: e.userId ?? null }
        : { ...e.detail, conversation_id: conv.id, conversation: summary, ...(message ? { message: messageView(message) } : {}) };
    // The conversation carries the receiving user's own unread count (as the list and detail do):
    // loaded once per event for the users it goes to, serialized once per distinct count.
    let unread = new Map<string, number>();
    const serialized = new Map<string, string>();
    const jsonFor = (c: StreamClient, extra?: Record<string, unknown>): string => {
      const n = e.type === 'typing' ? undefined : c.userId === null ? null : (unread.get(c.userId) ?? 0);
      const key = `${extra ? 'x' : ''}${String(n)}`;
      let json = serialized.get(key);
      if (json === undefined) {
        json = JSON.stringify(
          n === undefined ? { ...data, ...extra } : { ...data, conversation: { ...summary, my_unread_count: n }, ...extra },
        );
        serialized.set(key, json);
      }
      return json;
    };
    const loadUnread = async (clients: StreamClient[]) => {
      const ids = [...new Set(clients.flatMap((c) => (c.userId === null ? [] : [c.userId])))];
      if (e.type !== 'typing' && ids.length > 0) unread = await unreadCountsOfUsers(this.db, conv.id, ids);
    };
    if (e.type === 'note.mentioned') {
      // Only the mentioned agent hears it, as a notification, whether or not they may see the
      // conversation otherwise (a mention grants reading it).
      const mentioned = [...this.clients].filter((c) => c.userId !== null && c.userId === e.userId);
      await loadUnread(mentioned);
      for (const c of mentioned) c.send('notification', jsonFor(c, { user_ids: e.userId ? [e.userId] : [], reason: 'mention' }));
      return;
    }
    // Team membership is read per event, not taken when the stream opened: joining or leaving
    // a team applies to open streams at once.
    const members =
      conv.team_id && (e.type === 'message.new' || targets.some((c) => !c.visibility.all)) ? await this.teamMembers(conv.team_id) : [];
    const visible = (c: StreamClient) =>
      canSee(
        c.visibility.all
          ? c.visibility
          : { ...c.visibility, teamIds: conv.team_id && members.includes(c.visibility.userId) ? [conv.team_id] : [] },
        conv,
      );
    const receivers = targets.filter((c) => visible(c) && !(e.type === 'typing' && e.userId !== undefined && c.userId === e.userId));
    await loadUnread(receivers);
    for (const c of receivers) c.send(e.type, jsonFor(c), id);
    if (e.type !== 'message.new' || message?.direction !== 'in') return;
    const recipients = conv.assignee_id ? [conv.assignee_id] : members;
    if (recipients.length === 0) return;
    const note = { user_ids: recipients, reason: conv.assignee_id ? 'assigned' : 'team' };
    for (const c of receivers) if (c.userId !== null && recipients.includes(c.userId)) c.send('notification', jsonFor(c, note), id);
  }

  private async teamMembers(teamId: string): Promise<string[]> {
    return (await this.db.selectFrom('team_members').select('user_id').where('team_id', '=', teamId).execute()).map((r) => r.user_id);
  }

  private loadConversation(id: string): Promise<ConversationSummary | undefined> {
    return (
      this.db
        .selectFrom('conversations as c')
        .leftJoin('bot_pauses as bp', 'bp.conversation_id', 'c.id')
        .select([
          'c.id',
          'c.status',
          'c.channel_id',
          'c.contact_id',
          'c.assignee_id',
          'c.team_id',
          'c.unread_count',
          'c.last_message_preview',
          'c.last_message_at',
          'c.awaiting_human_since',
          ...BOT_PAUSE_COLUMNS,
        ])
        // A primary-key probe of the few-row channels table, once per event (not per client).
        .select(sql<string | null>`(select ch.kind from channels ch where ch.id = c.channel_id)`.as('channel_kind'))
        .where('c.id', '=', id)
        .executeTakeFirst()
    );
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
