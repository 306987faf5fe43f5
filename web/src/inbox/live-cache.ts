import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import { get } from '../api/client.ts';
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
  let fresh: Conversation | null;
  try {
    const { messages: _m, notes: _n, messages_before_cursor: _c, ...head } = await get<ConversationDetail>(`/conversations/${conversationId}?limit=1`);
    fresh = head;
  } catch {
    fresh = null; // no longer visible to me (reassigned away), or gone
  }
  for (const query of qc.getQueryCache().findAll({ queryKey: ['conversations'] })) {
    const filters = query.queryKey[1];
    if (!isFilters(filters)) continue;
    const verdict = fresh ? matches(fresh, filters, meId) : false;
    if (verdict === undefined) {
      void qc.invalidateQueries({ queryKey: query.queryKey, exact: true });
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
