import type { Kysely } from 'kysely';
import type { Database } from '../../src/storage/database-types.ts';

/**
 * Writes a history straight into the tables, as the application would leave them (the report
 * triggers fire on these writes as on the application's): conversations, messages, status and
 * price changes, assignments, bot pauses.
 */
export class History {
  private n = 0;
  constructor(
    readonly db: Kysely<Database>,
    readonly channelId: string,
    readonly prefix = '',
  ) {}

  async contact(phone: string): Promise<string> {
    const id = `con_r${this.prefix}${++this.n}`;
    await this.db
      .insertInto('contacts')
      .values({
        id,
        channel_kind: 'whatsapp',
        external_id: phone.replace('+', ''),
        phone_e164: phone,
        profile_name: null,
        created_at: 0,
        updated_at: 0,
        name: null,
        opted_in: null,
        opted_in_at: null,
        bsuid: null,
        username: null,
        parent_bsuid: null,
      })
      .execute();
    return id;
  }

  async open(contactId: string, at: string): Promise<string> {
    const id = `conv_r${this.prefix}${++this.n}`;
    const t = Date.parse(at);
    await this.db
      .insertInto('conversations')
      .values({
        id,
        channel_id: this.channelId,
        contact_id: contactId,
        status: 'active',
        last_customer_message_at: null,
        last_message_at: t,
        last_message_preview: null,
        unread_count: 0,
        created_at: t,
        updated_at: t,
        assignee_id: null,
        team_id: null,
        snoozed_until: null,
        linked_record_type: null,
        linked_record_id: null,
        linked_record: null,
        first_response_at: null,
        last_read_at: null,
        awaiting_reply_since: null,
        awaiting_human_since: null,
      })
      .execute();
    return id;
  }

  async message(
    conversationId: string,
    at: string,
    m: { direction: 'in' | 'out'; author?: string; kind?: string; template?: { name: string; language: string }; estimate?: number },
  ): Promise<string> {
    const id = `msg_r${this.prefix}${++this.n}`;
    const t = Date.parse(at);
    await this.db
      .insertInto('messages')
      .values({
        id,
        conversation_id: conversationId,
        channel_id: this.channelId,
        direction: m.direction,
        external_id: null,
        kind: m.kind ?? (m.template ? 'template' : 'text'),
        text: 'x',
        content: JSON.stringify(
          m.template ? { type: 'template', name: m.template.name, language: m.template.language, components: [] } : { type: 'text' },
        ),
        raw: null,
        status: m.direction === 'in' ? 'received' : 'accepted',
        status_at: t,
        error_code: null,
        error_message: null,
        reply_to_external_id: null,
        sent_at: t,
        created_at: t,
        attempts: 0,
        author: m.direction === 'in' ? null : (m.author ?? null),
        template_name: m.template?.name ?? null,
        pricing_category: null,
        billable: null,
        price_estimate: m.estimate ?? null,
        price: null,
        currency: null,
        opt_in_override_reason: null,
        timestamp_anomaly: null,
        next_attempt_at: null,
        resend_of: null,
      })
      .execute();
    return id;
  }

  async status(messageId: string, status: string, at: string): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ status, status_at: Date.parse(at) })
      .where('id', '=', messageId)
      .execute();
  }

  async price(messageId: string, category: string, billable: boolean, price: number): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ pricing_category: category, billable: billable ? 1 : 0, price, currency: 'USD' })
      .where('id', '=', messageId)
      .execute();
  }

  async assign(conversationId: string, at: string, assigneeId: string | null, teamId: string | null): Promise<void> {
    await this.db
      .updateTable('conversations')
      .set({ assignee_id: assigneeId, team_id: teamId, updated_at: Date.parse(at) })
      .where('id', '=', conversationId)
      .execute();
  }

  async setStatus(conversationId: string, at: string, status: string): Promise<void> {
    await this.db
      .updateTable('conversations')
      .set({ status, updated_at: Date.parse(at) })
      .where('id', '=', conversationId)
      .execute();
  }

  async pauseBot(conversationId: string, at: string, reason: string): Promise<void> {
    await this.db
      .insertInto('bot_pauses')
      .values({
        conversation_id: conversationId,
        session_id: null,
        reason,
        paused_at: Date.parse(at),
        paused_by: 'routing',
        last_activity_at: null,
        resumes_at: null,
      })
      .execute();
  }

  async user(id: string, name: string): Promise<void> {
    await this.db
      .insertInto('users')
      .values({
        id,
        email: `${id}@example.com`,
        name,
        role: 'agent',
        password_hash: 'x',
        visibility: 'all',
        capacity: 5,
        availability: 'offline',
        language: null,
        created_at: 0,
        updated_at: 0,
        deleted_at: null,
      })
      .execute();
  }

  async availability(userId: string, at: string, availability: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ availability, updated_at: Date.parse(at) })
      .where('id', '=', userId)
      .execute();
  }
}
