import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import { newId } from '../core/ids.ts';
import type { Deps } from '../deps.ts';
import { fieldError, NoContent, Nullable, routeSchema } from '../http/route-schema.ts';
import { NewToken, TokenList } from './access-schemas.ts';
import { tokenView } from './access-views.ts';
import { API_TOKEN_PREFIX } from './authenticate.ts';
import { futureTimeField, textField } from './body-fields.ts';
import { confirmPassword } from './confirm-password.ts';
import { principalOf, type Principal } from './principal.ts';
import { hasScope, isScope, SCOPES } from './scopes.ts';
import { newSecretToken, sha256Hex } from './secret-token.ts';
import { refuseThrottled } from './throttle-answer.ts';
import { findToken, insertToken, listTokens, revokeToken } from './token-store.ts';
import { findUser } from './user-store.ts';

const tags = ['tokens'];
const SCOPES_MESSAGE = `"scopes" must be a non-empty list of: ${SCOPES.join(', ')}.`;
const scopesError = fieldError('invalid_scopes', 422, SCOPES_MESSAGE, { allowed: SCOPES });
const TokenBody = Type.Object(
  {
    name: Type.String({
      description: 'what the token is for, 1 to 200 characters',
      ...fieldError('invalid_name', 422, '"name" must be a non-empty string of at most 200 characters.'),
    }),
    scopes: Type.Array(Type.String({ enum: [...SCOPES], ...scopesError }), {
      minItems: 1,
      description: `what it may do: ${SCOPES.join(', ')} (at most the creator's own scopes)`,
      ...scopesError,
    }),
    expires_at: Type.Optional(
      Nullable(
        Type.String({ description: 'ISO 8601 time in the future; null or left out: never expires' }),
        fieldError('invalid_expires_at', 422, '"expires_at" must be an ISO 8601 time in the future, or null.'),
      ),
    ),
    password: Type.Optional(
      Type.String({
        description:
          "the signed-in user's password again: required when the token is made from a session cookie (not with an API token or the admin token)",
        ...fieldError('invalid_password', 422, '"password" must be a string.'),
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        name: 'CRM sync',
        scopes: ['conversations:read', 'contacts:read'],
        expires_at: '2027-01-01T00:00:00.000Z',
        password: 'correct horse battery staple',
      },
    ],
  },
);

/**
 * API tokens: admins manage every token; a signed-in user manages their own, with at most their
 * own scopes. A token without `admin` cannot mint tokens (no chains of ever-newer credentials).
 * Minting from a session cookie needs the user's password again (`password`).
 */
export async function tokenRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = opts.deps.storage.db;
  const clock = opts.deps.clock;
  const access = { config: { access: 'authenticated' as const } };
  // Who may manage tokens is settled before the body is looked at (403 before any 400/422).
  const reachable = { preValidation: async (req: FastifyRequest) => void tokenReach(req) };

  app.get(
    '/api/v1/tokens',
    routeSchema({ summary: 'API tokens: all of them for an administrator, else your own', tags, response: { 200: TokenList } }, access),
    async (req) => {
      const reach = tokenReach(req);
      const rows = await listTokens(db, reach.all ? undefined : reach.ownerId);
      return { data: rows.map(tokenView) };
    },
  );

  app.post(
    '/api/v1/tokens',
    {
      ...routeSchema(
        {
          summary: 'Create an API token (the answer is the only time the token is shown)',
          description:
            'Administrators and signed-in users; a token cannot have scopes its creator lacks (403 forbidden). From a session cookie the password is needed again: 403 password_required without it, 403 password_incorrect when wrong, 429 too_many_attempts after repeated failures.',
          tags,
          body: TokenBody,
          response: { 201: NewToken },
        },
        access,
      ),
      ...reachable,
    },
    async (req, reply) => {
      const principal = principalOf(req);
      const b = req.body;
      const name = textField(b.name, 'name', 200);
      const scopes = [...new Set(b.scopes.filter(isScope))]; // the schema allows only SCOPES
      const denied = scopes.filter((s) => !hasScope(principal.scopes, s));
      if (denied.length > 0) {
        throw new HttpError(403, 'forbidden', `A token cannot have scopes its creator lacks: ${denied.join(', ')}.`, { scopes: denied });
      }
      const expiresAt = futureTimeField(b.expires_at, 'expires_at', clock.now());
      // A session cookie can be stolen or left signed in; a long-lived token made from it needs the
      // password again. API tokens and the admin token are credentials chosen on purpose: no password.
      if (principal.kind === 'user') await requirePassword(req, reply, principal, b.password);
      const now = clock.now();
      const token = newSecretToken(API_TOKEN_PREFIX);
      const row = {
        id: newId('tok', now),
        name,
        token_hash: sha256Hex(token),
        token_prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
        scopes: JSON.stringify(scopes),
        user_id: principal.userId ?? null,
        created_by: createdBy(principal),
        created_at: now,
        expires_at: expiresAt,
        last_used_at: null,
        revoked_at: null,
      };
      await insertToken(db, row);
      // The only time the token is ever shown: only its hash is stored.
      return reply.status(201).send({ ...tokenView(row), token });
    },
  );

  const requirePassword = async (
    req: FastifyRequest,
    reply: Parameters<typeof refuseThrottled>[1],
    principal: Principal,
    password: string | undefined,
  ): Promise<void> => {
    if (password === undefined) {
      throw new HttpError(
        403,
        'password_required',
        'Creating an API token from a signed-in session needs your password again in "password".',
      );
    }
    const user = principal.userId === undefined ? undefined : await findUser(db, principal.userId);
    const check = user ? await confirmPassword({ db, clock }, user, password, req.ip) : undefined;
    if (check && !check.ok && check.reason === 'throttled') refuseThrottled(req, reply, check.gate);
    if (!check?.ok) throw new HttpError(403, 'password_incorrect', 'The password in "password" is not right.');
  };

  app.delete(
    '/api/v1/tokens/:id',
    {
      ...routeSchema(
        {
          summary: 'Revoke an API token (no body)',
          tags,
          params: Type.Object({ id: Type.String({ description: 'token id' }) }),
          response: { 204: NoContent },
        },
        access,
      ),
      ...reachable,
    },
    async (req, reply) => {
      const reach = tokenReach(req);
      const { id } = req.params;
      const token = await findToken(db, id);
      // Someone else's token is reported as missing: its existence is not theirs to learn.
      if (!token || (!reach.all && token.user_id !== reach.ownerId)) throw new HttpError(404, 'token_not_found', `No token ${id}.`);
      await revokeToken(db, id, clock.now());
      return reply.status(204).send();
    },
  );
}

/** Which tokens the caller may see and manage. */
function tokenReach(req: FastifyRequest): { all: true } | { all: false; ownerId: string } {
  const p = principalOf(req);
  if (p.scopes.has('admin')) return { all: true };
  if (p.kind === 'user' && p.userId !== undefined) return { all: false, ownerId: p.userId };
  throw new HttpError(403, 'forbidden', 'Only administrators and signed-in users manage API tokens.');
}

function createdBy(p: Principal): string {
  if (p.kind === 'admin_token') return 'admin_token';
  if (p.kind === 'token') return `token:${p.tokenId ?? ''}`;
  return `user:${p.userId ?? ''}`;
}
