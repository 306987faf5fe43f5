import { newId } from '../core/ids.ts';
import type { Deps } from '../deps.ts';
import { findTemplateByName, getTemplate, type TemplateRow } from '../templates/template-store.ts';
import { getAudience, type AudienceRow } from './audience-store.ts';
import { audienceCandidates } from './audience-candidates.ts';
import { getBroadcast, insertBroadcast, type BroadcastRow } from './broadcast-store.ts';
import { planRecipients, type Plan } from './plan-recipients.ts';
import { MAX_TEXT_LENGTH, planTextRecipients } from './plan-text-recipients.ts';
import { channelMembers } from './audience-candidates.ts';
import type { RegisteredChannel } from '../messaging/channel-registry.ts';

export const DEFAULT_RATE_PER_SECOND = 80;

export interface CreateBroadcastInput {
  name: string;
  channel_id?: string;
  /** Our id (tpl_...) or the template's name: on a number with templates (WhatsApp). */
  template?: string;
  /** The message on a channel without templates (Telegram), with {{1}} / {{name}} filled from parameters.body. */
  text?: string;
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
  | 'invalid_schedule'
  | 'template_required'
  | 'template_not_on_channel'
  | 'text_not_on_channel'
  | 'invalid_text'
  | 'test_contact_required'
  | 'contact_not_on_channel'
  | 'contact_blocked_bot';

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
 * recorded with its reason; marketing always needs the customer's opt-in. On a channel without
 * templates (a Telegram bot) it sends a text instead, to the audience's contacts of that bot.
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
  if (!(await getAudience(db, input.audience_id))) return refuse('audience_not_found', `No audience ${input.audience_id}.`);
  const what = await whatToSend(deps, channel, input);
  if (!what.ok) return what;
  for (const [button, flowId] of Object.entries(input.button_flows ?? {})) {
    const flow = await db.selectFrom('flows').select('id').where('id', '=', flowId).where('deleted_at', 'is', null).executeTakeFirst();
    if (!flow) return refuse('flow_not_found', `No flow ${flowId} (for the button "${button}").`, { button, flow_id: flowId });
  }
  const row: BroadcastRow = {
    id: newId('bc', now),
    name: input.name,
    channel_id: channel.id,
    template_id: what.templateId,
    audience_id: input.audience_id,
    parameters: storedParameters(input.parameters ?? {}, what.text),
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

/**
 * The template (a number with templates) or the text (a channel without: Telegram) a broadcast
 * sends; giving the other one is refused with the reason, not ignored.
 */
async function whatToSend(
  deps: Deps,
  channel: RegisteredChannel,
  input: CreateBroadcastInput,
): Promise<{ ok: true; templateId: string; text: string | null } | BroadcastRefusal> {
  if (!channel.adapter.capabilities.templates) {
    if (input.template !== undefined)
      return refuse(
        'template_not_on_channel',
        `${channel.id} is a ${channel.kind} channel, which has no templates: give "text" (with {{1}} or {{name}} placeholders filled from parameters.body) instead of "template".`,
        { channel_id: channel.id, channel: channel.kind },
      );
    if (input.override_opt_in)
      return refuse(
        'opt_in_override_not_allowed',
        'override_opt_in is for UTILITY templates only; a text broadcast reaches only contacts who opted in.',
      );
    const text = input.text?.trim() ?? '';
    if (text === '') return refuse('invalid_text', `A broadcast on ${channel.kind} needs "text": the message to send.`, { field: 'text' });
    if (text.length > MAX_TEXT_LENGTH)
      return refuse('invalid_text', `The text is ${text.length} characters; Telegram takes ${MAX_TEXT_LENGTH} at most.`, { field: 'text' });
    return { ok: true, templateId: '', text };
  }
  if (input.text !== undefined)
    return refuse(
      'text_not_on_channel',
      `${channel.id} is a WhatsApp number: a broadcast there sends an approved template ("template"), not free text (customers outside their 24-hour window can only get templates).`,
      { channel_id: channel.id, channel: channel.kind },
    );
  if (input.template === undefined)
    return refuse('template_required', 'Name the approved template to send ("template": its id or name).', { field: 'template' });
  const db = deps.storage.db;
  const byId = input.template.startsWith('tpl_') ? await getTemplate(db, input.template) : undefined;
  const tpl = byId && byId.channel_id === channel.id ? byId : await findTemplateByName(db, channel.id, input.template, input.language);
  if (!tpl)
    return refuse('template_not_found', `No template ${input.template}${input.language ? ` in ${input.language}` : ''} on this number.`);
  if (input.override_opt_in && tpl.category !== 'UTILITY')
    return refuse(
      'opt_in_override_not_allowed',
      `override_opt_in is for UTILITY templates only; ${tpl.name} is ${tpl.category}, which needs every customer's opt-in.`,
      { category: tpl.category },
    );
  return { ok: true, templateId: tpl.id, text: null };
}

/**
 * A text broadcast keeps its text beside the parameters' spec in the `parameters` JSON (no
 * column of its own: no migration), and an empty template_id.
 */
function storedParameters(spec: unknown, text: string | null): string {
  return JSON.stringify(text === null ? spec : { ...(typeof spec === 'object' && spec !== null ? spec : {}), [TEXT_KEY]: text });
}
const TEXT_KEY = '__text';

/** The parameters' spec and the text (null: a template broadcast) of a stored broadcast. */
export function broadcastContent(b: Pick<BroadcastRow, 'parameters' | 'template_id'>): { spec: unknown; text: string | null } {
  const parsed: unknown = JSON.parse(b.parameters);
  if (b.template_id !== '' || typeof parsed !== 'object' || parsed === null || !(TEXT_KEY in parsed)) return { spec: parsed, text: null };
  const { [TEXT_KEY]: text, ...spec } = parsed as Record<string, unknown>;
  return { spec, text: typeof text === 'string' ? text : '' };
}

/** What a broadcast would send now: its template, audience and the plan (recipients, exclusions, errors, cost). */
export async function planBroadcast(
  deps: Deps,
  id: string,
): Promise<
  | { ok: true; broadcast: BroadcastRow; template: TemplateRow | null; text: string | null; audience: AudienceRow; plan: Plan }
  | BroadcastRefusal
> {
  const db = deps.storage.db;
  const broadcast = await getBroadcast(db, id);
  if (!broadcast) return refuse('broadcast_not_found', `No broadcast ${id}.`);
  const { spec, text } = broadcastContent(broadcast);
  const template = text === null ? ((await getTemplate(db, broadcast.template_id)) ?? null) : null;
  if (text === null && !template)
    return refuse('template_not_found', `The broadcast's template ${broadcast.template_id} no longer exists.`);
  const audience = await getAudience(db, broadcast.audience_id);
  if (!audience) return refuse('audience_not_found', `The broadcast's audience ${broadcast.audience_id} no longer exists.`);
  const candidates = await audienceCandidates(
    db,
    audience,
    text === null ? 'whatsapp' : (deps.channels.byId(broadcast.channel_id)?.kind ?? 'telegram'),
  );
  const plan = template
    ? planRecipients(deps.config, template, spec, candidates, broadcast.opt_in_override_reason !== null)
    : planTextRecipients(deps.config, text ?? '', spec, candidates, await channelMembers(db, broadcast.channel_id));
  return { ok: true, broadcast, template, text, audience, plan };
}

/** A template that can be sent now, or why not (a text broadcast has none to check). */
export function templateSendable(t: TemplateRow | null): BroadcastRefusal | null {
  if (t === null || t.status === 'APPROVED') return null;
  const reason = t.status === 'PAUSED' ? 'template_paused' : t.status === 'DISABLED' ? 'template_disabled' : 'template_not_approved';
  return refuse(reason, `Template ${t.name} (${t.language}) is ${t.status}; only APPROVED templates can be sent.`, {
    template_id: t.id,
    status: t.status,
  });
}
