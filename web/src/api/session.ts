import { useQuery, useQueryClient } from '@tanstack/react-query';
import i18n from '../i18n/index.ts';
import { ApiError, get, post, put } from './client.ts';
import type { Availability, Me, User } from './types.ts';

export const ME_KEY = ['me'] as const;

/** The signed-in user, or null when the session cookie is missing or expired. */
export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: async () => {
      try {
        const me = await get<Me>('/auth/me');
        if (me.user) applyUserLanguage(me.user.id);
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
      applyUserLanguage(r.user.id);
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

/** Each user's language choice, kept per user in this browser; the browser's language until they pick one. */
export function rememberLanguage(userId: string | undefined, lng: string): void {
  localStorage.setItem('sb.lang', lng);
  if (userId) localStorage.setItem(`sb.lang.${userId}`, lng);
  void i18n.changeLanguage(lng);
}

function applyUserLanguage(userId: string): void {
  const lng = localStorage.getItem(`sb.lang.${userId}`);
  if (lng && lng !== i18n.resolvedLanguage) void i18n.changeLanguage(lng);
}
