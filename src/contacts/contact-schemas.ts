import { type TSchema, Type } from 'typebox';

// The same helpers as http/route-schema.ts's, which this module (below the HTTP edge) may not import.
const Nullable = <T extends TSchema>(schema: T, options: Record<string, unknown> = {}) => Type.Union([schema, Type.Null()], options);
const Timestamp = (description = 'ISO 8601 time') => Type.String({ format: 'date-time', description });

/** The API shapes of contact-views.ts, as TypeBox schemas (docs/architecture.md, "Routes declare their schemas"). */

const OptIn = Type.Object(
  {
    state: Type.Union([Type.Literal('opted_in'), Type.Literal('opted_out'), Type.Literal('unknown')], {
      description: 'the latest recorded consent; unknown until one was recorded',
    }),
    changed_at: Nullable(Timestamp('when it was last recorded')),
  },
  { description: 'marketing consent (opt-in) state' },
);

export const contactFields = {
  id: Type.String(),
  channel: Type.String({
    description: 'the channel kind of its identity: whatsapp (also a WhatsApp contact merged with a Telegram chat) or telegram',
  }),
  channels: Type.Array(Type.String(), {
    description: 'every channel the contact is reached on: ["whatsapp"], ["telegram"], or both after a merge',
  }),
  wa_id: Nullable(Type.String({ description: 'the WhatsApp id (phone number digits) when WhatsApp gave one' })),
  telegram_chat_id: Nullable(
    Type.String({ description: 'the Telegram chat id (a private chat: the user id) for a Telegram contact or one merged with it' }),
  ),
  bsuid: Nullable(
    Type.String({ description: 'business-scoped user ID, e.g. US.13491208655302741918: the identity when WhatsApp gave one' }),
  ),
  username: Nullable(Type.String({ description: 'WhatsApp username, when the customer has one' })),
  parent_bsuid: Nullable(Type.String({ description: 'parent BSUID of linked business portfolios' })),
  phone: Nullable(Type.String({ description: 'E.164, e.g. +5215512345678; null when the customer hides their number' })),
  name: Nullable(Type.String({ description: 'the name agents gave, else the WhatsApp profile name, else the username' })),
  profile_name: Nullable(Type.String({ description: 'the name on the WhatsApp profile' })),
  attributes: Type.Record(Type.String(), Type.Unknown(), { description: 'free-form attributes (a JSON object)' }),
  tags: Type.Array(Type.String()),
  opt_in: OptIn,
  blocked: Type.Boolean({ description: 'blocked contacts get no messages' }),
  created_at: Timestamp(),
  updated_at: Timestamp(),
};

export const contactExample = {
  id: 'ct_01J9Z',
  channel: 'whatsapp',
  channels: ['whatsapp', 'telegram'],
  wa_id: '5215512345678',
  telegram_chat_id: '7104235522',
  bsuid: 'MX.13491208655302741918',
  username: null,
  parent_bsuid: null,
  phone: '+5215512345678',
  name: 'Olga Ruiz',
  profile_name: 'Olga',
  attributes: { plan: 'pro' },
  tags: ['vip'],
  opt_in: { state: 'opted_in', changed_at: '2026-05-01T10:00:00.000Z' },
  blocked: false,
  created_at: '2026-04-30T09:00:00.000Z',
  updated_at: '2026-05-01T10:00:00.000Z',
};

export const OptEvent = Type.Object({
  state: Type.Union([Type.Literal('opted_in'), Type.Literal('opted_out')]),
  source: Type.String({ description: 'how consent was given or withdrawn: keyword, agent, web_form, whatsapp, import, api...' }),
  by: Type.String({ description: 'who recorded it: a user id, customer or system' }),
  note: Nullable(Type.String()),
  at: Timestamp(),
});

export const ContactConversation = Type.Object({
  id: Type.String(),
  channel_id: Type.String({ description: 'the number or bot, e.g. wa_106540352242922 or tg_7012345678' }),
  channel: Type.Union([Type.Literal('whatsapp'), Type.Literal('telegram')]),
  status: Type.String({ description: 'active, archived or closed' }),
  last_message_at: Timestamp(),
});

const contactConversationsExample = [
  {
    id: 'conv_01J9Z',
    channel_id: 'wa_106540352242922',
    channel: 'whatsapp',
    status: 'active',
    last_message_at: '2026-05-01T10:00:00.000Z',
  },
  { id: 'conv_01JA0', channel_id: 'tg_7012345678', channel: 'telegram', status: 'active', last_message_at: '2026-05-02T08:30:00.000Z' },
];

const detailFields = {
  ...contactFields,
  opt_in_history: Type.Array(OptEvent, { description: 'every consent change, oldest first' }),
  conversations: Type.Array(ContactConversation, {
    description: 'its conversations on every channel the caller may see, latest activity first (at most 100)',
  }),
};

export const ContactDetail = (description: string) =>
  Type.Object(detailFields, {
    description,
    examples: [
      {
        ...contactExample,
        opt_in_history: [
          { state: 'opted_in', source: 'web_form', by: 'usr_01J9Z', note: 'signed up on the site', at: '2026-05-01T10:00:00.000Z' },
        ],
        conversations: contactConversationsExample,
      },
    ],
  });

/** POST /api/v1/contacts/:id/merge: the surviving contact, and what the merge moved and closed. */
export const ContactMerged = Type.Object(
  {
    ...detailFields,
    merge: Type.Object({
      merged_contact_id: Type.String({ description: 'the contact merged in (it no longer exists)' }),
      conversations_moved: Type.Array(Type.String(), { description: "its conversations, now this contact's" }),
      conversations_closed: Type.Array(Type.String(), {
        description: 'open conversations closed because both contacts had one open on the same number or bot (the quieter of each pair)',
      }),
    }),
  },
  {
    description: 'the contact with both histories',
    examples: [
      {
        ...contactExample,
        opt_in_history: [],
        conversations: contactConversationsExample,
        merge: { merged_contact_id: 'ct_01JA0', conversations_moved: ['conv_01JA0'], conversations_closed: [] },
      },
    ],
  },
);

export const ContactPage = Type.Object(
  {
    data: Type.Array(Type.Object(contactFields)),
    next_cursor: Nullable(Type.String({ description: 'pass as cursor for the next page; null on the last page' })),
  },
  { examples: [{ data: [contactExample], next_cursor: null }] },
);
