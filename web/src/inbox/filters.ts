import { useSearchParams } from 'react-router';
import { qs } from '../api/client.ts';

export interface InboxFilters {
  /** mine | unassigned | all | team:<id> */
  view: string;
  status: string;
  label: string;
  /** '' (every channel), whatsapp or telegram: the API's `?channel=` kind filter. */
  channel: string;
  unread: boolean;
  q: string;
}

/** The inbox filters live in the URL (?view=&status=&label=&channel=&unread=&q=): a reload or a shared link keeps them. */
export function useInboxFilters(): [InboxFilters, (patch: Partial<InboxFilters>) => void, string] {
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const update = (patch: Partial<InboxFilters>) => {
    const next = { ...filters, ...patch };
    const p = new URLSearchParams();
    if (next.view !== 'all') p.set('view', next.view);
    if (next.status !== 'active') p.set('status', next.status);
    if (next.label) p.set('label', next.label);
    if (next.channel) p.set('channel', next.channel);
    if (next.unread) p.set('unread', 'true');
    if (next.q) p.set('q', next.q);
    setParams(p, { replace: true });
  };
  return [filters, update, params.toString() ? `?${params.toString()}` : ''];
}

/** The channel kinds the filter offers ('' is every channel). */
export const CHANNELS = ['whatsapp', 'telegram'];

export function filtersOf(params: URLSearchParams): InboxFilters {
  return {
    view: params.get('view') ?? 'all',
    status: params.get('status') ?? 'active',
    label: params.get('label') ?? '',
    channel: CHANNELS.includes(params.get('channel') ?? '') ? (params.get('channel') ?? '') : '',
    unread: params.get('unread') === 'true',
    q: params.get('q') ?? '',
  };
}

/**
 * Rows in the first page: a laptop screen shows about ten, so 40 fill it with room to scroll while
 * the next page (100 rows) comes; a small first answer is parsed and rendered sooner.
 */
export const FIRST_PAGE = 40;
export const NEXT_PAGE = 100;

/** The list route's query string for these filters (GET /api/v1/conversations). */
export function listQuery(f: InboxFilters, cursor?: string | null): string {
  return qs({
    status: f.status,
    assignee: f.view === 'mine' ? 'me' : f.view === 'unassigned' ? 'none' : undefined,
    team: f.view.startsWith('team:') ? f.view.slice(5) : undefined,
    label: f.label || undefined,
    channel: f.channel || undefined,
    unread: f.unread ? 'true' : undefined,
    q: f.q || undefined,
    limit: cursor ? NEXT_PAGE : FIRST_PAGE,
    cursor: cursor ?? undefined,
  });
}
