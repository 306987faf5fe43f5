/**
 * What a credential may do. Kept deliberately small; a route names the one scope it needs.
 *
 * | scope                 | grants                                                        |
 * | --------------------- | ------------------------------------------------------------- |
 * | `conversations:read`  | list and read conversations, messages, teams                  |
 * | `conversations:write` | reply, assign, label, note, change status                     |
 * | `contacts:read`       | list and read contacts                                        |
 * | `contacts:write`      | edit contacts (attributes, tags, opt-in state, block)         |
 * | `admin`               | everything: users, teams, tokens, settings; implies every scope |
 */
export const SCOPES = ['conversations:read', 'conversations:write', 'contacts:read', 'contacts:write', 'admin'] as const;

export type Scope = (typeof SCOPES)[number];

export const ROLES = ['admin', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

const AGENT_SCOPES: readonly Scope[] = ['conversations:read', 'conversations:write', 'contacts:read', 'contacts:write'];

/** The scopes a signed-in user of this role holds; an API token a user owns never exceeds them. */
export function roleScopes(role: Role): readonly Scope[] {
  return role === 'admin' ? SCOPES : AGENT_SCOPES;
}

/** `admin` implies every other scope. */
export function hasScope(scopes: ReadonlySet<Scope>, needed: Scope): boolean {
  return scopes.has('admin') || scopes.has(needed);
}

/** Scopes as stored (a JSON array); anything unknown is dropped rather than trusted. */
export function parseStoredScopes(json: string): Scope[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter(isScope) : [];
  } catch {
    return [];
  }
}
