import {
  Alert,
  Button,
  Code,
  Group,
  MultiSelect,
  NavLink,
  Paper,
  ScrollArea,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, del, get, patch, post, put } from '../api/client.ts';
import { useMe } from '../api/session.ts';
import type { ApiToken, CannedReply, EventWebhook, Label, Team, User } from '../api/types.ts';
import { ALL_EVENTS, EVENT_TYPES } from '../../../src/event-webhooks/event-types.ts';
import { ApiForm } from './forms.tsx';

const SECTIONS = ['users', 'teams', 'tokens', 'webhooks', 'labels', 'canned'] as const;
type Section = (typeof SECTIONS)[number];
// The API's own catalog (a pure module with no imports): a new event type is offered at once.
const EVENT_OPTIONS = [ALL_EVENTS, ...EVENT_TYPES];
const SCOPES = ['conversations:read', 'conversations:write', 'contacts:read', 'contacts:write', 'admin'];

/** Settings for administrators: users, teams, API tokens, event webhooks, labels, canned replies. Loaded lazily. */
export default function SettingsPage() {
  const { t } = useTranslation();
  const me = useMe().data?.user;
  const section = (useParams().section ?? 'users') as Section;
  const navigate = useNavigate();
  if (me?.role !== 'admin') return <Text p="md">{t('settings.adminOnly')}</Text>;
  return (
    <Group align="stretch" gap={0} h="100%" wrap="nowrap" style={{ minHeight: 0 }}>
      <Stack
        component="nav"
        aria-label={t('settings.title')}
        gap={0}
        p="xs"
        w={190}
        visibleFrom="sm"
        style={{ borderRight: '1px solid var(--mantine-color-gray-3)' }}
      >
        {SECTIONS.map((s) => (
          <NavLink key={s} component={Link} to={`/settings/${s}`} label={t(`settings.${s}`)} active={s === section} />
        ))}
      </Stack>
      <ScrollArea style={{ flex: 1 }} p="md">
        <Select
          hiddenFrom="sm"
          mb="sm"
          aria-label={t('settings.title')}
          data={SECTIONS.map((s) => ({ value: s, label: t(`settings.${s}`) }))}
          value={section}
          onChange={(v) => v && void navigate(`/settings/${v}`)}
          allowDeselect={false}
        />
        <Title order={2} size="h3" mb="md">
          {t(`settings.${section}`)}
        </Title>
        {section === 'users' && <Users me={me} />}
        {section === 'teams' && <Teams />}
        {section === 'tokens' && <Tokens />}
        {section === 'webhooks' && <Webhooks />}
        {section === 'labels' && <Labels />}
        {section === 'canned' && <Canned />}
      </ScrollArea>
    </Group>
  );
}

function useList<T>(key: string, path: string) {
  return useQuery({ queryKey: ['settings', key], queryFn: () => get<{ data: T[] }>(path).then((r) => r.data) });
}

function Card({ children, title, testId }: { children: ReactNode; title?: string; testId?: string }) {
  return (
    <Paper withBorder p="sm" mb="md" data-testid={testId}>
      {title && (
        <Title order={3} size="h5" mb="xs">
          {title}
        </Title>
      )}
      {children}
    </Paper>
  );
}

function useAction() {
  const qc = useQueryClient();
  const { t } = useTranslation();
  return async (fn: () => Promise<unknown>, key: string, done = t('settings.saved')) => {
    try {
      await fn();
      notifications.show({ message: done, color: 'teal' });
    } catch (err) {
      notifications.show({ message: err instanceof ApiError ? err.message : String(err), color: 'red' });
    }
    await qc.invalidateQueries({ queryKey: ['settings', key] });
  };
}

