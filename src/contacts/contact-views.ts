import type { Selectable } from 'kysely';
import { isWaId } from '../core/whatsapp-ids.ts';
import type { Database } from '../storage/database-types.ts';

export type ContactRecord = Selectable<Database['contacts']>;
export type OptEventRecord = Selectable<Database['contact_opt_events']>;

/** API shape of a contact: snake_case, ISO times, JSON columns parsed. */
export function contactView(c: ContactRecord) {
  return {
    id: c.id,
    channel: c.channel_kind,
    // Where the contact is reached: its own channel, and Telegram too once merged with a Telegram chat.
    channels: reachableOn(c),
    // WhatsApp identity: the BSUID when WhatsApp gave one; phone, wa_id and username may be null.
    // (A Telegram chat id is digits too: it is telegram_chat_id, never wa_id.)
    wa_id: c.channel_kind === 'whatsapp' && isWaId(c.external_id) ? c.external_id : null,
    telegram_chat_id: c.telegram_chat_id,
    bsuid: c.bsuid,
    username: c.username,
    parent_bsuid: c.parent_bsuid,
    phone: c.phone_e164,
    name: c.name ?? c.profile_name ?? c.username,
    profile_name: c.profile_name,
    attributes: jsonObject(c.attributes),
    tags: jsonStrings(c.tags),
    opt_in: {
      state: c.opted_in === null ? ('unknown' as const) : c.opted_in ? ('opted_in' as const) : ('opted_out' as const),
      changed_at: iso(c.opted_in_at),
    },
    blocked: c.blocked === 1,
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
  };
}

function reachableOn(c: ContactRecord): string[] {
  return c.telegram_chat_id !== null && c.channel_kind !== 'telegram' ? [c.channel_kind, 'telegram'] : [c.channel_kind];
}

/** One of a contact's conversations, as the contact detail lists them (any channel, any status). */
export interface ContactConversationRow {
  id: string;
  channel_id: string;
  channel_kind: string | null;
  status: string;
  last_message_at: number;
}

export function contactConversationView(c: ContactConversationRow) {
  return {
    id: c.id,
    channel_id: c.channel_id,
    channel: c.channel_kind === 'telegram' ? ('telegram' as const) : ('whatsapp' as const),
    status: c.status,
    last_message_at: iso(c.last_message_at),
  };
}

export function optEventView(e: OptEventRecord) {
  return {
    state: e.opted_in ? ('opted_in' as const) : ('opted_out' as const),
    source: e.source,
    by: e.actor,
    note: e.note,
    at: iso(e.created_at),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The stored attributes: a JSON object ({} if the column holds anything else). */
function jsonObject(text: string): Record<string, unknown> {
  const v = parseJson(text);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The stored tags: a JSON array of strings (anything else is left out). */
function jsonStrings(text: string): string[] {
  const v = parseJson(text);
  return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
}

function iso(ms: number): string;
function iso(ms: number | null): string | null;
function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
