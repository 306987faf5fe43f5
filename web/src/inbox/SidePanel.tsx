import { Anchor, Badge, Button, Divider, Group, Pill, Stack, Table, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, del, get, put, qs } from '../api/client.ts';
import type { Conversation, Label, Page } from '../api/types.ts';
import { useMe } from '../api/session.ts';
import { patchLists } from './live-cache.ts';
import { useConversation } from './queries.ts';
import { contactName } from './format.ts';

interface ContactDetail {
  id: string;
  name: string | null;
  profile_name: string | null;
  phone: string | null;
  wa_id: string | null;
  username: string | null;
  attributes: Record<string, unknown>;
  opt_in: { state: string; changed_at: string | null };
  opt_in_history: { state: string; source: string; at: string | null }[];
  blocked: boolean;
}

/** Labels, the linked record and the contact panel beside the open conversation. */
export function SidePanel({ id }: { id: string }) {
  const q = useConversation(id);
  const c = q.data?.pages[0];
  if (!c) return null;
  return (
    <Stack p="sm" gap="sm" style={{ overflow: 'auto', height: '100%' }} data-testid="side-panel">
      <Labels c={c} />
      <Divider />
      <LinkedRecord c={c} />
      <Divider />
      <ContactPanel c={c} />
    </Stack>
  );
}

