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
  channel: Type.String({ description: 'the channel kind, e.g. whatsapp' }),
  wa_id: Nullable(Type.String({ description: 'the WhatsApp id (phone number digits) when WhatsApp gave one' })),
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
  wa_id: '5215512345678',
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

export const ContactDetail = (description: string) =>
  Type.Object(
    { ...contactFields, opt_in_history: Type.Array(OptEvent, { description: 'every consent change, oldest first' }) },
    {
      description,
      examples: [
        {
          ...contactExample,
          opt_in_history: [
            { state: 'opted_in', source: 'web_form', by: 'usr_01J9Z', note: 'signed up on the site', at: '2026-05-01T10:00:00.000Z' },
          ],
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
