import { useQuery, useQueryClient } from '@tanstack/react-query';
import i18n from '../i18n/index.ts';
import { prefetchInbox } from '../inbox/list-query.ts';
import { ApiError, get, patch, post, put } from './client.ts';
import { noteServerTime } from './server-clock.ts';
import type { Availability, Me, User } from './types.ts';

export const ME_KEY = ['me'] as const;

/** The signed-in user, or null when the session cookie is missing or expired. */
export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: async () => {
      try {
        const askedAt = Date.now();
        const me = await get<Me>('/auth/me');
        noteServerTime(me.server_time, askedAt);
        if (me.user) applyUserLanguage(me.user);
        return me;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: Infinity,
  });
}

export function useSession() {
  const qc = useQueryClient();
  return {
    async signIn(email: string, password: string) {
      const r = await post<{ user: User }>('/auth/login', { email, password });
      prefetchInbox(qc);
      applyUserLanguage(r.user);
      // The inbox renders from the sign-in answer at once; /auth/me confirms it in the background.
      const me: Me = { principal: { kind: 'user' }, user: r.user };
      qc.setQueryData(ME_KEY, me);
      void qc.invalidateQueries({ queryKey: ME_KEY });
    },
    async signOut() {
      await post('/auth/logout');
      // The signed-in view observes ['me']: set it (not clear the cache, which would orphan that observer).
      qc.setQueryData(ME_KEY, null);
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
    },
    async setAvailability(availability: Availability) {
      const user = await put<User>('/users/me/availability', { availability });
      qc.setQueryData<Me | null>(ME_KEY, (me) => (me ? { ...me, user } : me));
    },
  };
}

/**
 * The language: the one the user picked, stored with the user (PATCH /api/v1/users/me
 * {"language"}) so it follows them to any browser; the browser's until they pick one. Before
 * signing in (the sign-in page) the pick is kept in this browser only.
 */
export async function rememberLanguage(userId: string | undefined, lng: string): Promise<void> {
  localStorage.setItem('sb.lang', lng);
  await i18n.changeLanguage(lng);
  if (userId) await patch('/users/me', { language: lng });
}

function applyUserLanguage(user: User): void {
  if (user.language && user.language !== i18n.resolvedLanguage) void i18n.changeLanguage(user.language);
}
