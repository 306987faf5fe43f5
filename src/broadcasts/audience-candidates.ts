import { sql } from 'kysely';
import { dialectOf } from '../storage/dialect.ts';
import type { Executor } from '../storage/executor.ts';
import type { AudienceRow } from './audience-store.ts';

/** A segment: contacts filtered by tags, conversation labels, attributes, opt-in state and when they last wrote. */
export interface Segment {
  /** Contact tags: every one of them. */
  tags?: string[];
  /** Conversation labels: any of them, on any of the contact's conversations. */
  labels?: string[];
  /** Contact attributes: each equal to the value. */
  attributes?: Record<string, string | number | boolean>;
  /** true: opted in; false: opted out; null: never recorded. */
  opted_in?: boolean | null;
  /** The customer last wrote at or after / before this time (ISO 8601). */
  last_seen_after?: string;
  last_seen_before?: string;
  /** The contact's latest conversation activity (either side) at or after / before this time; before also matches none. */
  last_conversation_after?: string;
  last_conversation_before?: string;
  /** Contacts who replied to this broadcast (wrote back within 72 h, or pressed a button). */
  replied_to_broadcast?: string;
}

/** A contact an audience names, with what a broadcast needs to address it, check it and fill its parameters. */
export interface Candidate {
  contact_id: string;
  external_id: string;
  phone_e164: string | null;
  bsuid: string | null;
  /** The Telegram chat it is reached on (a Telegram contact, or a WhatsApp one merged with one). */
  telegram_chat_id: string | null;
  name: string | null;
  profile_name: string | null;
  attributes: Record<string, unknown>;
  opted_in: number | null;
  blocked: number;
  /** CSV audiences: the row's line and its variable columns. */
  line: number | null;
  variables: Record<string, string>;
}

interface ContactColumns {
  id: string;
  channel_kind: string;
  external_id: string;
  phone_e164: string | null;
  bsuid: string | null;
  telegram_chat_id: string | null;
  name: string | null;
  profile_name: string | null;
  attributes: string;
  tags: string;
  opted_in: number | null;
  blocked: number;
}

/** What a candidate is built from, read the same way for CSV members and segment matches. */
const CONTACT_COLUMNS = [
  'c.id',
  'c.channel_kind',
  'c.external_id',
  'c.phone_e164',
  'c.bsuid',
  'c.telegram_chat_id',
  'c.name',
  'c.profile_name',
  'c.attributes',
  'c.tags',
  'c.opted_in',
  'c.blocked',
] as const;

/**
 * The contacts an audience names now, in a stable order (CSV: file order; segment: contact id).
 * Opt-in and blocking are read from the contacts as they are now, so a customer who opted out
 * after the import is left out by the broadcast that uses it. A segment matches the contacts of one
 * kind of channel: WhatsApp's by default, those with a Telegram chat for a text broadcast on a bot
 * (merged contacts included: see `reachableOn`).
 */
export async function audienceCandidates(db: Executor, audience: AudienceRow, channelKind = 'whatsapp'): Promise<Candidate[]> {
  if (audience.kind === 'csv') {
    const rows = await db
      .selectFrom('audience_members as m')
      .innerJoin('contacts as c', 'c.id', 'm.contact_id')
      .select([...CONTACT_COLUMNS, 'm.line', 'm.variables'])
      .where('m.audience_id', '=', audience.id)
      .orderBy('m.line')
      .execute();
    return rows.map((r) => candidate(r, r.line, parseObject(r.variables)));
  }
  const segment = parseSegment(audience.segment);
  return (await segmentContacts(db, segment, channelKind)).map((r) => candidate(r, null, {}));
}

/** The kinds of channel an audience is counted for (`members_by_channel`). */
export const AUDIENCE_CHANNEL_KINDS = ['whatsapp', 'telegram'] as const;

