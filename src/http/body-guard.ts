import type { FastifyInstance } from 'fastify';
import { refuseBody } from '../auth/body-fields.ts';

/**
 * The routes that take no body. A client that sends one anyway (fields it believes mean
 * something, or junk) is told so — 400 naming the field — instead of the request succeeding as
 * if the body had been read. No body, `{}` and `null` are fine. Routes that take a body check it
 * themselves with `jsonObject` (src/auth/body-fields.ts); test/http/request-bodies.test.ts walks
 * every route in the OpenAPI document to hold both to it.
 */
export const BODYLESS_ROUTES: ReadonlySet<string> = new Set([
  'POST /api/v1/auth/logout',
  'DELETE /api/v1/tokens/:id',
  'DELETE /api/v1/users/:id',
  'DELETE /api/v1/teams/:id',
  'PUT /api/v1/teams/:id/members/:userId',
  'DELETE /api/v1/teams/:id/members/:userId',
  'POST /api/v1/conversations/:id/read',
  'POST /api/v1/conversations/:id/messages/:messageId/resend',
  'POST /api/v1/conversations/:id/messages/:messageId/mark-sent',
  'POST /api/v1/conversations/:id/unassign',
  'POST /api/v1/conversations/:id/bot/pause',
  'POST /api/v1/conversations/:id/bot/resume',
  'DELETE /api/v1/labels/:id',
  'PUT /api/v1/conversations/:id/labels/:labelName',
  'DELETE /api/v1/conversations/:id/labels/:labelName',
  'DELETE /api/v1/canned-replies/:id',
  'DELETE /api/v1/conversations/:id/link',
  'DELETE /api/v1/webhooks/:id',
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/replay',
  'POST /api/v1/webhooks/:id/test',
  'DELETE /api/v1/templates/:id',
  'POST /api/v1/templates/:id/submit',
  'DELETE /api/v1/flows/:id',
  'POST /api/v1/flows/:id/publish',
  'DELETE /api/v1/flows/handoffs/:conversationId',
  'POST /api/v1/contacts/:id/block',
  'POST /api/v1/contacts/:id/unblock',
  'POST /api/v1/conversations/:id/ai/summary',
  'DELETE /api/v1/knowledge/:id',
  'POST /api/v1/broadcasts/:id/validate',
  'POST /api/v1/broadcasts/:id/estimate',
  'POST /api/v1/broadcasts/:id/pause',
  'POST /api/v1/broadcasts/:id/resume',
  'POST /api/v1/broadcasts/:id/cancel',
]);

/** Refuses a body on BODYLESS_ROUTES, after authentication (an anonymous caller still gets 401 first). */
export function installBodyGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    if (BODYLESS_ROUTES.has(`${req.method} ${req.routeOptions.url ?? ''}`)) refuseBody(req.body);
  });
}
