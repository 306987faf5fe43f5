import { Button, Loader, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { serverNow } from '../api/server-clock.ts';
import type { Conversation } from '../api/types.ts';
import { markFirstPaint } from '../shell/first-paint.ts';
import { initials } from '../shell/Shell.tsx';
import type { InboxFilters } from './filters.ts';
import { ChannelBadge } from './ChannelBadge.tsx';
import { conversationListOptions } from './list-query.ts';
import { contactName, duration, KIND_ICON, timeOf, windowState } from './format.ts';

const ROW_HEIGHT = 76;

export function useConversationList(filters: InboxFilters) {
  return useInfiniteQuery(conversationListOptions(filters));
}

/**
 * The conversation list, virtualised (only the visible rows are in the DOM, so 10,000 rows
 * scroll smoothly). While the pointer or focus is inside the list, live updates are held back
 * and counted on a button, so the row under the agent's cursor never moves; leaving the list (or
 * pressing the button) applies them.
 */
export function ConversationList(props: {
  filters: InboxFilters;
  selectedId: string | undefined;
  onOpen: (id: string) => void;
  rows: Conversation[];
  query: ReturnType<typeof useConversationList>;
}) {
  const { t } = useTranslation();
  const { query, selectedId } = props;
  // A stable callback for the memoised rows (the page hands a new one on every render).
  const openRef = useRef(props.onOpen);
  openRef.current = props.onOpen;
  const onOpen = useCallback((id: string) => openRef.current(id), []);
  const [held, setHeld] = useState(false);
  const [shown, setShown] = useState<Conversation[]>(props.rows);
  const parentRef = useRef<HTMLDivElement>(null);
  // Held: the rows keep their places and get their new data in place; new or moved rows wait.
  const { rows: visible, pending } = useMemo(
    () => (held ? inPlace(shown, props.rows) : { rows: props.rows, pending: 0 }),
    [held, shown, props.rows],
  );

  useEffect(() => {
    if (!held) setShown(props.rows);
  }, [props.rows, held]);

  const virtualizer = useVirtualizer({
    count: visible.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    // Rows have one fixed height: let React batch scroll updates instead of a synchronous render per scroll event.
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  const lastIndex = last?.index ?? -1;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  // Fetch the next page well before the end (30 rows ahead), so fast scrolling rarely waits for it.
  useEffect(() => {
    if (lastIndex >= visible.length - 30 && hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [lastIndex, visible.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  // Minute-level clock for the window countdowns.
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    const timer = setInterval(() => setNow(serverNow()), 30_000);
    return () => clearInterval(timer);
  }, []);

  // The first rows (or the empty or failed list) are in this commit: what waited for them may follow.
  useEffect(() => {
    if (!query.isPending) markFirstPaint();
  }, [query.isPending]);

  if (query.isPending) return <Loader m="md" aria-label={t('app.loading')} />;
  if (query.isError)
    return (
      <Text c="red.9" p="md">
        {t('app.error', { message: query.error.message })}
      </Text>
    );

  return (
    // A plain element (not a Mantine layout component): this renders on every scroll frame.
    // biome-ignore lint/a11y/noStaticElementInteractions: pointer tracking only (holds live updates under the cursor); the rows inside are the interactive part
    <div className="conv-list" onMouseEnter={() => setHeld(true)} onMouseLeave={() => setHeld(false)}>
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
      <div
        ref={parentRef}
        className="conv-scroller"
        role="listbox"
        aria-label={t('inbox.title')}
        data-testid="conversation-list"
        tabIndex={visible.length ? -1 : 0}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const c = visible[item.index]!;
            return (
              <div
                key={c.id}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: item.size, transform: `translateY(${item.start}px)` }}
              >
                <Row c={c} selected={c.id === selectedId} onOpen={onOpen} now={now} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/**
 * One row: plain elements styled by app.css (.conv-row…), not layout components, and memoised, so
 * scrolling renders only the rows that enter the window and a live update only the row it changes.
 */
const Row = memo(function Row({
  c,
  selected,
  onOpen,
  now,
}: {
  c: Conversation;
  selected: boolean;
  onOpen: (id: string) => void;
  now: number;
}) {
  const { t } = useTranslation();
  const w = windowState(c, now);
  const name = contactName(c.contact);
  const type = c.last_message_type && c.last_message_type !== 'text' ? c.last_message_type : null;
  const assignee = c.assignee ? t('inbox.assignedTo', { name: c.assignee.name ?? '' }) : null;
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
    >
      <span className="conv-avatar-wrap">
        <span className="conv-avatar" aria-hidden="true">
          {initials(name)}
        </span>
        <ChannelBadge channel={c.channel} />
      </span>
      <div className="conv-main">
        <div className="conv-line">
          <span className={c.unread_count ? 'conv-name unread' : 'conv-name'} data-testid="row-name">
            {name}
          </span>
          <span className="conv-time">{timeOf(c.last_message_at)}</span>
        </div>
        <div className="conv-line">
          <span className="conv-preview" data-testid="row-preview">
            {type && (
              <span
                role="img"
                aria-label={t(`inbox.types.${type}`, { defaultValue: type })}
                title={t(`inbox.types.${type}`, { defaultValue: type })}
                data-testid="row-type"
                data-type={type}
              >
                {KIND_ICON[type] ?? '💬'}{' '}
              </span>
            )}
            {plain(c.last_message_preview ?? '')}
          </span>
          {c.unread_count > 0 && (
            <span className="conv-unread" data-testid="unread-badge">
              <span aria-hidden="true">{c.unread_count}</span>
              <span className="sr-only">{t('inbox.unreadCount', { count: c.unread_count })}</span>
            </span>
          )}
        </div>
        <div className="conv-tags">
          {w.open && w.leftMs !== null && w.leftMs < 2 * 3600_000 && (
            <span className="conv-tag warn">{t('inbox.windowClosesIn', { time: duration(w.leftMs) })}</span>
          )}
          {w.applies && !w.open && <span className="conv-tag">{t('inbox.windowClosed')}</span>}
          {assignee && (
            <span className="conv-assignee" title={assignee} role="img" aria-label={assignee}>
              {initials(c.assignee?.name)}
            </span>
          )}
          {c.linked_record && <span className="conv-tag">{c.linked_record.title ?? `${c.linked_record.type} ${c.linked_record.id}`}</span>}
          {c.labels.slice(0, 2).map((l) => (
            <span key={l} className="conv-tag label">
              {l}
            </span>
          ))}
        </div>
      </div>
    </div>
  );
});

/** The preview without WhatsApp's formatting marks (*bold* _italic_ ~strike~ ```mono```): the row shows plain text. */
function plain(text: string): string {
  return text.replace(/```/g, '').replace(/([*_~])(\S(?:[^\n]*?\S)?)\1/g, '$2');
}

function inPlace(shown: Conversation[], fresh: Conversation[]): { rows: Conversation[]; pending: number } {
  const byId = new Map(fresh.map((c) => [c.id, c]));
  const rows = shown.map((c) => byId.get(c.id) ?? c);
  const old = new Map(shown.map((c, i) => [c.id, i]));
  // Waiting: conversations new to the list, and those whose new activity moves them (each counted once).
  let pending = 0;
  for (const c of fresh) {
    const at = old.get(c.id);
    if (at === undefined) pending++;
    else if (shown[at]?.last_message_at !== c.last_message_at && fresh.indexOf(c) !== at) pending++;
  }
  return { rows, pending };
}

export function useRows(query: ReturnType<typeof useConversationList>): Conversation[] {
  return useMemo(() => query.data?.pages.flatMap((p) => p.data) ?? [], [query.data]);
}
