import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import { get } from '../api/client.ts';
import { serverNow } from '../api/server-clock.ts';
import type { Conversation, ConversationDetail, Page } from '../api/types.ts';
import type { InboxFilters } from './filters.ts';

type ListData = InfiniteData<Page<Conversation>, string | null>;

/**
 * Live events patch the cached lists instead of refetching them: refetching an infinite list
 * reloads every page the agent has scrolled through (100 rows each) on every event, which is what
 * made new messages slow to show and scrolling stutter. Per event the one conversation is read
 * (GET /conversations/:id, one message) and put in place in each cached list it belongs to, in
 * the list's order (newest activity first); a list whose filter this app cannot check (text
 * search) is refetched instead.
 */
export async function patchLists(qc: QueryClient, conversationId: string, meId: string): Promise<void> {
  const fresh = await readOne(conversationId);
  apply(qc, conversationId, fresh, meId);
}

/**
 * What an event already says, shown at once (before the read that confirms it): the row's new
 * preview, time, unread count, status and assignment; a new conversation's row from the customer's
 * message (their number and WhatsApp name). Nothing when the event says too little.
 */
// biome-ignore lint/suspicious/noExplicitAny: an event payload, read field by field
export function patchFromEvent(qc: QueryClient, data: any, meId: string): void {
  const s = data?.conversation;
  if (!s || typeof s.id !== 'string' || typeof s.status !== 'string') return;
  const known = findRow(qc, s.id);
  const m = data.message;
  let row: Conversation | null = null;
  const head = {
    status: s.status,
    unread_count: typeof s.unread_count === 'number' ? s.unread_count : (known?.unread_count ?? 0),
    last_message_preview: s.last_message_preview ?? known?.last_message_preview ?? null,
    last_message_at: s.last_message_at ?? known?.last_message_at ?? null,
    last_message_type: typeof m?.kind === 'string' ? m.kind : (known?.last_message_type ?? null),
  };
  const assignee =
    s.assignee_id === undefined
      ? known?.assignee
      : s.assignee_id === null
        ? null
        : known?.assignee?.id === s.assignee_id
          ? known?.assignee
          : { id: s.assignee_id, name: null };
  const team =
    s.team_id === undefined
      ? known?.team
      : s.team_id === null
        ? null
        : known?.team?.id === s.team_id
          ? known?.team
          : { id: s.team_id, name: null };
  if (known) row = { ...known, ...head, assignee: assignee ?? null, team: team ?? null };
  else if (m?.direction === 'in' && typeof m.content?.from === 'string' && typeof s.contact_id === 'string') {
    const from: string = m.content.from;
    const at: string = m.sent_at ?? head.last_message_at ?? new Date(serverNow()).toISOString();
    const profile = typeof m.content.profile_name === 'string' ? m.content.profile_name : null;
    // The stream's summary names the channel (so does the message); a Telegram chat id is digits too, but no phone number.
    const channel: Conversation['channel'] = (s.channel ?? m.content.channel) === 'telegram' ? 'telegram' : 'whatsapp';
    const whatsapp = channel === 'whatsapp';
    row = {
      id: s.id,
      channel_id: typeof s.channel_id === 'string' ? s.channel_id : '',
      channel,
      capabilities: capabilitiesOf(qc, channel),
      contact: {
        id: s.contact_id,
        name: profile,
        profile_name: profile,
        wa_id: whatsapp ? from : null,
        bsuid: null,
        username: null,
        phone: whatsapp && /^\d+$/.test(from) ? `+${from}` : null,
      },
      ...head,
      last_customer_message_at: at,
      window: { open: true, open_until: new Date(Date.parse(at) + 24 * 3600_000).toISOString() },
      assignee: assignee ?? null,
      team: team ?? null,
      labels: [],
      linked_record: null,
      snoozed_until: null,
      bot: { paused: Boolean(s.bot?.paused) },
      created_at: at,
      updated_at: at,
    };
  }
  if (row) apply(qc, s.id, row, meId, true);
}

/**
 * A provisional row's capabilities, until the read that confirms it: a cached row's on the same
 * kind of channel; else none of the window's rules (a new message opens the window anyway).
 */
