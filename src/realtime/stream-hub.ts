import type { FastifyBaseLogger } from 'fastify';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';
import { canSee } from '../conversations/conversation-visibility.ts';
import { BOT_PAUSE_COLUMNS } from '../conversations/bot-pause-store.ts';
import { botView, messageView, type BotPauseColumns } from '../conversations/conversation-views.ts';
import type { Executor } from '../jobs/job-queue.ts';
import type { InboxEvent } from './inbox-event.ts';
import type { RealtimeBus } from './realtime-bus.ts';

/** One open stream: who it is for and how to write to it. */
export interface StreamClient {
  visibility: ConversationVisibility;
  userId: string | null;
  /** `json` is the event's data, serialized once for every client that gets it. */
  send(event: string, json: string): void;
}

interface ConversationSummary extends BotPauseColumns {
  id: string;
  status: string;
  contact_id: string;
  assignee_id: string | null;
  team_id: string | null;
  unread_count: number;
  last_message_preview: string | null;
  last_message_at: number;
  awaiting_human_since: number | null;
}

/**
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

  constructor(
    private readonly db: Executor,
    private readonly bus: RealtimeBus,
    private readonly logger: FastifyBaseLogger,
  ) {}

  /** Resolves once this process hears the bus; call before `add`. A failure is retried by the next call. */
  ready(): Promise<void> {
    this.subscribing ??= this.bus.subscribe((e) => this.enqueue(e)).then(
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

  add(client: StreamClient): () => void {
    this.clients.add(client);
    return () => this.clients.delete(client);
  }

  close(): void {
    this.unsubscribe?.();
    this.clients.clear();
  }

  private enqueue(e: InboxEvent): void {
    if (this.clients.size === 0) return;
    this.chain = this.chain.then(() => this.dispatch(e)).catch((err: unknown) => this.logger.warn({ err, event: e }, 'inbox stream event dropped'));
  }

  private async dispatch(e: InboxEvent): Promise<void> {
    const message = e.messageId ? await this.db.selectFrom('messages').selectAll().where('id', '=', e.messageId).executeTakeFirst() : undefined;
    if (e.messageId && !message) return; // its transaction rolled back (SQLite), or it was deleted
    const conversationId = message?.conversation_id ?? e.conversationId;
    if (!conversationId) return;
    const conv = await this.loadConversation(conversationId);
    if (!conv) return;
    const { bot_paused_at, bot_paused_by, bot_pause_reason, bot_last_activity_at, bot_resumes_at, ...head } = conv;
    const bot = botView({ bot_paused_at, bot_paused_by, bot_pause_reason, bot_last_activity_at, bot_resumes_at });
    const summary = { ...head, last_message_at: iso(conv.last_message_at), awaiting_human_since: iso(conv.awaiting_human_since), bot };
    const data =
      e.type === 'typing'
        ? { conversation_id: conv.id, user_id: e.userId ?? null }
        : { conversation_id: conv.id, conversation: summary, ...(message ? { message: messageView(message) } : {}) };
    // Team membership is read per event, not taken when the stream opened: joining or leaving
    // a team applies to open streams at once.
    const members = conv.team_id && (e.type === 'message.new' || [...this.clients].some((c) => !c.visibility.all)) ? await this.teamMembers(conv.team_id) : [];
    const visible = (c: StreamClient) => canSee(c.visibility.all ? c.visibility : { ...c.visibility, teamIds: conv.team_id && members.includes(c.visibility.userId) ? [conv.team_id] : [] }, conv);
    let json: string | undefined;
    for (const c of this.clients) {
      if (!visible(c)) continue;
      if (e.type === 'typing' && e.userId !== undefined && c.userId === e.userId) continue;
      c.send(e.type, (json ??= JSON.stringify(data)));
    }
    if (e.type !== 'message.new' || message?.direction !== 'in') return;
    const recipients = conv.assignee_id ? [conv.assignee_id] : members;
    if (recipients.length === 0) return;
    const note = JSON.stringify({ ...data, user_ids: recipients, reason: conv.assignee_id ? 'assigned' : 'team' });
    for (const c of this.clients) if (c.userId !== null && recipients.includes(c.userId) && visible(c)) c.send('notification', note);
  }

  private async teamMembers(teamId: string): Promise<string[]> {
    return (await this.db.selectFrom('team_members').select('user_id').where('team_id', '=', teamId).execute()).map((r) => r.user_id);
  }

  private loadConversation(id: string): Promise<ConversationSummary | undefined> {
    return this.db
      .selectFrom('conversations as c')
      .leftJoin('bot_pauses as bp', 'bp.conversation_id', 'c.id')
      .select(['c.id', 'c.status', 'c.contact_id', 'c.assignee_id', 'c.team_id', 'c.unread_count', 'c.last_message_preview', 'c.last_message_at', 'c.awaiting_human_since', ...BOT_PAUSE_COLUMNS])
      .where('c.id', '=', id)
      .executeTakeFirst();
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
