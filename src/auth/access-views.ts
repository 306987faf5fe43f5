import type { Principal } from './principal.ts';
import { parseStoredScopes } from './scopes.ts';
import type { TeamMember, TeamRow } from './team-store.ts';
import type { TokenRow } from './token-store.ts';
import type { UserRow } from './user-store.ts';

/** API shapes: snake_case, ISO times; never a password hash or a token hash. */
export function userView(u: UserRow, teamIds: readonly string[]) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    visibility: u.visibility,
    capacity: u.capacity,
    availability: u.availability,
    language: u.language,
    team_ids: [...teamIds],
    created_at: iso(u.created_at),
    updated_at: iso(u.updated_at),
  };
}

export function tokenView(t: TokenRow) {
  return {
    id: t.id,
    name: t.name,
    token_prefix: t.token_prefix,
    scopes: parseStoredScopes(t.scopes),
    user_id: t.user_id,
    created_by: t.created_by,
    created_at: iso(t.created_at),
    expires_at: iso(t.expires_at),
    last_used_at: iso(t.last_used_at),
    revoked_at: iso(t.revoked_at),
  };
}

export function teamView<M extends { member_ids: readonly string[] } | { members: readonly TeamMember[] }>(t: TeamRow, members: M) {
  return { id: t.id, name: t.name, description: t.description, ...members, created_at: iso(t.created_at), updated_at: iso(t.updated_at) };
}

export function principalView(p: Principal) {
  return {
    kind: p.kind,
    role: p.role,
    user_id: p.userId ?? null,
    token_id: p.tokenId ?? null,
    scopes: [...p.scopes],
    visibility: p.visibility,
  };
}

function iso(ms: number): string;
function iso(ms: number | null): string | null;
function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