/**
 * Who a channel kind can reach: a WhatsApp identity (`channel_kind` whatsapp, merged contacts
 * included), or a Telegram chat (`telegram_chat_id`: a Telegram contact, or a WhatsApp contact an
 * agent merged with one, whose `channel_kind` stays whatsapp).
 */
function reachableOn(channelKind: string) {
  return channelKind === 'telegram'
    ? sql<boolean>`${sql.ref('c.telegram_chat_id')} is not null`
    : sql<boolean>`${sql.ref('c.channel_kind')} = ${channelKind}`;
}

/** The contacts a segment matches now (WhatsApp's unless another kind of channel is named; null: any). */
export async function segmentContacts(db: Executor, s: Segment, channelKind: string | null = 'whatsapp'): Promise<ContactColumns[]> {
  let q = db.selectFrom('contacts as c').select(CONTACT_COLUMNS);
  if (channelKind !== null) q = q.where(reachableOn(channelKind));
  if (s.opted_in === null) q = q.where('c.opted_in', 'is', null);
  else if (s.opted_in !== undefined) q = q.where('c.opted_in', '=', s.opted_in ? 1 : 0);
  if (s.labels && s.labels.length > 0) {
    const names = s.labels;
    q = q.where('c.id', 'in', (sub) =>
      sub
        .selectFrom('conversations as v')
        .innerJoin('conversation_labels as cl', 'cl.conversation_id', 'v.id')
        .innerJoin('labels as l', 'l.id', 'cl.label_id')
        .select('v.contact_id')
        .where('l.name', 'in', names),
    );
  }
  const lastSeen = sql<number | null>`(select max(v2.last_customer_message_at) from conversations v2 where v2.contact_id = c.id)`;
  if (s.last_seen_after !== undefined) q = q.where(lastSeen, '>=', Date.parse(s.last_seen_after));
  if (s.last_seen_before !== undefined) q = q.where(lastSeen, '<', Date.parse(s.last_seen_before));
  const lastConversation = sql<number | null>`(select max(v3.last_message_at) from conversations v3 where v3.contact_id = c.id)`;
  if (s.last_conversation_after !== undefined) q = q.where(lastConversation, '>=', Date.parse(s.last_conversation_after));
  if (s.last_conversation_before !== undefined) {
    const before = Date.parse(s.last_conversation_before);
    q = q.where((eb) => eb.or([eb(lastConversation, '<', before), eb(lastConversation, 'is', null)]));
  }
  if (s.replied_to_broadcast !== undefined) {
    const broadcastId = s.replied_to_broadcast;
    q = q.where('c.id', 'in', (sub) =>
      sub
        .selectFrom('broadcast_recipients as br')
        .select('br.contact_id')
        .where('br.broadcast_id', '=', broadcastId)
        .where('br.replied_at', 'is not', null),
    );
  }
  // Tags and attributes are JSON text: matched in SQL (json_each / jsonb), not in the process.
  const dialect = dialectOf(db);
  for (const tag of s.tags ?? []) q = q.where(dialect.jsonArrayHas(sql.ref('c.tags'), tag));
  for (const [k, v] of Object.entries(s.attributes ?? {})) q = q.where(dialect.jsonKeyEquals(sql.ref('c.attributes'), k, v));
  return q.orderBy('c.id').execute();
}

export function parseSegment(json: string | null): Segment {
  const v: unknown = json ? JSON.parse(json) : {};
  const seg: Segment = {};
  if (typeof v !== 'object' || v === null) return seg;
  if ('tags' in v && Array.isArray(v.tags)) seg.tags = v.tags.filter((t): t is string => typeof t === 'string');
  if ('labels' in v && Array.isArray(v.labels)) seg.labels = v.labels.filter((t): t is string => typeof t === 'string');
  if ('attributes' in v && typeof v.attributes === 'object' && v.attributes !== null) {
    const attrs: Record<string, string | number | boolean> = {};
    for (const [k, x] of Object.entries(v.attributes))
      if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') attrs[k] = x;
    seg.attributes = attrs;
  }
  if ('opted_in' in v && (v.opted_in === null || typeof v.opted_in === 'boolean')) seg.opted_in = v.opted_in;
  if ('last_seen_after' in v && typeof v.last_seen_after === 'string') seg.last_seen_after = v.last_seen_after;
  if ('last_seen_before' in v && typeof v.last_seen_before === 'string') seg.last_seen_before = v.last_seen_before;
  for (const k of ['last_conversation_after', 'last_conversation_before', 'replied_to_broadcast'] as const) {
    const x: unknown = k in v ? (v as Record<string, unknown>)[k] : undefined;
    if (typeof x === 'string') seg[k] = x;
  }
  return seg;
}

