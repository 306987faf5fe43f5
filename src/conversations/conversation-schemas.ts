import { type TSchema, Type } from 'typebox';

/**
 * The shapes the conversation routes answer with (conversation-views.ts writes them): a
 * conversation as the list, the detail and the event payloads show it, and a message with its
 * content. Shared by conversation-, message-, start-conversation- and bot-pause-routes, so the
 * OpenAPI document describes one Conversation and one Message.
 */

// The same helpers as http/route-schema.ts's, which this module (below the HTTP edge) may not import.
const Nullable = <T extends TSchema>(schema: T, options: Record<string, unknown> = {}) => Type.Union([schema, Type.Null()], options);
const Timestamp = (description = 'ISO 8601 time') => Type.String({ format: 'date-time', description });

/** A conversation's linked record as the API shows it (linkedRecordView). */
export const LinkedRecord = Type.Object({
  type: Type.String({ description: 'record type, e.g. service_request' }),
  id: Type.String({ description: 'the record id in your system' }),
  url: Nullable(Type.String()),
  title: Nullable(Type.String()),
  attributes: Type.Record(Type.String(), Type.Unknown(), { description: 'any JSON object' }),
});
export const linkedRecordExample = {
  type: 'service_request',
  id: 'SR-1042',
  url: 'https://crm.example.com/sr/1042',
  title: 'Broken boiler',
  attributes: { priority: 'high' },
};

/** A private note on a conversation (noteView). */
export const Note = Type.Object({
  id: Type.String(),
  conversation_id: Type.String(),
  author: Type.String({ description: 'agent:<user id> or api' }),
  author_id: Nullable(Type.String({ description: 'the author user, null for an API token' })),
  text: Type.String(),
  mentions: Type.Array(Type.Object({ user_id: Type.String(), email: Type.String(), name: Type.String() }), {
    description: 'users @mentioned in the text',
  }),
  created_at: Timestamp(),
});
export const noteExample = {
  id: 'note_01J9Z',
  conversation_id: 'conv_01J9Z',
  author: 'agent:usr_01J9Z',
  author_id: 'usr_01J9Z',
  text: 'Asked @ana@example.com to check the refund',
  mentions: [{ user_id: 'usr_02K1A', email: 'ana@example.com', name: 'Ana' }],
  created_at: '2026-05-01T10:00:00.000Z',
};

/** A time that conversation-views.ts `iso()` writes: null when absent (or beyond what a date can hold). */
const Time = (description: string) => Nullable(Timestamp(description));
const Str = (description?: string) => Type.String(description ? { description } : {});
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

export const ConversationStatus = Type.String({ description: 'active, archived or closed' });

export const BotState = Type.Object(
  {
    paused: Type.Boolean({ description: 'true: flows and the demo bot do not answer in this conversation' }),
    paused_by: Nullable(Str('who paused it: a user id, token:<id>, admin_token, or flow:<id> for a hand-off')),
    reason: Nullable(Str('why: manual, agent_message, assigned, handoff...')),
    paused_at: Time('since when'),
    last_activity_at: Time('the last agent activity (it restarts the idle timeout)'),
    resumes_at: Time('when an idle timeout lifts the pause; null without one'),
  },
  { description: 'Whether the automated responders may answer' },
);
export const botPausedExample = {
  paused: true,
  paused_by: 'usr_01J9Z',
  reason: 'manual',
  paused_at: '2026-05-01T10:05:00.000Z',
  last_activity_at: '2026-05-01T10:05:00.000Z',
  resumes_at: null,
};
export const botRunningExample = {
  paused: false,
  paused_by: null,
  reason: null,
  paused_at: null,
  last_activity_at: null,
  resumes_at: null,
};

