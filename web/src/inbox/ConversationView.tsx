import { ActionIcon, Badge, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Fragment, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../api/client.ts';
import type { Message, Note, User } from '../api/types.ts';
import { AiDrafts } from './AiDrafts.tsx';
import { ChannelBadge } from './ChannelBadge.tsx';
import { Composer } from './Composer.tsx';
import { ConversationActions } from './ConversationActions.tsx';
import { contactName, dayLabel, duration, windowState } from './format.ts';
import { MessageItem, NoteItem } from './MessageItem.tsx';
import { useConversation } from './queries.ts';
import { ReplyContext } from './reply-context.ts';
import { patchLists } from './live-cache.ts';

type Item = { at: string; message: Message } | { at: string; note: Note };

/** The conversation: its history (older pages on scroll-up), notes inline, day separators, the composer. */
export function ConversationView({ id, me, onBack, onDetails }: { id: string; me: User; onBack: () => void; onDetails: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const q = useConversation(id);
  const scroller = useRef<HTMLDivElement>(null);
  const head = q.data?.pages[0];
  const stick = useRef(true);
  const prevHeight = useRef(0);
  const [replyTo, setReplyTo] = useState<Message | null>(null);

  const items = useMemo<Item[]>(() => {
    if (!q.data) return [];
    const messages = [...q.data.pages].reverse().flatMap((p) => p.messages);
    const notes = q.data.pages[0]?.notes ?? [];
    const oldest = messages[0]?.sent_at ?? messages[0]?.created_at;
    const all: Item[] = [
      ...messages.map((m) => ({ at: m.sent_at ?? m.created_at, message: m })),
      ...notes.filter((n) => !q.hasNextPage || !oldest || n.created_at >= oldest).map((n) => ({ at: n.created_at, note: n })),
    ];
    return all.sort((a, b) => a.at.localeCompare(b.at));
  }, [q.data, q.hasNextPage]);
  const byExternalId = useMemo(
    () => new Map(items.flatMap((i) => ('message' in i && i.message.external_id ? [[i.message.external_id, i.message] as const] : []))),
    [items],
  );
  // Reactions show under the message they react to (the latest one from each side; "" removes it).
  const reactions = useMemo(() => {
    const latest = new Map<string, Map<string, string>>();
    const folded = new Set<string>();
    const byId = new Map(items.flatMap((i) => ('message' in i ? [[i.message.id, i.message] as const] : [])));
    for (const i of items) {
      if (!('message' in i) || i.message.kind !== 'reaction') continue;
      const target = reactionTarget(i.message);
      const msg = target ? (byExternalId.get(target) ?? byId.get(target)) : undefined;
      if (!msg) continue;
      folded.add(i.message.id);
      const side = latest.get(msg.id) ?? new Map<string, string>();
      side.set(i.message.direction, reactionEmoji(i.message));
      latest.set(msg.id, side);
    }
    const shown = new Map<string, string[]>();
    for (const [id, side] of latest) shown.set(id, [...side.values()].filter(Boolean));
    return { shown, folded };
  }, [items, byExternalId]);

  // Opening it (or a new message arriving while open) clears the unread count: the customer gets blue ticks.
  useEffect(() => {
    if (head && head.unread_count > 0) {
      void post(`/conversations/${id}/read`).then(() => patchLists(qc, id, me.id));
    }
  }, [head, id, qc, me.id]);

  // Stay at the bottom for new messages unless the agent scrolled up; keep the place when older ones load above.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the items change (their DOM is what it measures)
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (stick.current) el.scrollTop = el.scrollHeight;
    else if (prevHeight.current && el.scrollHeight > prevHeight.current && el.scrollTop < 50)
      el.scrollTop += el.scrollHeight - prevHeight.current;
    prevHeight.current = el.scrollHeight;
  }, [items]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 80 && q.hasNextPage && !q.isFetchingNextPage) void q.fetchNextPage();
  };

  if (q.isPending) return <Loader m="md" aria-label={t('app.loading')} />;
  if (q.isError || !head)
    return (
      <Text c="red.9" p="md">
        {t('app.error', { message: q.error?.message ?? '' })}
      </Text>
    );
  const w = windowState(head);
  let lastDay = '';

  return (
    <ReplyContext.Provider value={{ replyTo, setReplyTo }}>
      <Stack gap={0} h="100%" style={{ minHeight: 0 }} data-testid="conversation" data-conversation-id={id}>
        <Group px="sm" py={6} justify="space-between" wrap="nowrap" style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
          <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
            <ActionIcon variant="subtle" onClick={onBack} hiddenFrom="sm" aria-label={t('inbox.back')}>
              ←
            </ActionIcon>
            <div style={{ minWidth: 0 }}>
              <Title order={2} size="h5" lineClamp={1} data-testid="conversation-title">
                {contactName(head.contact)}
              </Title>
              <Group gap={4}>
                <ChannelBadge channel={head.channel} label />
                <Text size="xs" c="gray.7">
                  {head.contact.phone ?? head.contact.username ?? ''}
                </Text>
                {/* No window on a channel without one (Telegram): nothing to count down. */}
                {w.applies && (
                  <Badge
                    size="xs"
                    variant="outline"
                    color={w.open ? (w.leftMs! < 2 * 3600_000 ? '#8a3c00' : '#1e6b30') : 'gray.8'}
                    data-testid="window-state"
                    data-open={w.open}
                  >
                    {w.open ? t('inbox.windowClosesIn', { time: duration(w.leftMs!) }) : t('inbox.windowClosed')}
                  </Badge>
                )}
                <Badge size="xs" variant="outline" color="gray.8">
                  {t(`inbox.${head.status}`)}
                </Badge>
              </Group>
            </div>
          </Group>
          <Group gap={4} wrap="nowrap">
            <Button size="compact-sm" variant="default" onClick={onDetails} hiddenFrom="lg" data-testid="details-button">
              {t('conv.details')}
            </Button>
            <ConversationActions conversation={head} me={me} />
          </Group>
        </Group>
        <div
          ref={scroller}
          onScroll={onScroll}
          style={{ flex: 1, overflow: 'auto', padding: 12, display: 'flex', flexDirection: 'column', gap: 6 }}
          data-testid="history"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: the scrolling history takes focus so the keyboard can scroll it (axe scrollable-region-focusable)
          tabIndex={0}
          role="log"
          aria-label={t('conv.history')}
        >
          {q.hasNextPage ? (
            <Button
              variant="subtle"
              size="xs"
              onClick={() => void q.fetchNextPage()}
              loading={q.isFetchingNextPage}
              style={{ alignSelf: 'center' }}
            >
              {t('conv.loadOlder')}
            </Button>
          ) : (
            <Text size="xs" c="gray.7" ta="center">
              {t('conv.noMore')}
            </Text>
          )}
          {items.map((item) => {
            if ('message' in item && reactions.folded.has(item.message.id)) return null;
            const day = new Date(item.at).toDateString();
            const sep = day !== lastDay;
            lastDay = day;
            return (
              <Fragment key={'message' in item ? item.message.id : item.note.id}>
                {sep && <div className="day-sep">{dayLabel(item.at)}</div>}
                {'message' in item ? (
                  <MessageItem
                    m={item.message}
                    quoted={item.message.reply_to ? byExternalId.get(item.message.reply_to) : undefined}
                    reactions={reactions.shown.get(item.message.id)}
                  />
                ) : (
                  <NoteItem n={item.note} />
                )}
              </Fragment>
            );
          })}
        </div>
        <AiDrafts conversation={head} />
        <Composer conversation={head} me={me} />
      </Stack>
    </ReplyContext.Provider>
  );
}

/** The message a reaction points at: its wamid (the customer's) or our id or wamid (ours). */
function reactionTarget(m: Message): string | null {
  const c = m.content ?? {};
  const r = c.reaction ?? c;
  const id = r.message_id ?? r.messageId;
  return typeof id === 'string' ? id : null;
}

function reactionEmoji(m: Message): string {
  const c = m.content ?? {};
  const e = c.reaction?.emoji ?? c.emoji;
  return typeof e === 'string' ? e : '';
}