function Users({ me }: { me: User }) {
  const { t } = useTranslation();
  const users = useList<User>('users', '/users');
  const qc = useQueryClient();
  const act = useAction();
  const roles = [
    { value: 'agent', label: t('settings.agentRole') },
    { value: 'admin', label: t('settings.admin') },
  ];
  const vis = [
    { value: 'all', label: t('settings.visAll') },
    { value: 'assigned_and_team', label: t('settings.visTeam') },
  ];
  return (
    <>
      <Card title={t('settings.create')}>
        <ApiForm
          testId="user-form"
          submitLabel={t('settings.create')}
          fields={[
            { name: 'email', label: t('settings.email'), kind: 'email' },
            { name: 'name', label: t('settings.name') },
            { name: 'password', label: t('settings.password'), kind: 'password' },
            { name: 'role', label: t('settings.role'), kind: 'select', options: roles, initial: 'agent' },
            { name: 'visibility', label: t('settings.visibility'), kind: 'select', options: vis, initial: 'all' },
            { name: 'capacity', label: t('settings.capacity'), kind: 'number' },
          ]}
          onSubmit={async (v) => {
            await post('/users', v);
            notifications.show({ message: t('settings.created'), color: 'teal' });
            await qc.invalidateQueries({ queryKey: ['settings', 'users'] });
            await qc.invalidateQueries({ queryKey: ['users'] });
          }}
        />
      </Card>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than a phone scrolls sideways, by keyboard too (axe scrollable-region-focusable) */}
      <section className="table-scroll" tabIndex={0} aria-label={t('settings.users')}>
        <Table striped miw={900} data-testid="users-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('settings.name')}</Table.Th>
              <Table.Th>{t('settings.role')}</Table.Th>
              <Table.Th>{t('settings.visibility')}</Table.Th>
              <Table.Th>{t('settings.availability')}</Table.Th>
              <Table.Th>{t('settings.capacity')}</Table.Th>
              <Table.Th>{t('settings.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(users.data ?? []).map((u) => (
              <Table.Tr key={u.id} data-testid="user-row">
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {u.name}
                  </Text>
                  <Text size="xs" c="gray.7">
                    {u.email}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Select
                    size="xs"
                    miw={130}
                    aria-label={`${t('settings.role')}: ${u.name}`}
                    data={roles}
                    value={u.role}
                    onChange={(v) => v && void act(() => patch(`/users/${u.id}`, { role: v }), 'users')}
                    allowDeselect={false}
                  />
                </Table.Td>
                <Table.Td>
                  <Select
                    size="xs"
                    miw={130}
                    aria-label={`${t('settings.visibility')}: ${u.name}`}
                    data={vis}
                    value={u.visibility}
                    onChange={(v) => v && void act(() => patch(`/users/${u.id}`, { visibility: v }), 'users')}
                    allowDeselect={false}
                  />
                </Table.Td>
                <Table.Td>
                  <Select
                    size="xs"
                    miw={110}
                    aria-label={`${t('settings.availability')}: ${u.name}`}
                    data={(['online', 'away', 'offline'] as const).map((a) => ({ value: a, label: t(`header.${a}`) }))}
                    value={u.availability}
                    onChange={(v) => v && void act(() => patch(`/users/${u.id}`, { availability: v }), 'users')}
                    allowDeselect={false}
                  />
                </Table.Td>
                <Table.Td>
                  <CapacityCell user={u} />
                </Table.Td>
                <Table.Td>
                  {u.id !== me.id && (
                    <Button
                      size="compact-xs"
                      color="red.9"
                      variant="subtle"
                      onClick={() =>
                        window.confirm(t('settings.confirmDelete', { name: u.name })) &&
                        void act(() => del(`/users/${u.id}`), 'users', t('settings.deleted'))
                      }
                    >
                      {t('settings.delete')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </section>
    </>
  );
}

function Teams() {
  const { t } = useTranslation();
  const teams = useList<Team>('teams', '/teams');
  const users = useList<User>('users', '/users');
  const act = useAction();
  const qc = useQueryClient();
  const setMembers = async (team: Team, next: string[]) => {
    const now = team.member_ids ?? [];
    for (const id of next.filter((x) => !now.includes(x))) await put(`/teams/${team.id}/members/${id}`);
    for (const id of now.filter((x) => !next.includes(x))) await del(`/teams/${team.id}/members/${id}`);
  };
  return (
    <>
      <Card title={t('settings.create')}>
        <ApiForm
          testId="team-form"
          submitLabel={t('settings.create')}
          fields={[
            { name: 'name', label: t('settings.name') },
            { name: 'description', label: t('settings.description') },
          ]}
          onSubmit={async (v) => {
            await post('/teams', v);
            await qc.invalidateQueries({ queryKey: ['settings', 'teams'] });
          }}
        />
      </Card>
      {(teams.data ?? []).map((team) => (
        <Card key={team.id} title={team.name} testId="team-card">
          <MultiSelect
            label={t('settings.members')}
            data={(users.data ?? []).map((u) => ({ value: u.id, label: u.name }))}
            value={team.member_ids ?? []}
            onChange={(v) => void act(() => setMembers(team, v), 'teams')}
            searchable
          />
          <Button
            mt="xs"
            size="compact-xs"
            color="red.9"
            variant="subtle"
            onClick={() =>
              window.confirm(t('settings.confirmDelete', { name: team.name })) &&
              void act(() => del(`/teams/${team.id}`), 'teams', t('settings.deleted'))
            }
          >
            {t('settings.delete')}
          </Button>
        </Card>
      ))}
    </>
  );
}

function Tokens() {
  const { t } = useTranslation();
  const tokens = useList<ApiToken>('tokens', '/tokens');
  const act = useAction();
  const qc = useQueryClient();
  const [shown, setShown] = useState<string | null>(null);
  return (
    <>
      {shown && (
        <Alert
          color="yellow"
          mb="md"
          title={t('settings.tokenOnce')}
          withCloseButton
          onClose={() => setShown(null)}
          data-testid="new-token"
        >
          <Code block>{shown}</Code>
        </Alert>
      )}
      <Card title={t('settings.create')}>
        <ApiForm
          testId="token-form"
          submitLabel={t('settings.create')}
          fields={[
            { name: 'name', label: t('settings.name') },
            { name: 'scopes', label: t('settings.scopes'), kind: 'multi', options: SCOPES.map((s) => ({ value: s, label: s })) },
            { name: 'password', label: t('settings.yourPassword'), kind: 'password' },
          ]}
          onSubmit={async (v) => {
            const created = await post<ApiToken>('/tokens', v);
            setShown(created.token ?? null);
            await qc.invalidateQueries({ queryKey: ['settings', 'tokens'] });
          }}
        />
      </Card>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than a phone scrolls sideways, by keyboard too (axe scrollable-region-focusable) */}
      <section className="table-scroll" tabIndex={0} aria-label={t('settings.tokens')}>
        <Table striped miw={560} data-testid="tokens-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('settings.name')}</Table.Th>
              <Table.Th>{t('settings.scopes')}</Table.Th>
              <Table.Th>{t('settings.lastUsed')}</Table.Th>
              <Table.Th>{t('settings.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(tokens.data ?? []).map((tk) => (
              <Table.Tr key={tk.id} data-testid="token-row">
                <Table.Td>{tk.name}</Table.Td>
                <Table.Td>{tk.scopes.join(', ')}</Table.Td>
                <Table.Td>{tk.last_used_at?.slice(0, 16).replace('T', ' ') ?? t('settings.never')}</Table.Td>
                <Table.Td>
                  <Button
                    size="compact-xs"
                    color="red.9"
                    variant="subtle"
                    onClick={() => void act(() => del(`/tokens/${tk.id}`), 'tokens', t('settings.deleted'))}
                  >
                    {t('settings.revoke')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </section>
    </>
  );
}

interface Delivery {
  id: string;
  event: { type: string };
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
}

/** A user's capacity, saved on Enter or leaving the field (empty: no limit); the API's refusal shows under it. */
function CapacityCell({ user }: { user: User }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [value, setValue] = useState(user.capacity === null ? '' : String(user.capacity));
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    const next = value.trim() === '' ? null : Number(value);
    if (next === user.capacity) return;
    try {
      await patch(`/users/${user.id}`, { capacity: next });
      setError(null);
      notifications.show({ message: t('settings.saved'), color: 'teal' });
      await qc.invalidateQueries({ queryKey: ['settings', 'users'] });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <TextInput
      size="xs"
      w={110}
      inputMode="numeric"
      aria-label={`${t('settings.capacity')}: ${user.name}`}
      placeholder={t('settings.noLimit')}
      value={value}
      onChange={(e) => setValue(e.currentTarget.value)}
      onBlur={() => void save()}
      onKeyDown={(e) => e.key === 'Enter' && void save()}
      error={error}
      data-testid="capacity-input"
    />
  );
}

function Webhooks() {
  const { t } = useTranslation();
  const hooks = useList<EventWebhook>('webhooks', '/webhooks');
  const act = useAction();
  const qc = useQueryClient();
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      {secret && (
        <Alert color="yellow" mb="md" title={t('settings.secretOnce')} withCloseButton onClose={() => setSecret(null)}>
          <Code block>{secret}</Code>
        </Alert>
      )}
      <Card title={t('settings.create')}>
        <ApiForm
          testId="webhook-form"
          submitLabel={t('settings.create')}
          fields={[
            { name: 'url', label: t('settings.url') },
            { name: 'events', label: t('settings.events'), kind: 'multi', options: EVENT_OPTIONS.map((e) => ({ value: e, label: e })) },
            { name: 'description', label: t('settings.description') },
          ]}
          onSubmit={async (v) => {
            const created = await post<EventWebhook>('/webhooks', v);
            setSecret(created.secret ?? null);
            await qc.invalidateQueries({ queryKey: ['settings', 'webhooks'] });
          }}
        />
      </Card>
      {(hooks.data ?? []).map((h) => (
        <Card key={h.id} testId="webhook-row">
          <Group justify="space-between">
            <div>
              <Text fw={600} size="sm">
                {h.url}
              </Text>
              <Text size="xs" c="gray.7">
                {h.events.join(', ')}
              </Text>
            </div>
            <Group gap={4}>
              <Button size="compact-xs" variant="light" onClick={() => void act(() => post(`/webhooks/${h.id}/test`), 'deliveries')}>
                {t('settings.test')}
              </Button>
              <Button size="compact-xs" variant="default" onClick={() => setOpen(open === h.id ? null : h.id)}>
                {t('settings.deliveries')}
              </Button>
              <Button
                size="compact-xs"
                color="red.9"
                variant="subtle"
                onClick={() => void act(() => del(`/webhooks/${h.id}`), 'webhooks', t('settings.deleted'))}
              >
                {t('settings.delete')}
              </Button>
            </Group>
          </Group>
          {open === h.id && <Deliveries hookId={h.id} />}
        </Card>
      ))}
    </>
  );
}

function Deliveries({ hookId }: { hookId: string }) {
  const { t } = useTranslation();
  const list = useQuery({
    queryKey: ['settings', 'deliveries', hookId],
    queryFn: () => get<{ data: Delivery[] }>(`/webhooks/${hookId}/deliveries`).then((r) => r.data),
    refetchInterval: 3000,
  });
  const act = useAction();
  return (
    <Table fz="xs" mt="xs">
      <Table.Tbody>
        {(list.data ?? []).map((d) => (
          <Table.Tr key={d.id} data-testid="delivery-row">
            <Table.Td>{d.created_at.slice(0, 19).replace('T', ' ')}</Table.Td>
            <Table.Td>{d.event.type}</Table.Td>
            <Table.Td>
              {d.status} ({d.attempts}) {d.last_status_code ?? ''} {d.last_error ?? ''}
            </Table.Td>
            <Table.Td>
              <Button
                size="compact-xs"
                variant="subtle"
                onClick={() => void act(() => post(`/webhooks/${hookId}/deliveries/${d.id}/replay`), 'deliveries')}
              >
                {t('settings.replay')}
              </Button>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Labels() {
  const { t } = useTranslation();
  const labels = useList<Label>('labels', '/labels');
  const act = useAction();
  const qc = useQueryClient();
  return (
    <>
      <Card title={t('settings.create')}>
        <ApiForm
          testId="label-form"
          submitLabel={t('settings.create')}
          fields={[
            { name: 'name', label: t('settings.name') },
            { name: 'color', label: t('settings.color') },
          ]}
          onSubmit={async (v) => {
            await post('/labels', v);
            await qc.invalidateQueries({ queryKey: ['settings', 'labels'] });
          }}
        />
      </Card>
      <Table striped>
        <Table.Tbody>
          {(labels.data ?? []).map((l) => (
            <Table.Tr key={l.id} data-testid="label-row">
              <Table.Td>{l.name}</Table.Td>
              <Table.Td>{l.conversations ?? ''}</Table.Td>
              <Table.Td>
                <Button
                  size="compact-xs"
                  color="red.9"
                  variant="subtle"
                  onClick={() => void act(() => del(`/labels/${l.id}`), 'labels', t('settings.deleted'))}
                >
                  {t('settings.delete')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}

function Canned() {
  const { t } = useTranslation();
  const canned = useList<CannedReply>('canned', '/canned-replies');
  const act = useAction();
  const qc = useQueryClient();
  return (
    <>
      <Card title={t('settings.create')}>
        <ApiForm
          testId="canned-form"
          submitLabel={t('settings.create')}
          fields={[
            { name: 'shortcut', label: t('settings.shortcut') },
            { name: 'text', label: t('settings.text'), kind: 'textarea' },
          ]}
          onSubmit={async (v) => {
            await post('/canned-replies', v);
            await qc.invalidateQueries({ queryKey: ['settings', 'canned'] });
            await qc.invalidateQueries({ queryKey: ['canned'] });
          }}
        />
      </Card>
      <Table striped>
        <Table.Tbody>
          {(canned.data ?? []).map((c) => (
            <Table.Tr key={c.id}>
              <Table.Td>/{c.shortcut}</Table.Td>
              <Table.Td style={{ whiteSpace: 'pre-wrap' }}>{c.text}</Table.Td>
              <Table.Td>
                <Button
                  size="compact-xs"
                  color="red.9"
                  variant="subtle"
                  onClick={() => void act(() => del(`/canned-replies/${c.id}`), 'canned', t('settings.deleted'))}
                >
                  {t('settings.delete')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}
