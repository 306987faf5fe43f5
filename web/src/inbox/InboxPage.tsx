import { Checkbox, Drawer, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedCallback, useWindowEvent } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { lazy, memo, type RefObject, Suspense, useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { get } from '../api/client.ts';
import { useMe } from '../api/session.ts';
import type { Label } from '../api/types.ts';
import { useFirstPaintDone } from '../shell/first-paint.ts';
import { isTyping } from '../shell/keys.ts';
import { ConversationList, useConversationList, useRows } from './ConversationList.tsx';
import { CHANNELS, type InboxFilters, useInboxFilters } from './filters.ts';
import { useConversation, useConversationCommands, useTeams } from './queries.ts';

// The conversation and its side panel load when one is opened: the list paints first.
const ConversationView = lazy(() => import('./ConversationView.tsx').then((m) => ({ default: m.ConversationView })));
const SidePanel = lazy(() => import('./SidePanel.tsx').then((m) => ({ default: m.SidePanel })));

/** The inbox: filters and the live list; the open conversation; its labels, record and contact. */
export function InboxPage() {
  const { t } = useTranslation();
  const me = useMe().data!.user!;
  const { conversationId } = useParams();
  const navigate = useNavigate();
  const [filters, setFilters, search] = useInboxFilters();
  const query = useConversationList(filters);
  const rows = useRows(query);
  const searchBox = useRef<HTMLInputElement>(null);
  const [details, setDetails] = useState(false);
  // The filters render right after the first rows paint (shell/first-paint.ts).
  const painted = useFirstPaintDone();
  // Stable for the memoised filter bar (a new one each render would re-render its selects on every list page).
  const setRef = useRef(setFilters);
  setRef.current = setFilters;
  const onFilters = useCallback((patch: Partial<InboxFilters>) => setRef.current(patch), []);

  const open = (id: string) => void navigate(`/inbox/${id}${search}`);

  // Keyboard: j/k next/previous, / search, r composer, a assign to me, c close (docs/web-app.md).
  useWindowEvent('keydown', (e) => {
    if (isTyping(e)) return;
    const at = rows.findIndex((r) => r.id === conversationId);
    if (e.key === 'j' || e.key === 'k') {
      const next = rows[e.key === 'j' ? Math.min(rows.length - 1, at + 1) : Math.max(0, at - 1)];
      if (next) open(next.id);
    } else if (e.key === '/') {
      e.preventDefault();
      searchBox.current?.focus();
    } else if (e.key === 'r') {
      e.preventDefault();
      document.getElementById('composer-text')?.focus();
    } else return;
  });

  return (
    <div className="inbox-grid" data-open={conversationId ? 'true' : 'false'}>
      <section className="pane list-pane" aria-label={t('inbox.title')}>
        {/* The same height before and after, so the list does not move when the filters come. */}
        <div className="filter-bar">
          {painted && (
            <FilterBar
              view={filters.view}
              status={filters.status}
              label={filters.label}
              channel={filters.channel}
              unread={filters.unread}
              q={filters.q}
              onChange={onFilters}
              searchBox={searchBox}
              ready={!query.isPending}
            />
          )}
        </div>
        {/* A new filter is a new list: rows held under the pointer belong to the old one. */}
        <ConversationList
          key={JSON.stringify(filters)}
          filters={filters}
          selectedId={conversationId}
          onOpen={open}
          rows={rows}
          query={query}
        />
      </section>
      <section className="pane conv-pane" aria-label={t('conv.details')}>
        {conversationId ? (
          <>
            <ConversationKeys id={conversationId} />
            <Suspense fallback={null}>
              <ConversationView
                key={conversationId}
                id={conversationId}
                me={me}
                onBack={() => void navigate(`/inbox${search}`)}
                onDetails={() => setDetails(true)}
              />
              <Drawer opened={details} onClose={() => setDetails(false)} position="right" title={t('conv.details')} size="sm">
                <SidePanel id={conversationId} />
              </Drawer>
            </Suspense>
          </>
        ) : (
          <NothingOpen unread={rows.filter((r) => r.unread_count > 0).length} />
        )}
      </section>
      <aside className="pane side-pane" aria-label={t('conv.details')}>
        {conversationId && (
          <Suspense fallback={null}>
            <SidePanel id={conversationId} />
          </Suspense>
        )}
      </aside>
    </div>
  );
}

/** The conversation column before one is opened: what to do next, and how much waits (on a laptop the side panel folds away). */
function NothingOpen({ unread }: { unread: number }) {
  const { t } = useTranslation();
  return (
    <div className="nothing-open" data-testid="nothing-open">
      <Text fw={700}>{t('inbox.pickTitle')}</Text>
      <Text size="sm" c="gray.7">
        {t('inbox.pick')}
      </Text>
      {unread > 0 && <Text size="sm">{t('inbox.pickUnread', { count: unread })}</Text>}
      <Text size="sm" c="gray.7">
        {t('inbox.pickKeys')}
      </Text>
    </div>
  );
}

/**
 * Search and filters. Memoised on its plain props: the page re-renders for every list page and
 * live update, and Mantine's selects are costly to render. The teams and labels it offers are
 * asked for once the list's first page is in (`ready`): the list is what the agent waits for.
 */
const FilterBar = memo(function FilterBar(props: {
  view: string;
  status: string;
  label: string;
  channel: string;
  unread: boolean;
  q: string;
  onChange: (patch: Partial<InboxFilters>) => void;
  searchBox: RefObject<HTMLInputElement | null>;
  ready: boolean;
}) {
  const { t } = useTranslation();
  const me = useMe().data!.user!;
  const { onChange } = props;
  const teams = useTeams(props.ready);
  const labels = useQuery({
    queryKey: ['labels'],
    queryFn: () => get<{ data: Label[] }>('/labels').then((r) => r.data),
    enabled: props.ready,
  });
  const [q, setQ] = useState(props.q);
  const pushQ = useDebouncedCallback((v: string) => onChange({ q: v }), 300);
  const views = [
    { value: 'all', label: t('inbox.all') },
    { value: 'mine', label: t('inbox.mine') },
    { value: 'unassigned', label: t('inbox.unassigned') },
    ...(teams.data ?? [])
      .filter((tm) => me.role === 'admin' || me.team_ids.includes(tm.id))
      .map((tm) => ({ value: `team:${tm.id}`, label: tm.name })),
  ];
  return (
    <Stack gap={6} p="xs">
      <TextInput
        ref={props.searchBox}
        size="xs"
        type="search"
        aria-label={t('inbox.search')}
        placeholder={t('inbox.search')}
        value={q}
        onChange={(e) => {
          setQ(e.currentTarget.value);
          pushQ(e.currentTarget.value);
        }}
        data-testid="search"
      />
      <Group gap={6} grow wrap="nowrap">
        <Select
          size="xs"
          aria-label={t('inbox.view')}
          data={views}
          value={props.view}
          onChange={(v) => onChange({ view: v ?? 'all' })}
          allowDeselect={false}
          data-testid="filter-view"
        />
        <Select
          size="xs"
          aria-label={t('inbox.status')}
          data={(['active', 'archived', 'closed'] as const).map((s) => ({ value: s, label: t(`inbox.${s}`) }))}
          value={props.status}
          onChange={(v) => onChange({ status: v ?? 'active' })}
          allowDeselect={false}
          data-testid="filter-status"
        />
      </Group>
      <Group gap={6} grow wrap="nowrap">
        <Select
          size="xs"
          aria-label={t('inbox.label')}
          data={[{ value: '', label: t('inbox.anyLabel') }, ...(labels.data ?? []).map((l) => ({ value: l.name, label: l.name }))]}
          value={props.label}
          onChange={(v) => onChange({ label: v ?? '' })}
          allowDeselect={false}
          data-testid="filter-label"
        />
        <Select
          size="xs"
          aria-label={t('inbox.channel')}
          data={[{ value: '', label: t('inbox.anyChannel') }, ...CHANNELS.map((c) => ({ value: c, label: t(`channels.${c}`) }))]}
          value={props.channel}
          onChange={(v) => onChange({ channel: v ?? '' })}
          allowDeselect={false}
          data-testid="filter-channel"
        />
        <Checkbox
          size="xs"
          label={t('inbox.unread')}
          checked={props.unread}
          onChange={(e) => onChange({ unread: e.currentTarget.checked })}
          data-testid="filter-unread"
        />
      </Group>
    </Stack>
  );
});

/** `a` assigns the open conversation to me, `c` closes it. */
function ConversationKeys({ id }: { id: string }) {
  const me = useMe().data!.user!;
  const c = useConversation(id).data?.pages[0];
  const commands = useConversationCommands(c ?? ({ id } as never));
  useWindowEvent('keydown', (e) => {
    if (isTyping(e) || !c) return;
    if (e.key === 'a') void commands.assignUser(me);
    if (e.key === 'c' && c.status !== 'closed') void commands.setStatus('closed');
  });
  return null;
}
