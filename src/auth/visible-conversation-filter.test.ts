import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_TOKEN_PRINCIPAL, type Principal } from './principal.ts';
import { roleScopes } from './scopes.ts';
import { visibleConversationFilter } from './visible-conversation-filter.ts';

const agent = (over: Partial<Principal>): Principal => ({
  kind: 'user',
  userId: 'usr_a',
  role: 'agent',
  scopes: new Set(roleScopes('agent')),
  visibility: 'all',
  teamIds: [],
  ...over,
});

test('admins and agents set to "all" see every conversation', () => {
  assert.deepEqual(visibleConversationFilter(ADMIN_TOKEN_PRINCIPAL), { all: true });
  assert.deepEqual(visibleConversationFilter(agent({})), { all: true });
});

test('a restricted agent sees their own and their teams', () => {
  assert.deepEqual(visibleConversationFilter(agent({ visibility: 'assigned_and_team', teamIds: ['team_1'] })), {
    all: false,
    userId: 'usr_a',
    teamIds: ['team_1'],
  });
});

test('a restricted principal without a user matches nothing rather than everything', () => {
  assert.deepEqual(visibleConversationFilter(agent({ visibility: 'assigned_and_team', userId: undefined })), {
    all: false,
    userId: '',
    teamIds: [],
  });
});