const conversationFields = {
  id: Str(),
  status: ConversationStatus,
  channel_id: Str('the channel it is on: a WhatsApp number (wa_...) or a Telegram bot (tg_...)'),
  channel: Type.Union([Type.Literal('whatsapp'), Type.Literal('telegram')], { description: "the channel's kind" }),
  capabilities: Type.Object(
    {
      service_window: Type.Boolean({
        description: "free-form messages only within 24 hours of the customer's last message (`window` applies); false on Telegram",
      }),
      templates: Type.Boolean({ description: 'approved templates exist and are needed outside the window; false on Telegram' }),
      read_receipts: Type.Boolean({ description: 'the customer sees our "read"' }),
      edits: Type.Boolean({ description: 'customers can edit sent messages' }),
      lists: Type.Boolean({ description: 'interactive lists' }),
      reactions: Type.Boolean({ description: 'reactions' }),
      uploads: Type.Boolean({
        description: 'files can be uploaded (POST /api/v1/media with this channel_id) and sent by media_id',
      }),
      upload_limits: Type.Object(
        {
          image: Type.Integer(),
          video: Type.Integer(),
          audio: Type.Integer(),
          document: Type.Integer(),
          sticker: Type.Integer(),
        },
        {
          description:
            'the largest file, in bytes, POST /api/v1/media takes for this channel per message kind (a larger one is 413 file_too_large): WhatsApp image 5 MB, video, audio and document 16 MB, sticker 500 KB; Telegram image 10 MB, others 50 MB, sticker 512 KB',
        },
      ),
    },
    {
      description:
        "What the channel can do (docs/telegram.md, Capabilities): a client's composer and list follow these, not the channel's name",
    },
  ),
  contact: Type.Object({
    id: Str(),
    name: Nullable(Str('the name shown: the one the business gave, else the WhatsApp profile name')),
    profile_name: Nullable(Str('the WhatsApp profile name')),
    wa_id: Nullable(Str('the WhatsApp id (phone digits); null for a customer known only by BSUID')),
    bsuid: Nullable(Str('business-scoped user ID')),
    username: Nullable(Str('WhatsApp username')),
    phone: Nullable(Str('E.164')),
  }),
  last_message_preview: Nullable(Str('text of the newest message, shortened')),
  last_message_type: Nullable(Str('type of the newest message: text, image, audio, template...; null without messages')),
  last_message_at: Time('newest activity'),
  last_customer_message_at: Time("the customer's newest message (it opens the 24-hour window)"),
  unread_count: Type.Integer({ description: 'customer messages since the conversation was last marked read' }),
  window: Type.Object(
    {
      open: Type.Boolean(),
      open_until: Time('open: when it closes; else null'),
      closes_at: Time('open: when it closes; else null'),
      closed_at: Time('closed: when it closed; null when open or when the customer never wrote'),
    },
    {
      description:
        "WhatsApp's 24-hour customer-service window: free-form messages only while open; the same shape open or closed. It binds only where capabilities.service_window is true (never on Telegram)",
    },
  ),
  assignee: Nullable(Type.Object({ id: Str(), name: Nullable(Str()) })),
  team: Nullable(Type.Object({ id: Str(), name: Nullable(Str()) })),
  labels: Type.Array(Str(), { description: 'label names' }),
  linked_record: Nullable(LinkedRecord),
  broadcast_id: Nullable(Str("the broadcast the customer's latest reply answered (docs/broadcasts.md); null if none")),
  snoozed_until: Time('hidden from status=active lists until then (or until the customer writes); null when not snoozed'),
  bot: BotState,
  created_at: Time('created'),
  updated_at: Time('last changed'),
};

