import type { Principal } from '../auth/principal.ts';
import type { Deps } from '../deps.ts';
import { sendTemplateFromRequest, type TemplateSendOutcome } from '../templates/send-template.ts';
import { audienceCandidates } from './audience-candidates.ts';
import type { BroadcastRefusal } from './create-broadcast.ts';
import { planBroadcast, refuse } from './create-broadcast.ts';
import { fillParameters } from './plan-recipients.ts';

export type TestSendOutcome =
  | { ok: true; sample: { contact_id: string; address: string; line: number | null }; outcome: TemplateSendOutcome }
  | BroadcastRefusal
  | { ok: false; reason: 'broadcast_empty'; message: string };

/**
 * A test send: the broadcast's template, with the parameters its first valid recipient would get
 * (CSV columns, contact fields), to one number (a person checking it on their own phone). It is an
 * ordinary template send (queued, priced, in that number's conversation), not a recipient of the
 * broadcast, and the opt-in rule is overridden with a recorded reason naming the broadcast: the
 * person asked for it. Any state of the broadcast; the template must be APPROVED.
 */
export async function testSendBroadcast(deps: Deps, principal: Principal, id: string, phone: string): Promise<TestSendOutcome> {
  const planned = await planBroadcast(deps, id);
  if (!planned.ok) return planned;
  if (planned.template === null)
    return refuse(
      'test_send_unavailable',
      'A text broadcast (Telegram) has no test send yet: a bot can only write to a chat that wrote to it first; add yourself to the audience instead.',
    );
  const first = planned.plan.recipients[0];
  if (!first)
    return {
      ok: false,
      reason: 'broadcast_empty',
      message: 'No recipient of this broadcast can be sent now (none valid and opted in), so there are no parameters to test with.',
    };
  const candidate = (await audienceCandidates(deps.storage.db, planned.audience)).find((c) => c.contact_id === first.contact_id);
  const filled = candidate ? fillParameters(JSON.parse(planned.broadcast.parameters), candidate) : undefined;
  if (!candidate || !filled?.ok)
    return { ok: false, reason: 'broadcast_empty', message: 'The first recipient changed meanwhile; try again.' };
  const outcome = await sendTemplateFromRequest(
    deps,
    principal,
    { phone, channelId: planned.broadcast.channel_id },
    {
      template: planned.template.id,
      parameters: filled.value,
      override_opt_in: { reason: `test send of broadcast ${id}` },
    },
  );
  return { ok: true, sample: { contact_id: first.contact_id, address: first.address, line: candidate.line }, outcome };
}
