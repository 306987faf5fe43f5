import { infiniteQueryOptions, type QueryClient } from '@tanstack/react-query';
import { get } from '../api/client.ts';
import type { Conversation, Page } from '../api/types.ts';
import { filtersOf, listQuery, type InboxFilters } from './filters.ts';

/** The conversation list for these filters: one infinite query per filter set, paged by the API's cursor. */
export function conversationListOptions(filters: InboxFilters) {
  return infiniteQueryOptions({
    queryKey: ['conversations', filters],
    queryFn: ({ pageParam }) => get<Page<Conversation>>(`/conversations${listQuery(filters, pageParam)}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
}

/**
 * Asks for the inbox's first page before the inbox renders: at sign-in as soon as the answer
 * arrives, and on a page load under /inbox at the same time as /auth/me. The first paint then
 * waits for whichever is slower, the request or React's first render, instead of both one after
 * the other. Without a session the request fails and is forgotten (the sign-in form shows).
 */
export function prefetchInbox(qc: QueryClient): void {
  const { pathname, search } = window.location;
  if (pathname !== '/' && pathname !== '/inbox' && !pathname.startsWith('/inbox/')) return;
  const options = conversationListOptions(filtersOf(new URLSearchParams(search)));
  void qc.prefetchInfiniteQuery(options).then(() => {
    if (qc.getQueryState(options.queryKey)?.status === 'error') qc.removeQueries({ queryKey: options.queryKey, exact: true });
  });
}