export const Conversation = Type.Object(conversationFields, { description: 'A conversation with one contact on one number' });
export const conversationExample = {
  id: 'conv_01J9Z',
  status: 'active',
  channel_id: 'wa_106540352242922',
  channel: 'whatsapp',
  capabilities: {
    service_window: true,
    templates: true,
    read_receipts: true,
    edits: true,
    lists: true,
    reactions: true,
    uploads: true,
    upload_limits: { image: 5242880, video: 16777216, audio: 16777216, document: 16777216, sticker: 512000 },
  },
  contact: {
    id: 'ct_01J9Z',
    name: 'Olga Ruiz',
    profile_name: 'Olga',
    wa_id: '5215512345678',
    bsuid: null,
    username: null,
    phone: '+5215512345678',
  },
  last_message_preview: 'Where is my order?',
  last_message_type: 'text',
  last_message_at: '2026-05-01T10:00:00.000Z',
  last_customer_message_at: '2026-05-01T10:00:00.000Z',
  unread_count: 1,
  window: { open: true, open_until: '2026-05-02T10:00:00.000Z', closes_at: '2026-05-02T10:00:00.000Z', closed_at: null },
  assignee: { id: 'usr_01J9Z', name: 'Ana' },
  team: null,
  labels: ['vip'],
  linked_record: linkedRecordExample,
  broadcast_id: null,
  snoozed_until: null,
  bot: botPausedExample,
  created_at: '2026-05-01T09:58:00.000Z',
  updated_at: '2026-05-01T10:05:00.000Z',
};

const myUnread = {
  my_unread_count: Nullable(
    Type.Integer({ description: "the caller's own unread customer messages; null without a user (an admin or integration token)" }),
  ),
};
export const ConversationListItem = Type.Object({ ...conversationFields, ...myUnread });
export const conversationListItemExample = { ...conversationExample, my_unread_count: 1 };

// --- Message content: what was sent or received, as stored, with snake_case keys. ---

const Text = Type.Object({ type: Type.Literal('text'), text: Str(), preview_url: Opt(Type.Boolean()) });
const MediaOut = Type.Object({
  type: Type.Union(['image', 'video', 'audio', 'document', 'sticker'].map((t) => Type.Literal(t))),
  media_id: Opt(Str('from POST /api/v1/media')),
  link: Opt(Str('a public http(s) URL')),
  caption: Opt(Str()),
  filename: Opt(Str()),
  voice: Opt(Type.Boolean()),
});
const LocationOut = Type.Object({
  type: Type.Literal('location'),
  latitude: Type.Number(),
  longitude: Type.Number(),
  name: Opt(Str()),
  address: Opt(Str()),
});
const ContactCards = Type.Array(Type.Record(Type.String(), Type.Unknown()), {
  description: 'contact cards as WhatsApp takes them (name.formatted_name, phones, emails, ...)',
});
const ContactsOut = Type.Object({ type: Type.Literal('contacts'), contacts: ContactCards });
const ReactionOut = Type.Object({
  type: Type.Literal('reaction'),
  message_id: Str('the wamid reacted to'),
  emoji: Str('"" removes the reaction'),
});
const frame = { body: Str(), header: Opt(Str()), footer: Opt(Str()) };
const ButtonsOut = Type.Object({ type: Type.Literal('buttons'), ...frame, buttons: Type.Array(Type.Object({ id: Str(), title: Str() })) });
const ListOut = Type.Object({
  type: Type.Literal('list'),
  ...frame,
  button: Str(),
  sections: Type.Array(
    Type.Object({ title: Opt(Str()), rows: Type.Array(Type.Object({ id: Str(), title: Str(), description: Opt(Str()) })) }),
  ),
});
const CtaUrlOut = Type.Object({ type: Type.Literal('cta_url'), ...frame, display_text: Str(), url: Str() });
const TemplateOut = Type.Object({
  type: Type.Literal('template'),
  name: Str(),
  language: Str(),
  components: Opt(Type.Array(Type.Unknown(), { description: 'the resolved components sent to WhatsApp' })),
});

