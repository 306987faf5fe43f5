import { type TSchema, Type } from 'typebox';
import { AVAILABILITIES } from './availability.ts';
import { VISIBILITIES } from './principal.ts';
import { ROLES, SCOPES } from './scopes.ts';

// The same helpers as http/route-schema.ts's, which this module (below the HTTP edge) may not import.
const Nullable = <T extends TSchema>(schema: T, options: Record<string, unknown> = {}) => Type.Union([schema, Type.Null()], options);
const Timestamp = (description = 'ISO 8601 time') => Type.String({ format: 'date-time', description });

/** The API shapes of access-views.ts (users, tokens, the caller), as TypeBox schemas. */

export const userFields = {
  id: Type.String(),
  email: Type.String({ description: 'lower-cased; what the user signs in with' }),
  name: Type.String(),
  role: Type.String({ enum: [...ROLES], description: 'admin or agent' }),
  visibility: Type.String({
    enum: [...VISIBILITIES],
    description: 'which conversations an agent sees: all, or assigned_and_team (assigned to them or their teams)',
  }),
  capacity: Nullable(Type.Integer({ description: 'most open conversations routing gives them; null: no limit' })),
  availability: Type.String({ enum: [...AVAILABILITIES], description: 'routing assigns only to online agents' }),
  language: Nullable(Type.String({ description: "the web app's language, like es; null: the browser's" })),
  team_ids: Type.Array(Type.String()),
  created_at: Timestamp(),
  updated_at: Timestamp(),
};

export const userExample = {
  id: 'usr_01J9Z',
  email: 'ana@example.com',
  name: 'Ana',
  role: 'agent',
  visibility: 'all',
  capacity: 8,
  availability: 'online',
  language: 'es',
  team_ids: ['team_01J9Z'],
  created_at: '2026-05-01T10:00:00.000Z',
  updated_at: '2026-05-01T10:00:00.000Z',
};

export const User = (description: string) => Type.Object(userFields, { description, examples: [userExample] });

const tokenFields = {
  id: Type.String(),
  name: Type.String(),
  token_prefix: Type.String({ description: 'the first characters of the token, to recognise it' }),
  scopes: Type.Array(Type.String({ enum: [...SCOPES] })),
  user_id: Nullable(Type.String({ description: 'the user it acts for; null for tokens the admin token made' })),
  created_by: Type.String({ description: 'user:<id>, token:<id> or admin_token' }),
  created_at: Timestamp(),
  expires_at: Nullable(Timestamp()),
  last_used_at: Nullable(Timestamp()),
  revoked_at: Nullable(Timestamp()),
};

const tokenExample = {
  id: 'tok_01J9Z',
  name: 'CRM sync',
  token_prefix: 'sbt_Xk3v9a',
  scopes: ['conversations:read', 'contacts:read'],
  user_id: 'usr_01J9Z',
  created_by: 'user:usr_01J9Z',
  created_at: '2026-05-01T10:00:00.000Z',
  expires_at: null,
  last_used_at: '2026-05-02T08:30:00.000Z',
  revoked_at: null,
};

export const TokenList = Type.Object({ data: Type.Array(Type.Object(tokenFields)) }, { examples: [{ data: [tokenExample] }] });

export const NewToken = Type.Object(
  {
    ...tokenFields,
    token: Type.String({
      description: 'the token itself: shown this once (only its hash is stored); send it as "Authorization: Bearer <token>"',
    }),
  },
  {
    description: 'the token, with its secret',
    examples: [{ ...tokenExample, last_used_at: null, token: 'sbt_Xk3v9aQ2mN7pL0rT5wY8zB1cD4fG6hJ' }],
  },
);

export const PrincipalSchema = Type.Object({
  kind: Type.String({ enum: ['admin_token', 'token', 'user'], description: 'admin_token, token (an API token) or user (signed in)' }),
  role: Type.String({
    enum: [...ROLES, 'integration'],
    description: 'admin, agent, or integration (an API token without the admin scope)',
  }),
  user_id: Nullable(Type.String()),
  token_id: Nullable(Type.String()),
  scopes: Type.Array(Type.String({ enum: [...SCOPES] })),
  visibility: Type.String({ enum: [...VISIBILITIES] }),
});
