import type { World } from '../support/test-world.ts';
import { ADMIN_TOKEN } from '../support/test-world.ts';

/** Who makes a call: the admin token, another bearer, a session cookie, or nobody. */
export type As = { bearer: string } | { cookie: string } | 'admin' | 'anonymous';

export interface Reply {
  status: number;
  body: any;
  setCookies: string[];
}

/** One API call over loopback, as someone. */
export async function call(
  w: World,
  as: As,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const auth: Record<string, string> =
    as === 'admin'
      ? { authorization: `Bearer ${ADMIN_TOKEN}` }
      : as === 'anonymous'
        ? {}
        : 'bearer' in as
          ? { authorization: `Bearer ${as.bearer}` }
          : { cookie: as.cookie };
  const res = await fetch(`${w.app.url}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, setCookies: res.headers.getSetCookie() };
}

/** Creates a user as the admin and signs them in; returns the user and their cookie. */
export async function agentSession(
  w: World,
  email: string,
  extra: Record<string, unknown> = {},
): Promise<{ user: any; cookie: string; password: string }> {
  const password = `pw-${email}-long-enough`;
  const created = await call(w, 'admin', 'POST', '/api/v1/users', { email, name: email.split('@')[0], password, ...extra });
  if (created.status !== 201) throw new Error(`creating ${email}: ${created.status} ${JSON.stringify(created.body)}`);
  return { user: created.body, cookie: await login(w, email, password), password };
}

export async function login(w: World, email: string, password: string): Promise<string> {
  const res = await call(w, 'anonymous', 'POST', '/api/v1/auth/login', { email, password });
  const cookie = res.setCookies.find((c) => c.startsWith('sb_session='));
  if (res.status !== 200 || !cookie) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return cookie.split(';')[0] ?? '';
}
