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
    // Auto-assignment (0017-route-reads-auto-assign): off | first_message | after_handoff.
    auto_assign: Generated<string>;
    auto_assign_team_id: string | null;
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
  // Operations (0030-operations).
  number_quality: {
    channel_id: string;
    event: string; // phone_number_quality_update's event: FLAGGED, UNFLAGGED, DOWNGRADE, UPGRADE, THROUGHPUT_UPGRADE, ...
    current_limit: string | null;
    updated_at: number;
  };
  attention_items: {
    key: string;
    kind: string;
    first_seen_at: number;
  };
  contacts: {
    id: string;
    channel_kind: string;
    external_id: string; // wa_id; for WhatsApp users known only by BSUID, the BSUID
    phone_e164: string | null;
    profile_name: string | null;
    created_at: number;
    updated_at: number;
    // Routing and contacts (0005-routing-contacts).
    name: string | null; // set by agents; shown instead of profile_name
    attributes: Generated<string>; // JSON object
    tags: Generated<string>; // JSON array of strings
    opted_in: number | null; // 1 | 0 | null (never recorded)
    opted_in_at: number | null;
    blocked: Generated<number>; // 1 | 0
    // WhatsApp identity (0015-contacts-bsuid).
    bsuid: string | null; // business-scoped user ID: the identity when present
    username: string | null;
    parent_bsuid: string | null; // 0020-contacts-identity-search: parent_user_id (linked portfolios)
    blocked_by_user_at: number | null; // 0031-telegram: the customer blocked the bot (sends refused)
    telegram_chat_id: string | null; // 0032: the Telegram chat it is reached on (every Telegram contact; a merged WhatsApp one too)
  };
  /** 0043: each conversation's place in the change order, moved by triggers on every change (PostgreSQL: the writing xid). */
  conversation_sync: {
    conversation_id: string;
    sync_seq: number;
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
    // Inbox (0004-inbox).
    assignee_id: string | null; // users.id
    team_id: string | null; // teams.id
    snoozed_until: number | null; // hidden from status=active lists until then (or until the customer writes)
    linked_record_type: string | null;
    linked_record_id: string | null;
    linked_record: string | null; // JSON: { url, title, attributes }
    first_response_at: number | null; // first agent/API reply after the customer wrote
    response_count: Generated<number>;
    response_total_ms: Generated<number>; // sum of (reply time - awaiting_reply_since)
    last_read_at: number | null;
    awaiting_reply_since: number | null; // oldest customer message no agent/API reply has answered
    awaiting_human_since: number | null; // 0005: waiting in the routing queue since (null: not waiting)
    broadcast_id: string | null; // 0027: the broadcast the customer's latest reply answered
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
    // Templates and cost (0006-templates).
    template_name: string | null;
    pricing_category: string | null; // from the status callback's pricing.category
    billable: number | null; // 1 | 0 | null (no pricing received yet)
    price_estimate: number | null; // rate card, at queue time
    price: number | null; // rate card applied to the category Meta reported
    currency: string | null;
    opt_in_override_reason: string | null;
    // The customer's order (migration message-order).
    sort_at: Generated<number>; // listing and processing order within the conversation, then seq
    timestamp_anomaly: string | null; // invalid | past | future: the WhatsApp timestamp was replaced by the receive time
    // The send policy (migration send-policy).
    next_attempt_at: number | null; // out, queued: when the next attempt is due (after a retryable failure, or its number's breaker)
    resend_of: string | null; // out: the failed or unconfirmed message this one resends
    broadcast_id: string | null; // 0027: in: the broadcast this reply answers
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
    language: string | null; // 0022-users-language: the web app's language (en, es…); null: the browser's
    created_at: number;
    updated_at: number;
    deleted_at: number | null;
  };
  teams: {
    id: string;
    name: string;
    description: string | null;
    auto_assign: string | null; // off | first_message | after_handoff; null: the number's (0021)
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
  /** Failed sign-ins per throttle key (0011-auth-login-throttle; src/auth/login-throttle.ts). */
  login_throttle: {
    key: string; // sha256 hex of "<rule>:<email and/or address>"
    failures: number;
    locked_until: number; // 0 when not locked
    last_failure_at: number;
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
  // Inbox (0004-inbox).
  labels: {
    id: string;
    name: string;
    color: string | null;
    created_at: number;
  };
  conversation_labels: {
    conversation_id: string;
    label_id: string;
    created_at: number;
  };
  notes: {
    id: string;
    conversation_id: string;
    author_id: string | null;
    author: string; // agent:<id> | api
    text: string;
    created_at: number;
  };
  note_mentions: {
    note_id: string;
    user_id: string;
    conversation_id: string;
    created_at: number;
  };
  canned_replies: {
    id: string;
    shortcut: string;
    text: string;
    created_by: string;
    created_at: number;
    updated_at: number;
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
  // Routing and contacts (0005-routing-contacts).
  contact_opt_events: {
    id: string;
    contact_id: string;
    opted_in: number; // 1 | 0
    source: string; // how: keyword | agent | web_form | whatsapp | import | api ...
    actor: string; // who: a user id | customer | system
    note: string | null;
    created_at: number;
  };
  user_routing: {
    user_id: string;
    last_assigned_at: number | null;
    seen_availability: string | null;
  };
  team_routing: {
    team_id: string; // a team id, or '*' for routing among every agent
    routed_at: number | null;
  };
  // Templates (0006-templates).
  templates: {
    id: string;
    channel_id: string;
    waba_id: string | null;
    name: string;
    language: string;
    category: string;
    parameter_format: string; // positional | named
    components: string; // JSON array
    status: string; // DRAFT | PENDING | APPROVED | REJECTED | PAUSED | DISABLED | ...
    rejected_reason: string | null;
    status_detail: string | null; // JSON
    quality: string | null;
    meta_id: string | null;
    submitted_at: number | null;
    synced_at: number | null;
    created_at: number;
    updated_at: number;
  };
  template_events: {
    id: string;
    template_id: string;
    source: string; // webhook | sync | submit | api
    status: string | null;
    reason: string | null;
    detail: string | null;
    created_at: number;
  };
  // Flows (0007-flows).
  flows: {
    id: string;
    name: string;
    draft: string; // JSON document
    published_version: number | null;
    source: string; // api | file:<name>
    created_at: number;
    updated_at: number;
    deleted_at: number | null;
  };
  flow_versions: {
    flow_id: string;
    version: number;
    document: string; // JSON, immutable
    checksum: string;
    published_at: number;
    published_by: string;
    rollback_of: number | null;
  };
  flow_sessions: {
    id: string;
    flow_id: string;
    version: number;
    contact_id: string;
    channel_id: string;
    conversation_id: string;
    current_block: string;
    status: string; // active | waiting | succeeded | failed | expired
    awaiting: string | null; // answer | wake | http
    reason: string | null;
    variables: string; // JSON { session, result }
    retries: number;
    step: number;
    block_entered_at: number;
    wake_at: number | null;
    started_at: number;
    updated_at: number;
    ended_at: number | null;
  };
  flow_session_steps: {
    id: string;
    session_id: string;
    flow_id: string;
    version: number;
    block: string;
    block_type: string;
    entered_at: number;
    left_at: number;
    exit: string | null;
    answer: string | null;
    valid: number | null;
  };
  flow_results: {
    session_id: string;
    flow_id: string;
    version: number;
    contact_id: string;
    conversation_id: string;
    status: string;
    reason: string | null;
    result: string; // JSON
    answers: string; // JSON
    variables: string; // JSON
    started_at: number;
    ended_at: number;
  };
  /** The bot pause (0009-bot-pause): while a row exists, no automated responder answers in the conversation. */
  /** Per-user read state (0017-route-reads-auto-assign): the highest message seq the user has read. */
  conversation_reads: {
    user_id: string;
    conversation_id: string;
    last_read_seq: number;
    read_at: number;
  };
  bot_pauses: {
    conversation_id: string;
    session_id: string | null; // the flow session whose hand-off set it
    reason: string; // assigned | handoff | agent_message | manual
    paused_at: number;
    paused_by: string | null; // a user id, token:<id>, admin_token, routing, flow:<id>
    last_activity_at: number | null;
    resumes_at: number | null; // the idle timeout's deadline; null: no timeout
  };
  /** Customer media (0016-customer-media): one row per inbound message with a WhatsApp media id; the bytes are in DATA_DIR/media. */
  media_files: {
    message_id: string;
    conversation_id: string;
    channel_id: string;
    provider_media_id: string; // WhatsApp's media id
    kind: string; // image | audio | video | document | sticker
    mime_type: string | null;
    filename: string | null;
    status: string; // pending | stored | too_large | expired | failed
    size: number | null;
    error: string | null;
    created_at: number;
    stored_at: number | null;
    downloads: Generated<number>; // times the bytes were fetched from WhatsApp
  };
  /** Uploads kept here for a channel without an upload endpoint (0036-channel-uploads, Telegram); bytes in DATA_DIR/media/uploads. */
  channel_uploads: {
    id: string; // up_<random>: the media id POST /api/v1/media answers
    channel_id: string;
    kind: string; // image | audio | video | document | sticker
    mime_type: string;
    filename: string | null;
    size: number;
    provider_file_id: string | null; // Telegram's file_id, from the first send's answer
    created_at: number;
  };
  /** Recent inbox events for SSE replay (0018-sync-change-seq), keyed (xid, seq); pruned to a window. */
  stream_events: {
    xid: Generated<number>; // PostgreSQL: the writing transaction's id; SQLite: 0
    seq: Generated<number>;
    at: number;
    type: string;
    conversation_id: string | null;
    message_id: string | null;
    user_id: string | null;
    detail: string | null; // 0019-sends-stream-event-detail: JSON, e.g. conversation.assigned's reason, by, previous
  };
  // Broadcasts (0023-broadcasts, docs/broadcasts.md).
  audiences: {
    id: string;
    name: string;
    kind: string; // csv | segment
    segment: string | null; // JSON filter
    columns: string | null; // JSON: the CSV's variable columns
    default_country: string | null;
    member_count: Generated<number>;
    rejected_count: Generated<number>;
    report: string | null; // JSON: rejections by reason, the first rejected rows
    created_by: string | null;
    created_at: number;
  };
  audience_members: {
    audience_id: string;
    contact_id: string;
    line: number; // the CSV line
    variables: string; // JSON: column -> value
  };
  broadcasts: {
    id: string;
    name: string;
    channel_id: string;
    template_id: string;
    audience_id: string;
    parameters: string; // JSON: fixed values, {column}, {contact, fallback}
    state: string; // draft | scheduled | running | paused | completed | cancelled | failed
    state_reason: string | null;
    opt_in_override_reason: string | null;
    rate_per_second: number;
    scheduled_at: number | null;
    time_zone: string | null;
    excluded: string | null; // JSON counts, set when frozen
    created_by: string | null;
    created_at: number;
    updated_at: number;
    started_at: number | null;
    ended_at: number | null;
    button_flows: string | null; // 0027: JSON button payload/text -> flow id
    waiting_reason: string | null; // 0027: why a running broadcast sends nothing now (messaging_tier)
    waiting_until: number | null;
  };
  broadcast_recipients: {
    broadcast_id: string;
    seq: number;
    contact_id: string;
    address: string; // E.164 or BSUID
    components: string; // JSON Graph components
    rendered: string;
    price_estimate: Generated<number>;
    state: string; // pending | queued | failed
    error_code: string | null;
    error_message: string | null;
    message_id: string | null;
    queued_at: number | null;
    // 0027-broadcast-results
    status: Generated<string>; // funnel: pending | queued | sent | delivered | read | failed | unconfirmed
    replied_at: number | null;
    reply_button: string | null;
    cost: number | null; // recorded from Meta's pricing callback
  };
  broadcast_tallies: {
    broadcast_id: string;
    key: string; // a funnel status, replied, button:<payload>, cost, estimate
    n: Generated<number>;
    amount: Generated<number>;
  };
  messaging_tiers: {
    channel_id: string;
    tier: number | null; // null: unlimited
    updated_at: number;
  };
  tier_reach: {
    channel_id: string;
    contact_id: string;
    reached_at: number;
  };
  // Reports (0029-reports, docs/reports.md): the events triggers append, the fold's state, the hourly rollups.
  report_events: {
    id: Generated<number>;
    xid: Generated<number>;
    type: string;
    at: number;
    ref: string;
    conversation_id: string | null;
    old_value: string | null;
    new_value: string | null;
  };
  report_conversation_state: {
    conversation_id: string;
    channel_id: string;
    opened_at: number;
    awaiting_since: number | null;
    responded: number;
    human: number;
    handed_off: number;
    assignee_id: string | null;
    team_id: string | null;
    template_key: string | null;
    template_at: number | null;
  };
  report_availability_state: { user_id: string; availability: string; since: number };
  report_volume: { hour: number; channel_id: string; metric: string; sender: string; kind: string; n: number };
  report_times: {
    hour: number;
    metric: string;
    business: number;
    channel_id: string;
    team_id: string;
    agent_id: string;
    bucket: number;
    n: number;
    total_ms: number;
  };
  /** report_times per 6-hour or UTC-day block, the bucket counts in one column (0037-report-time-blocks). */
  report_time_blocks: {
    span: number;
    start: number;
    metric: string;
    business: number;
    channel_id: string;
    team_id: string;
    agent_id: string;
    n: number;
    total_ms: number;
    counts: string;
  };
  /** report_time_blocks without the agent, summed over agents (0039-report-team-time-blocks). */
  /** Open, assigned conversations per agent, as of the last fold (0040-report-agent-open). */
  report_agent_open: {
    agent_id: string;
    n: number;
  };
  /** +1 / -1 per agent since the last fold, appended by triggers on conversations (0040). */
  report_agent_open_deltas: {
    id: Generated<number>;
    agent_id: string;
    d: number;
  };
  report_team_time_blocks: {
    span: number;
    start: number;
    metric: string;
    business: number;
    channel_id: string;
    team_id: string;
    n: number;
    total_ms: number;
    counts: string;
  };
  report_templates: {
    hour: number;
    channel_id: string;
    template: string;
    language: string;
    broadcast_id: string;
    metric: string;
    n: number;
  };
  report_costs: {
    hour: number;
    channel_id: string;
    category: string;
    template: string;
    country: string;
    messages: number;
    billable: number;
    price: number;
    price_estimate: number;
  };
  report_agents: { hour: number; agent_id: string; metric: string; n: number };
  report_bot: { hour: number; channel_id: string; metric: string; reason: string; n: number };
  // AI assistant (0028-ai-assistant).
  knowledge_articles: {
    id: string;
    title: string;
    body: string; // Markdown
    tags: string; // JSON array of strings
    language: string | null; // e.g. es, en
    source: string | null; // the imported file's name
    created_at: number;
    updated_at: number;
  };
  ai_replies: {
    id: string;
    conversation_id: string | null;
    channel_id: string | null;
    mode: string; // auto | draft | flow | preview
    outcome: string; // answered | handoff | unavailable
    reason: string | null;
    question: string | null;
    answer: string | null;
    confidence: number | null;
    context: string; // JSON
    provider: string;
    model: string;
    draft_state: string | null; // pending | accepted | edited | discarded
    message_id: string | null;
    created_at: number;
    decided_at: number | null;
  };
  ai_usage: {
    id: string;
    at: number;
    day: string;
    provider: string;
    model: string;
    channel_id: string | null;
    mode: string;
    prompt_tokens: number;
    completion_tokens: number;
    latency_ms: number;
    ok: number;
    error: string | null;
  };
  ai_modes: { scope: string; mode: string; updated_at: number };
  /** A number's AI endpoint, model and system prompt (0033-ai-number-settings); null: the AI_* setting. */
  ai_number_settings: {
    channel_id: string;
    endpoint: string | null;
    model: string | null;
    system_prompt: string | null;
    updated_at: number;
  };
}
