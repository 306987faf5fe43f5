import { Avatar, Badge, Button, Group, Loader, Stack, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client.ts';
import type { Conversation, Page } from '../api/types.ts';
import { initials } from '../shell/Shell.tsx';
import { listQuery, type InboxFilters } from './filters.ts';
import { contactName, duration, timeOf, windowState } from './format.ts';

const ROW_HEIGHT = 76;

export function useConversationList(filters: InboxFilters) {
  return useInfiniteQuery({
    queryKey: ['conversations', filters],
    queryFn: ({ pageParam }) => get<Page<Conversation>>(`/conversations${listQuery(filters, pageParam)}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
}

/**
 * The conversation list, virtualised (only the visible rows are in the DOM, so 10,000 rows
 * scroll smoothly). While the pointer or focus is inside the list, live updates are held back
 * and counted on a button, so the row under the agent's cursor never moves; leaving the list (or
 * pressing the button) applies them.
 */
export function ConversationList(props: { filters: InboxFilters; selectedId: string | undefined; onOpen: (id: string) => void; rows: Conversation[]; query: ReturnType<typeof useConversationList> }) {
  const { t } = useTranslation();
  const { query, onOpen, selectedId } = props;
  const [held, setHeld] = useState(false);
  const [shown, setShown] = useState<Conversation[]>(props.rows);
  const parentRef = useRef<HTMLDivElement>(null);
  // Held: the rows keep their places and get their new data in place; new or moved rows wait.
  const { rows: visible, pending } = useMemo(() => (held ? inPlace(shown, props.rows) : { rows: props.rows, pending: 0 }), [held, shown, props.rows]);

  useEffect(() => {
    if (!held) setShown(props.rows);
  }, [props.rows, held]);

  const virtualizer = useVirtualizer({ count: visible.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW_HEIGHT, overscan: 8 });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (last && last.index >= visible.length - 10 && query.hasNextPage && !query.isFetchingNextPage) void query.fetchNextPage();
  }, [last, visible.length, query]);

  // Minute-level clock for the window countdowns.
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);

  if (query.isPending) return <Loader m="md" aria-label={t('app.loading')} />;
  if (query.isError) return <Text c="red.9" p="md">{t('app.error', { message: query.error.message })}</Text>;

  return (
    <Stack gap={0} style={{ flex: 1, minHeight: 0 }} onMouseEnter={() => setHeld(true)} onMouseLeave={() => setHeld(false)}>
      {pending > 0 && (
        <Button size="compact-sm" variant="light" radius={0} onClick={() => setShown(props.rows)} data-testid="held-updates">
          {t('inbox.newMessages', { count: pending })}
        </Button>
      )}
      {visible.length === 0 && (
        <Text p="md" c="gray.7">
          {t('inbox.empty')}
        </Text>
      )}
      <div ref={parentRef} style={{ flex: 1, overflow: 'auto' }} role="listbox" aria-label={t('inbox.title')} data-testid="conversation-list" tabIndex={visible.length ? -1 : 0}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const c = visible[item.index]!;
            return (
              <div key={c.id} style={{ position: 'absolute', top: 0, left: 0, right: 0, height: item.size, transform: `translateY(${item.start}px)` }}>
                <Row c={c} selected={c.id === selectedId} onOpen={onOpen} now={now} />
              </div>
            );
          })}
        </div>
      </div>
    </Stack>
  );
}

function Row({ c, selected, onOpen, now }: { c: Conversation; selected: boolean; onOpen: (id: string) => void; now: number }) {
  const { t } = useTranslation();
  const w = windowState(c, now);
  const name = contactName(c.contact);
  return (
    <div
      className="conv-row"
      role="option"
      aria-selected={selected}
      tabIndex={0}
      data-conversation-id={c.id}
      data-testid="conversation-row"
      onClick={() => onOpen(c.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onOpen(c.id);
        }
      }}
      style={{ height: '100%', padding: '8px 10px' }}
    >
      <Group gap="sm" wrap="nowrap" align="flex-start">
        <Avatar radius="xl" size="md" color="teal" aria-hidden>
          {initials(name)}
        </Avatar>
        <div style={{ flex: 1, minWidth: 0 }}>
          <Group justify="space-between" wrap="nowrap" gap={4}>
            <Text fw={c.unread_count ? 700 : 500} truncate="end" size="sm" data-testid="row-name">
              {name}
            </Text>
            <Text size="xs" c="gray.7" style={{ flexShrink: 0 }}>
              {timeOf(c.last_message_at)}
            </Text>
          </Group>
          <Group justify="space-between" wrap="nowrap" gap={4}>
            <Text size="sm" c="gray.7" truncate="end" data-testid="row-preview">
              {c.last_message_preview ?? ''}
            </Text>
            {c.unread_count > 0 && (
              <Badge size="sm" color="#1e6b30" circle={c.unread_count < 10} aria-label={t('inbox.unreadCount', { count: c.unread_count })} data-testid="unread-badge">
                {c.unread_count}
              </Badge>
            )}
          </Group>
          <Group gap={4} wrap="nowrap" mt={2}>
            {w.open && w.leftMs !== null && w.leftMs < 2 * 3600_000 && (
              <Badge size="xs" color="#8a3c00" variant="outline">
                {t('inbox.windowClosesIn', { time: duration(w.leftMs) })}
              </Badge>
            )}
            {!w.open && (
              <Badge size="xs" color="gray.8" variant="outline">
                {t('inbox.windowClosed')}
              </Badge>
            )}
            {c.assignee ? (
              <Avatar size={18} radius="xl" color="blue" title={t('inbox.assignedTo', { name: c.assignee.name ?? '' })} aria-label={t('inbox.assignedTo', { name: c.assignee.name ?? '' })}>
                {initials(c.assignee.name)}
              </Avatar>
            ) : null}
            {c.linked_record && (
              <Badge size="xs" variant="outline" color="gray.8" style={{ textTransform: 'none' }}>
                {c.linked_record.title ?? `${c.linked_record.type} ${c.linked_record.id}`}
              </Badge>
            )}
            {c.labels.slice(0, 2).map((l) => (
              <Badge key={l} size="xs" variant="dot" color="gray.8" style={{ textTransform: 'none' }}>
                {l}
              </Badge>
            ))}
          </Group>
        </div>
      </Group>
    </div>
  );
}

function inPlace(shown: Conversation[], fresh: Conversation[]): { rows: Conversation[]; pending: number } {
  const byId = new Map(fresh.map((c) => [c.id, c]));
  const rows = shown.map((c) => byId.get(c.id) ?? c);
  const old = new Set(shown.map((c) => c.id));
  let pending = fresh.filter((c) => !old.has(c.id)).length;
  fresh.forEach((c, i) => {
    if (old.has(c.id) && shown[i]?.id !== c.id) pending++;
  });
  return { rows, pending };
}

export function useRows(query: ReturnType<typeof useConversationList>): Conversation[] {
  return useMemo(() => query.data?.pages.flatMap((p) => p.data) ?? [], [query.data]);
}
