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
  // Agents and access (0002-agents).
  users: {
    id: string;
    email: string; // lower-cased
    name: string;
    role: string; // admin | agent
    password_hash: string; // $scrypt$v=1$...
    visibility: string; // all | assigned_and_team
    capacity: number | null; // max open conversations; null: no limit
    availability: string; // online | away | offline
    created_at: number;
    updated_at: number;
    deleted_at: number | null;
  };
  teams: {
    id: string;
    name: string;
    description: string | null;
    created_at: number;
    updated_at: number;
  };
  team_members: {
    team_id: string;
    user_id: string;
    created_at: number;
  };
  sessions: {
    id: string; // sha256 hex of the cookie token
    user_id: string;
    created_at: number;
    expires_at: number;
  };
  api_tokens: {
    id: string;
    name: string;
    token_hash: string; // sha256 hex
    token_prefix: string;
    scopes: string; // JSON array
    user_id: string | null; // owner; its role caps the token's scopes
    created_by: string; // admin_token | user:<id> | token:<id>
    created_at: number;
    expires_at: number | null;
    last_used_at: number | null;
    revoked_at: number | null;
  };
  // Event webhooks for integrators (0003-event-webhooks).
  webhook_subscriptions: {
    id: string;
    url: string;
    events: string; // JSON array of event types, or ["*"]
    secret: string;
    description: string | null;
    active: number; // 1 | 0
    max_concurrency: number;
    created_at: number;
    updated_at: number;
  };
  emitted_events: {
    id: string; // evt_...
    type: string;
    created_at: number;
    body: string; // the exact JSON each delivery sends
  };
  webhook_deliveries: {
    id: string;
    subscription_id: string;
    event_id: string;
    status: string; // pending | succeeded | dead
    attempts: number;
    next_attempt_at: number | null;
    last_attempt_at: number | null;
    last_status_code: number | null;
    last_error: string | null;
    replay_of: string | null;
    created_at: number;
    completed_at: number | null;
  };
  webhook_delivery_attempts: {
    id: Generated<number>;
    delivery_id: string;
    attempt: number;
    url: string;
    started_at: number;
    duration_ms: number;
    status_code: number | null;
    error: string | null;
    response_excerpt: string | null;
  };
}
