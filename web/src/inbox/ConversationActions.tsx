import { Button, Group, Menu } from '@mantine/core';
import type { Conversation, User } from '../api/types.ts';
import { useConversationCommands, useTeams, useUsers } from './queries.ts';

export function ConversationActions({ conversation: c, me }: { conversation: Conversation; me: User }) {
  const { t, assign, assignUser, unassign, handoff, setStatus } = useConversationCommands(c);
  const users = useUsers();
  const teams = useTeams();
  return (
    <Group gap={4} wrap="nowrap">
      {c.assignee?.id !== me.id && c.status !== 'closed' && (
        <Button size="compact-sm" variant="light" onClick={() => void assignUser(me)} data-testid="assign-me" visibleFrom="xs">
          {t('conv.assignMe')}
        </Button>
      )}
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button size="compact-sm" variant="default" data-testid="conversation-actions" aria-label={t('conv.actions')}>
            ⋯
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {c.status !== 'closed' && (
            <>
              <Menu.Item onClick={() => void assignUser(me)}>{t('conv.assignMe')}</Menu.Item>
              {(users.data ?? []).length > 0 && <Menu.Label>{t('conv.assignAgent')}</Menu.Label>}
              {(users.data ?? [])
                .filter((u) => u.id !== me.id)
                .map((u) => (
                  <Menu.Item key={u.id} onClick={() => void assignUser(u)} data-testid={`assign-user-${u.email}`}>
                    {u.name}
                  </Menu.Item>
                ))}
              {(teams.data ?? []).length > 0 && <Menu.Label>{t('conv.assignTeam')}</Menu.Label>}
              {(teams.data ?? []).map((tm) => (
                <Menu.Item key={tm.id} onClick={() => void assign({ team_id: tm.id })} data-testid={`assign-team-${tm.name}`}>
                  {tm.name}
                </Menu.Item>
              ))}
              <Menu.Divider />
              <Menu.Item onClick={() => void handoff()} data-testid="handoff">
                {t('conv.handoff')}
              </Menu.Item>
              {c.assignee && (
                <Menu.Item onClick={() => void unassign()} data-testid="unassign">
                  {t('conv.unassign')}
                </Menu.Item>
              )}
              <Menu.Divider />
              {c.status === 'active' && (
                <Menu.Item onClick={() => void setStatus('archived')} data-testid="archive-conversation">
                  {t('conv.archive')}
                </Menu.Item>
              )}
              {c.status === 'archived' && (
                <Menu.Item onClick={() => void setStatus('active')} data-testid="reopen-conversation">
                  {t('conv.reopen')}
                </Menu.Item>
              )}
              <Menu.Item color="red.9" onClick={() => void setStatus('closed')} data-testid="close-conversation">
                {t('conv.close')}
              </Menu.Item>
            </>
          )}
        </Menu.Dropdown>
      </Menu>
    </Group>
  );
}