/** A customer's message as the channel normalised it (channel-types.ts InboundMessage, without the raw payload). */
const Inbound = Type.Object(
  {
    channel: Str('whatsapp'),
    channel_account_id: Str('the business number it was sent to (phone_number_id)'),
    external_id: Str('wamid'),
    from: Str("the customer's WhatsApp id or BSUID"),
    profile_name: Opt(Str()),
    sender: Opt(Type.Object({ wa_id: Opt(Str()), user_id: Opt(Str()), parent_user_id: Opt(Str()), username: Opt(Str()) })),
    sent_at: Type.Number({ description: 'epoch milliseconds, as WhatsApp gave it' }),
    kind: Str(
      'text, image, audio, video, document, sticker, location, contacts, interactive_reply, button, reaction, order, system, unsupported...',
    ),
    provider_type: Str("WhatsApp's own type string"),
    text: Opt(Str('text, caption, reply title or button text')),
    media: Opt(
      Type.Object({
        id: Str(),
        mime_type: Opt(Str()),
        sha256: Opt(Str()),
        caption: Opt(Str()),
        filename: Opt(Str()),
        voice: Opt(Type.Boolean()),
        animated: Opt(Type.Boolean()),
        url: Opt(Str()),
      }),
    ),
    location: Opt(
      Type.Object({ latitude: Type.Number(), longitude: Type.Number(), name: Opt(Str()), address: Opt(Str()), url: Opt(Str()) }),
    ),
    contacts: Opt(Type.Array(Type.Unknown())),
    reply: Opt(
      Type.Object({
        kind: Str('button_reply, list_reply, nfm_reply or button'),
        id: Str(),
        title: Str(),
        description: Opt(Str()),
        response_json: Opt(Str()),
      }),
    ),
    reaction: Opt(Type.Object({ message_id: Str(), emoji: Str() })),
    call_permission: Opt(
      Type.Object({ response: Str(), permanent: Opt(Type.Boolean()), expires_at: Opt(Type.Number()), source: Opt(Str()) }),
    ),
    order: Opt(Type.Object({ catalog_id: Opt(Str()), items: Type.Array(Type.Unknown()) })),
    system: Opt(Type.Object({ type: Opt(Str()), wa_id: Opt(Str()) })),
    context: Opt(
      Type.Object({
        message_id: Opt(Str()),
        from: Opt(Str()),
        forwarded: Opt(Type.Boolean()),
        frequently_forwarded: Opt(Type.Boolean()),
        referred_product: Opt(Type.Unknown()),
      }),
    ),
    referral: Opt(Type.Record(Type.String(), Type.Unknown())),
    errors: Opt(Type.Array(Type.Object({ code: Type.Number(), title: Opt(Str()), message: Opt(Str()), details: Opt(Str()) }))),
  },
  { description: "a customer's message (direction in)" },
);

/**
 * Typed `unknown` for the handlers: it is a stored JSON document (messageView parses it), while
 * the schema (the OpenAPI document, and the response check in tests) states its shape.
 */
export const MessageContent = Type.Unsafe<unknown>(
  Type.Union([Inbound, Text, MediaOut, LocationOut, ContactsOut, ReactionOut, ButtonsOut, ListOut, CtaUrlOut, TemplateOut], {
    description:
      'What was received (direction in: the normalised WhatsApp message) or sent (direction out: one object per type, as POST .../messages took it)',
  }),
);

