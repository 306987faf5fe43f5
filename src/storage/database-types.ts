import type { Generated } from 'kysely';

/** Times are epoch milliseconds (bigint-safe numbers) in both dialects; JSON is stored as text. */
export interface Database {
  meta: { key: string; value: string };
  channels: {
    id: string;
    kind: string;
    account_id: string; // WhatsApp phone_number_id
    business_account_id: string | null;
    display_phone_number: string | null;
    name: string;
    created_at: number;
  };
  webhook_events: {
    id: Generated<number>;
    provider: string;
    received_at: number;
    body: string;
    status: string; // pending | processed | failed
    attempts: number;
    processed_at: number | null;
    error: string | null;
  };
  contacts: {
    id: string;
    channel_kind: string;
    external_id: string; // wa_id
    phone_e164: string | null;
    profile_name: string | null;
    created_at: number;
    updated_at: number;
  };
  conversations: {
    id: string;
    channel_id: string;
    contact_id: string;
    status: string; // active | archived | closed
    last_customer_message_at: number | null;
    last_message_at: number;
    last_message_preview: string | null;
    unread_count: number;
    created_at: number;
    updated_at: number;
  };
  messages: {
    id: string;
    seq: Generated<number>;
    conversation_id: string;
    channel_id: string;
    direction: string; // in | out
    external_id: string | null;
    kind: string;
    text: string | null;
    content: string; // normalised fields (JSON)
    raw: string | null; // provider payload (JSON)
    status: string; // in: received | processed ; out: queued | sending | unconfirmed | accepted | sent | delivered | read | played | failed
    status_at: number | null;
    error_code: string | null;
    error_message: string | null;
    reply_to_external_id: string | null;
    sent_at: number; // customer's send time (in) / created time (out)
    created_at: number;
    attempts: number;
    author: string | null; // bot | api | agent:<id>
  };
  status_events: {
    id: Generated<number>;
    channel_id: string;
    external_id: string;
    status: string;
    at: number;
    message_id: string | null; // null while the message is unknown
    errors: string | null;
    pricing: string | null;
    biz_opaque: string | null;
    raw: string;
    received_at: number;
  };
  jobs: {
    id: Generated<number>;
    task: string;
    queue_name: string | null;
    payload: string;
    run_at: number;
    attempts: number;
    max_attempts: number;
    locked_at: number | null;
    failed_at: number | null;
    last_error: string | null;
    job_key: string | null;
    created_at: number;
  };
}