function candidate(r: ContactColumns, line: number | null, variables: Record<string, unknown>): Candidate {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(variables)) if (typeof v === 'string') vars[k] = v;
  return {
    contact_id: r.id,
    external_id: r.external_id,
    phone_e164: r.phone_e164,
    bsuid: r.bsuid,
    telegram_chat_id: r.telegram_chat_id,
    name: r.name,
    profile_name: r.profile_name,
    attributes: parseObject(r.attributes),
    opted_in: r.opted_in === null ? null : Number(r.opted_in),
    blocked: Number(r.blocked),
    line,
    variables: vars,
  };
}

function parseObject(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : {};
  } catch {
    return {};
  }
}

/**
 * The contacts with a conversation on this channel (a Telegram bot's chats: a text broadcast can
 * only reach a customer who wrote to the bot), and whether they blocked it since.
 */
export async function channelMembers(
  db: Executor,
  channelId: string,
): Promise<Map<string, { contact_id: string; blocked_by_user: boolean }>> {
  const rows = await db
    .selectFrom('conversations as v')
    .innerJoin('contacts as c', 'c.id', 'v.contact_id')
    .select(['c.id', 'c.blocked_by_user_at'])
    .where('v.channel_id', '=', channelId)
    .distinct()
    .execute();
  return new Map(rows.map((r) => [r.id, { contact_id: r.id, blocked_by_user: r.blocked_by_user_at !== null }]));
}

/** How many contacts an audience names, per kind of channel that can reach them (a merged contact counts on both). */
export interface AudienceCount {
  members: number;
  members_by_channel: Record<(typeof AUDIENCE_CHANNEL_KINDS)[number], number>;
}

/**
 * An audience's count now. A segment: every contact it matches on any channel, and per channel
 * kind those a broadcast there would consider (before opt-in). A CSV: its imported rows
 * (`memberCount`), split by the contacts they name.
 */
export async function countAudience(db: Executor, audience: AudienceRow): Promise<AudienceCount> {
  if (audience.kind === 'csv') {
    // Summed in SQL: a CSV audience may name 100,000 contacts, and a list shows fifty audiences.
    const row = await db
      .selectFrom('audience_members as m')
      .innerJoin('contacts as c', 'c.id', 'm.contact_id')
      .select([
        sql<number | string | null>`sum(case when ${sql.ref('c.channel_kind')} = 'whatsapp' then 1 else 0 end)`.as('whatsapp'),
        sql<number | string | null>`sum(case when ${sql.ref('c.telegram_chat_id')} is not null then 1 else 0 end)`.as('telegram'),
      ])
      .where('m.audience_id', '=', audience.id)
      .executeTakeFirst();
    return {
      members: Number(audience.member_count),
      members_by_channel: { whatsapp: Number(row?.whatsapp ?? 0), telegram: Number(row?.telegram ?? 0) },
    };
  }
  const rows = await segmentContacts(db, parseSegment(audience.segment), null);
  let whatsapp = 0;
  let telegram = 0;
  for (const r of rows) {
    if (r.channel_kind === 'whatsapp') whatsapp++;
    if (r.telegram_chat_id !== null) telegram++;
  }
  return { members: rows.length, members_by_channel: { whatsapp, telegram } };
}