export const Message = Type.Object(
  {
    id: Str('our message id (msg_...)'),
    conversation_id: Str(),
    direction: Str('in (from the customer) or out'),
    external_id: Nullable(Str('the WhatsApp id (wamid); null until WhatsApp accepted an outbound message')),
    kind: Str('the message type: text, image, template, reaction...'),
    text: Nullable(Str('the text, caption or a preview of it')),
    content: MessageContent,
    media: Nullable(
      Type.Object(
        { url: Str('GET it with your credentials: /api/v1/media/{id}'), mime_type: Nullable(Str()), filename: Nullable(Str()) },
        { description: "a customer's file, or one we sent by media_id (an upload); null otherwise (text, or media sent by link)" },
      ),
    ),
    status: Str('in: received; out: queued, sending, accepted, sent, delivered, read, played, failed or unconfirmed'),
    status_at: Time('when the status last changed'),
    error: Nullable(Type.Object({ code: Str(), message: Nullable(Str()) }, { description: 'why it failed' })),
    attempts: Type.Integer({ description: 'outbound: send attempts made so far' }),
    retry_at: Time('queued after a retryable failure: when the next attempt is due'),
    resend_of: Nullable(Str('the failed or unconfirmed message this one resends')),
    broadcast_id: Nullable(Str('in: the broadcast this reply answers (written back within 72 h, or its quick-reply button); else null')),
    reply_to: Nullable(Str('the wamid of the message quoted')),
    author: Nullable(Str('customer, agent:<user id>, api, bot:flow:<id>...')),
    sent_at: Time("when it was sent (the customer's send time for inbound messages)"),
    timestamp_anomaly: Nullable(Str("invalid, past or future: WhatsApp's timestamp was unusable and sent_at is when we received it")),
    created_at: Time('when it was recorded'),
  },
  { description: 'A message in a conversation' },
);
export const messageExample = {
  id: 'msg_01J9Z',
  conversation_id: 'conv_01J9Z',
  direction: 'out',
  external_id: null,
  kind: 'text',
  text: 'Your order ships today.',
  content: { type: 'text', text: 'Your order ships today.' },
  media: null,
  status: 'queued',
  status_at: '2026-05-01T10:06:00.000Z',
  error: null,
  attempts: 0,
  retry_at: null,
  resend_of: null,
  broadcast_id: null,
  reply_to: null,
  author: 'agent:usr_01J9Z',
  sent_at: '2026-05-01T10:06:00.000Z',
  timestamp_anomaly: null,
  created_at: '2026-05-01T10:06:00.000Z',
};
export const inboundMessageExample = {
  ...messageExample,
  id: 'msg_01J9Y',
  direction: 'in',
  external_id: 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjA',
  text: 'Where is my order?',
  content: {
    channel: 'whatsapp',
    channel_account_id: '106540352242922',
    external_id: 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjA',
    from: '5215512345678',
    profile_name: 'Olga',
    sent_at: 1777629600000,
    kind: 'text',
    provider_type: 'text',
    text: 'Where is my order?',
  },
  status: 'received',
  author: 'customer',
  sent_at: '2026-05-01T10:00:00.000Z',
  status_at: '2026-05-01T10:00:00.000Z',
  created_at: '2026-05-01T10:00:00.000Z',
};

export const ResponseTimes = Type.Object({
  first_response_at: Time('the first answer to the customer'),
  first_response_ms: Nullable(Type.Integer({ description: "from the customer's first message to it" })),
  responses: Type.Integer({ description: 'customer turns answered' }),
  average_response_ms: Nullable(Type.Integer()),
  awaiting_reply_since: Time('the customer has been waiting since; null when answered'),
  last_read_at: Time('last marked read'),
});

export const ConversationDetail = Type.Object(
  {
    ...conversationFields,
    ...myUnread,
    response_times: ResponseTimes,
    notes: Type.Array(Note, { description: 'private notes, oldest first' }),
    messages: Type.Array(Message, { description: 'the newest page, oldest to newest' }),
    messages_before_cursor: Nullable(Str('pass as `before` for the page before; null at the first message')),
  },
  {
    examples: [
      {
        ...conversationListItemExample,
        response_times: {
          first_response_at: '2026-05-01T10:06:00.000Z',
          first_response_ms: 360000,
          responses: 1,
          average_response_ms: 360000,
          awaiting_reply_since: null,
          last_read_at: '2026-05-01T10:05:00.000Z',
        },
        notes: [noteExample],
        messages: [inboundMessageExample, messageExample],
        messages_before_cursor: null,
      },
    ],
  },
);

export const ConversationParams = Type.Object({ id: Type.String({ description: 'conversation id' }) });
export const MessageParams = Type.Object({
  id: Type.String({ description: 'conversation id' }),
  messageId: Type.String({ description: 'our message id (msg_...)' }),
});