function Labels({ c }: { c: Conversation }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const me = useMe().data?.user;
  const all = useQuery({ queryKey: ['labels'], queryFn: () => get<{ data: Label[] }>('/labels').then((r) => r.data) });
  const [error, setError] = useState<string | null>(null);
  // Shown at once (a removed pill goes when its × is pressed), then what the server says.
  const [shown, setShown] = useState(c.labels);
  const [synced, setSynced] = useState(c.labels);
  if (synced !== c.labels) {
    setSynced(c.labels);
    setShown(c.labels);
  }
  const change = async (next: string[]) => {
    setError(null);
    setShown(next);
    try {
      for (const name of next.filter((n) => !c.labels.includes(n))) await put(`/conversations/${c.id}/labels/${encodeURIComponent(name)}`);
      for (const name of c.labels.filter((n) => !next.includes(n))) await del(`/conversations/${c.id}/labels/${encodeURIComponent(name)}`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setShown(c.labels);
    }
    await Promise.all([
      qc.invalidateQueries({ queryKey: ['conversation', c.id] }),
      // The list's row (its label chips) is patched in place, not every list refetched.
      me ? patchLists(qc, c.id, me.id) : qc.invalidateQueries({ queryKey: ['conversations'] }),
      qc.invalidateQueries({ queryKey: ['labels'] }),
    ]);
  };
  return (
    <TagsInput
      label={t('conv.labels')}
      placeholder={t('conv.addLabel')}
      data={(all.data ?? []).map((l) => l.name)}
      value={shown}
      onChange={(v) => void change(v)}
      error={error}
      data-testid="labels-input"
      size="xs"
      // Each pill's × names the label it removes (Mantine hides it from screen readers; Backspace in the field removes too).
      renderPill={({ value, onRemove, disabled }) => (
        <Pill
          withRemoveButton={!disabled}
          onRemove={onRemove}
          removeButtonProps={{ 'aria-label': t('conv.removeLabel', { name: value }), 'aria-hidden': false }}
          data-testid="label-pill"
        >
          {value}
        </Pill>
      )}
    />
  );
}

function LinkedRecord({ c }: { c: Conversation }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [form, setForm] = useState({ type: '', id: '', title: '', url: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const r = c.linked_record;
  const refresh = () =>
    Promise.all([qc.invalidateQueries({ queryKey: ['conversation', c.id] }), qc.invalidateQueries({ queryKey: ['conversations'] })]);
  const save = async () => {
    setError(null);
    try {
      await put(`/conversations/${c.id}/link`, {
        type: form.type,
        id: form.id,
        ...(form.title ? { title: form.title } : {}),
        ...(form.url ? { url: form.url } : {}),
      });
      setEditing(false);
      await refresh();
    } catch (err) {
      if (err instanceof ApiError) setError(err);
    }
  };
  const err = (f: string) => (error && (error.field === f || (!error.field && f === 'type')) ? error.message : undefined);
  return (
    <Stack gap={4} data-testid="linked-record">
      <Title order={3} size="h6">
        {t('conv.record')}
      </Title>
      {r && !editing && (
        <>
          <Text size="sm">
            {r.url && /^https?:\/\//.test(r.url) ? (
              <Anchor href={r.url} target="_blank" rel="noopener noreferrer">
                {r.title ?? `${r.type} ${r.id}`}
              </Anchor>
            ) : (
              (r.title ?? `${r.type} ${r.id}`)
            )}
          </Text>
          <Text size="xs" c="gray.7">
            {r.type} · {r.id}
          </Text>
          <KeyValues values={r.attributes} />
          <Button size="compact-xs" variant="subtle" color="red.9" onClick={() => void del(`/conversations/${c.id}/link`).then(refresh)}>
            {t('conv.unlink')}
          </Button>
        </>
      )}
      {!r && !editing && (
        <Button size="compact-xs" variant="light" onClick={() => setEditing(true)} data-testid="link-record">
          {t('conv.link')}
        </Button>
      )}
      {editing && (
        <Stack gap={4} data-testid="record-form">
          {(['type', 'id', 'title', 'url'] as const).map((f) => (
            <TextInput
              key={f}
              size="xs"
              label={t(`conv.record${f === 'id' ? 'Id' : f[0]!.toUpperCase() + f.slice(1)}` as 'conv.recordType')}
              value={form[f]}
              onChange={(e) => setForm({ ...form, [f]: e.currentTarget.value })}
              error={err(f)}
            />
          ))}
          <Group gap={4}>
            <Button size="compact-xs" onClick={() => void save()}>
              {t('conv.save')}
            </Button>
            <Button size="compact-xs" variant="default" onClick={() => setEditing(false)}>
              {t('conv.cancel')}
            </Button>
          </Group>
        </Stack>
      )}
    </Stack>
  );
}

function ContactPanel({ c }: { c: Conversation }) {
  const { t } = useTranslation();
  const contact = useQuery({
    queryKey: ['contact', c.contact.id],
    queryFn: () => get<ContactDetail>(`/contacts/${c.contact.id}`),
    retry: false,
  });
  const others = useQuery({
    queryKey: ['conversations', 'contact', c.contact.id],
    queryFn: () =>
      get<Page<Conversation>>(
        `/conversations${qs({ q: c.contact.wa_id ?? c.contact.phone ?? undefined, status: 'closed', limit: 10 })}`,
      ).then((r) => r.data.filter((x) => x.contact.id === c.contact.id && x.id !== c.id)),
    enabled: !!(c.contact.wa_id ?? c.contact.phone),
  });
  const d = contact.data;
  return (
    <Stack gap={4} data-testid="contact-panel">
      <Title order={3} size="h6">
        {t('conv.contact')}
      </Title>
      <Text fw={600} data-testid="contact-name">
        {contactName(c.contact)}
      </Text>
      <Table fz="xs" withRowBorders={false} verticalSpacing={2}>
        <Table.Tbody>
          <Table.Tr>
            <Table.Th>{t('conv.phone')}</Table.Th>
            <Table.Td>{c.contact.phone ?? '—'}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('conv.profileName', { channel: t(`channels.${c.channel}`) })}</Table.Th>
            <Table.Td>{c.contact.profile_name ?? '—'}</Table.Td>
          </Table.Tr>
          {c.contact.username && (
            <Table.Tr>
              <Table.Th>{t('conv.username')}</Table.Th>
              <Table.Td>{c.contact.username}</Table.Td>
            </Table.Tr>
          )}
          {d && (
            <>
              <Table.Tr>
                <Table.Th>{t('conv.optIn')}</Table.Th>
                <Table.Td>
                  <Badge
                    size="xs"
                    variant="outline"
                    color={d.opt_in.state === 'opted_out' ? 'red.9' : 'gray.8'}
                    data-testid="opt-in-state"
                    data-state={d.opt_in.state}
                    style={{ textTransform: 'none' }}
                  >
                    {t(`conv.optInStates.${d.opt_in.state}`, { defaultValue: d.opt_in.state })}
                  </Badge>
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t('conv.blocked')}</Table.Th>
                <Table.Td data-testid="blocked-state" data-blocked={d.blocked}>
                  {d.blocked ? t('conv.yes') : t('conv.no')}
                </Table.Td>
              </Table.Tr>
            </>
          )}
        </Table.Tbody>
      </Table>
      {d && d.opt_in_history.length > 0 && (
        <Stack gap={0}>
          {d.opt_in_history.slice(0, 5).map((e) => (
            <Text key={`${e.at}:${e.state}:${e.source}`} size="xs" c="gray.7" data-testid="opt-in-history">
              {e.at?.slice(0, 10)} · {t(`conv.optInStates.${e.state}`, { defaultValue: e.state })} · {e.source}
            </Text>
          ))}
        </Stack>
      )}
      {d && Object.keys(d.attributes ?? {}).length > 0 && (
        <>
          <Text size="xs" fw={600}>
            {t('conv.attributes')}
          </Text>
          <KeyValues values={d.attributes} />
        </>
      )}
      {(others.data ?? []).length > 0 && (
        <>
          <Text size="xs" fw={600}>
            {t('conv.otherConversations')}
          </Text>
          {others.data!.map((o) => (
            <Anchor key={o.id} size="xs" href={`/inbox/${o.id}`}>
              {o.last_message_at?.slice(0, 10)} · {o.last_message_preview ?? ''}
            </Anchor>
          ))}
        </>
      )}
    </Stack>
  );
}

function KeyValues({ values }: { values: Record<string, unknown> }) {
  return (
    <Table fz="xs" withRowBorders={false} verticalSpacing={0}>
      <Table.Tbody>
        {Object.entries(values).map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th>{k}</Table.Th>
            <Table.Td>{typeof v === 'string' ? v : JSON.stringify(v)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