function capabilitiesOf(qc: QueryClient, channel: Conversation['channel']): Conversation['capabilities'] {
  for (const [, data] of qc.getQueriesData<ListData>({ queryKey: ['conversations'] })) {
    for (const p of data?.pages ?? []) {
      const row = p.data?.find((c) => c.channel === channel);
      if (row) return row.capabilities;
    }
  }
  return {
    service_window: false,
    templates: false,
    read_receipts: false,
    edits: false,
    lists: false,
    reactions: false,
    uploads: false,
    upload_limits: { image: 0, video: 0, audio: 0, document: 0, sticker: 0 },
  };
}

function findRow(qc: QueryClient, id: string): Conversation | undefined {
  for (const [, data] of qc.getQueriesData<ListData>({ queryKey: ['conversations'] })) {
    for (const p of data?.pages ?? []) {
      const row = p.data?.find((c) => c.id === id);
      if (row) return row;
    }
  }
  return undefined;
}

async function readOne(conversationId: string): Promise<Conversation | null> {
  let fresh: Conversation | null;
  try {
    const {
      messages: _m,
      notes: _n,
      messages_before_cursor: _c,
      ...head
    } = await get<ConversationDetail>(`/conversations/${conversationId}?limit=1`);
    fresh = head;
  } catch {
    fresh = null; // no longer visible to me (reassigned away), or gone
  }
  return fresh;
}

function apply(qc: QueryClient, conversationId: string, fresh: Conversation | null, meId: string, provisional = false): void {
  for (const query of qc.getQueryCache().findAll({ queryKey: ['conversations'] })) {
    const filters = query.queryKey[1];
    if (!isFilters(filters)) continue;
    const verdict = fresh ? matches(fresh, filters, meId) : false;
    if (verdict === undefined) {
      if (!provisional) void qc.invalidateQueries({ queryKey: query.queryKey, exact: true });
      continue;
    }
    qc.setQueryData<ListData>(query.queryKey, (data) => (data ? place(data, conversationId, verdict ? fresh : null) : data));
  }
}

function isFilters(x: unknown): x is InboxFilters {
  return typeof x === 'object' && x !== null && 'view' in x && 'status' in x;
}

/** Whether the conversation belongs in a list with these filters; undefined when only the server can tell. */
export function matches(c: Conversation, f: InboxFilters, meId: string): boolean | undefined {
  if (f.q) return undefined;
  if (c.status !== f.status) return false;
  if (f.view === 'mine' && c.assignee?.id !== meId) return false;
  if (f.view === 'unassigned' && c.assignee !== null) return false;
  if (f.view.startsWith('team:') && c.team?.id !== f.view.slice(5)) return false;
  if (f.label && !c.labels.includes(f.label)) return false;
  if (f.channel && c.channel !== f.channel) return false;
  if (f.unread && !(c.unread_count > 0)) return false;
  return true;
}

/** Newest activity first, then id (the API's keyset order). */
function before(a: Conversation, b: Conversation): boolean {
  const at = a.last_message_at ?? '';
  const bt = b.last_message_at ?? '';
  return at === bt ? a.id > b.id : at > bt;
}

/** The list without the conversation, then with it at its place when it belongs (rows older than every loaded row wait for their page). */
export function place(data: ListData, id: string, row: Conversation | null): ListData {
  let changed = false;
  let pages = data.pages.map((p) => {
    if (!p.data.some((c) => c.id === id)) return p;
    changed = true;
    return { ...p, data: p.data.filter((c) => c.id !== id) };
  });
  if (row) {
    const at = pages.findIndex((p, i) => p.data.some((c) => before(row, c)) || (i === pages.length - 1 && !p.next_cursor));
    if (at >= 0) {
      const page = pages[at]!;
      const i = page.data.findIndex((c) => before(row, c));
      const rows = [...page.data];
      rows.splice(i === -1 ? rows.length : i, 0, row);
      pages = pages.map((p, j) => (j === at ? { ...p, data: rows } : p));
      changed = true;
    }
  }
  return changed ? { ...data, pages } : data;
}
