import { newId } from '../core/ids.ts';
import type { Deps } from '../deps.ts';
import { findTemplateByName, getTemplate, type TemplateRow } from '../templates/template-store.ts';
import { getAudience, type AudienceRow } from './audience-store.ts';
import { audienceCandidates } from './audience-candidates.ts';
import { getBroadcast, insertBroadcast, type BroadcastRow } from './broadcast-store.ts';
import { planRecipients, type Plan } from './plan-recipients.ts';

export const DEFAULT_RATE_PER_SECOND = 80;

export interface CreateBroadcastInput {
  name: string;
  channel_id?: string;
  template: string; // our id (tpl_...) or the template's name
  language?: string;
  audience_id: string;
  parameters?: unknown;
  override_opt_in?: { reason: string };
  rate_per_second?: number;
  /** A quick-reply button's payload (or its text) -> the flow a press starts (the Truora continue / cancel pattern). */
  button_flows?: Record<string, string>;
}

export type BroadcastRefusalReason =
  | 'channel_not_found'
  | 'no_channel'
  | 'template_not_found'
  | 'audience_not_found'
  | 'flow_not_found'
  | 'broadcast_not_found'
  | 'opt_in_override_not_allowed'
  | 'template_not_approved'
  | 'template_paused'
  | 'template_disabled'
  | 'broadcast_invalid'
  | 'broadcast_state'
  | 'invalid_schedule';

export interface BroadcastRefusal {
  ok: false;
  reason: BroadcastRefusalReason;
  message: string;
  details?: Record<string, unknown>;
}

export const refuse = (reason: BroadcastRefusalReason, message: string, details?: Record<string, unknown>): BroadcastRefusal => ({
  ok: false,
  reason,
  message,
  ...(details ? { details } : {}),
});

/**
 * A draft broadcast: one number, one template (any status for now: it must be APPROVED to start),
 * an audience and the parameters' spec. The opt-in override is for UTILITY templates only and is
 * recorded with its reason; marketing always needs the customer's opt-in.
 */
export async function createBroadcast(
  deps: Deps,
  input: CreateBroadcastInput,
  createdBy: string,
): Promise<{ ok: true; broadcast: BroadcastRow } | BroadcastRefusal> {
  const db = deps.storage.db;
  const now = deps.clock.now();
  const channel = input.channel_id ? deps.channels.byId(input.channel_id) : deps.channels.all()[0];
  if (!channel)
    return input.channel_id
      ? refuse('channel_not_found', `No channel ${input.channel_id}.`)
      : refuse('no_channel', 'No WhatsApp number is configured.');
  const byId = input.template.startsWith('tpl_') ? await getTemplate(db, input.template) : undefined;
  const tpl = byId && byId.channel_id === channel.id ? byId : await findTemplateByName(db, channel.id, input.template, input.language);
  if (!tpl)
    return refuse('template_not_found', `No template ${input.template}${input.language ? ` in ${input.language}` : ''} on this number.`);
  if (!(await getAudience(db, input.audience_id))) return refuse('audience_not_found', `No audience ${input.audience_id}.`);
  if (input.override_opt_in && tpl.category !== 'UTILITY')
    return refuse(
      'opt_in_override_not_allowed',
      `override_opt_in is for UTILITY templates only; ${tpl.name} is ${tpl.category}, which needs every customer's opt-in.`,
      { category: tpl.category },
    );
  for (const [button, flowId] of Object.entries(input.button_flows ?? {})) {
    const flow = await db.selectFrom('flows').select('id').where('id', '=', flowId).where('deleted_at', 'is', null).executeTakeFirst();
    if (!flow) return refuse('flow_not_found', `No flow ${flowId} (for the button "${button}").`, { button, flow_id: flowId });
  }
  const row: BroadcastRow = {
    id: newId('bc', now),
    name: input.name,
    channel_id: channel.id,
    template_id: tpl.id,
    audience_id: input.audience_id,
    parameters: JSON.stringify(input.parameters ?? {}),
    state: 'draft',
    state_reason: null,
    opt_in_override_reason: input.override_opt_in?.reason ?? null,
    rate_per_second: input.rate_per_second ?? DEFAULT_RATE_PER_SECOND,
    scheduled_at: null,
    time_zone: null,
    excluded: null,
    created_by: createdBy,
    created_at: now,
    updated_at: now,
    started_at: null,
    ended_at: null,
    button_flows: input.button_flows && Object.keys(input.button_flows).length > 0 ? JSON.stringify(input.button_flows) : null,
    waiting_reason: null,
    waiting_until: null,
  };
  await insertBroadcast(db, row);
  return { ok: true, broadcast: row };
}

/** What a broadcast would send now: its template, audience and the plan (recipients, exclusions, errors, cost). */
export async function planBroadcast(
  deps: Deps,
  id: string,
): Promise<{ ok: true; broadcast: BroadcastRow; template: TemplateRow; audience: AudienceRow; plan: Plan } | BroadcastRefusal> {
  const db = deps.storage.db;
  const broadcast = await getBroadcast(db, id);
  if (!broadcast) return refuse('broadcast_not_found', `No broadcast ${id}.`);
  const template = await getTemplate(db, broadcast.template_id);
  if (!template) return refuse('template_not_found', `The broadcast's template ${broadcast.template_id} no longer exists.`);
  const audience = await getAudience(db, broadcast.audience_id);
  if (!audience) return refuse('audience_not_found', `The broadcast's audience ${broadcast.audience_id} no longer exists.`);
  const candidates = await audienceCandidates(db, audience);
  const plan = planRecipients(
    deps.config,
    template,
    JSON.parse(broadcast.parameters),
    candidates,
    broadcast.opt_in_override_reason !== null,
  );
  return { ok: true, broadcast, template, audience, plan };
}

/** A template that can be sent now, or why not. */
export function templateSendable(t: TemplateRow): BroadcastRefusal | null {
  if (t.status === 'APPROVED') return null;
  const reason = t.status === 'PAUSED' ? 'template_paused' : t.status === 'DISABLED' ? 'template_disabled' : 'template_not_approved';
  return refuse(reason, `Template ${t.name} (${t.language}) is ${t.status}; only APPROVED templates can be sent.`, {
    template_id: t.id,
    status: t.status,
  });
}
