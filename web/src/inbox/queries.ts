import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiError, get, patch, post, qs } from '../api/client.ts';
import { useMe } from '../api/session.ts';
import { patchLists } from './live-cache.ts';
import type { Agent, CannedReply, Conversation, ConversationDetail, Team, User } from '../api/types.ts';

// Server state shared by the inbox's eagerly loaded parts and the lazily loaded conversation view.

export function useCanned() {
  return useQuery({ queryKey: ['canned'], queryFn: () => get<{ data: CannedReply[] }>('/canned-replies').then((r) => r.data) });
}

/** Agents to assign and @mention (GET /api/v1/agents, readable by every agent). */
export function useUsers() {
  return useQuery({ queryKey: ['users'], queryFn: () => get<{ data: Agent[] }>('/agents').then((r) => r.data), retry: false });
}

/** `enabled: false` holds the request back (the inbox asks once its list is in, so the list is answered first). */
export function useTeams(enabled = true) {
  return useQuery({ queryKey: ['teams'], queryFn: () => get<{ data: Team[] }>('/teams').then((r) => r.data), retry: false, enabled });
}

/** Assign (me, an agent, a team), hand off, unassign; archive, close, reopen. */
export function useConversationCommands(c: Conversation) {
  const qc = useQueryClient();
  const { t } = useTranslation();
  const me = useMe().data?.user;
  const run = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      notifications.show({ color: 'red', message: err instanceof ApiError ? err.message : String(err) });
    }
    await Promise.all([
      qc.invalidateQueries({ queryKey: ['conversation', c.id] }),
      me ? patchLists(qc, c.id, me.id) : qc.invalidateQueries({ queryKey: ['conversations'] }),
    ]);
  };
  return {
    t,
    assign: (body: { user_id?: string; team_id?: string }) => run(() => post(`/conversations/${c.id}/assign`, body)),
    /** A person outside the conversation's team takes it out of that team (the API refuses otherwise: user_not_in_team). */
    assignUser: (u: Pick<User, 'id' | 'team_ids'>) =>
      run(() =>
        post(
          `/conversations/${c.id}/assign`,
          c.team && !u.team_ids.includes(c.team.id) ? { user_id: u.id, team_id: null } : { user_id: u.id },
        ),
      ),
    unassign: () => run(() => post(`/conversations/${c.id}/unassign`)),
    handoff: () => run(() => post(`/conversations/${c.id}/handoff`)),
    setStatus: (status: 'active' | 'archived' | 'closed') => run(() => patch(`/conversations/${c.id}`, { status })),
  };
}

export function useConversation(id: string) {
  return useInfiniteQuery({
    queryKey: ['conversation', id],
    queryFn: ({ pageParam }) => get<ConversationDetail>(`/conversations/${id}${qs({ before: pageParam ?? undefined, limit: 50 })}`),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.messages_before_cursor,
  });
}
