import { randomBytes } from 'node:crypto';
import { privateHostOf } from './address-guard.ts';
import { ALL_EVENTS, isEventType, parseScopedEvent } from './event-types.ts';
import type { SubscriptionFields } from './subscription-store.ts';

export interface Policy {
  allowPrivate: boolean;
  defaultConcurrency: number;
}

/** A subscription's fields as the request gave them; their types and ranges are the route schema's (webhook-routes.ts). */
export interface SubscriptionInput {
  url?: string;
  events?: string[];
  secret?: string;
  description?: string | null;
  active?: boolean;
  max_concurrency?: number;
}

/** Why a subscription's fields were refused; the route maps each to its answer. */
export type SubscriptionRefusal =
  | { ok: false; reason: 'url_required' | 'events_required' }
  | { ok: false; reason: 'invalid_url'; problem: 'not_a_url'; value: string }
  | { ok: false; reason: 'invalid_url'; problem: 'not_http'; protocol: string }
  | { ok: false; reason: 'url_not_allowed'; host: string }
  | { ok: false; reason: 'unknown_event_type'; unknown: string[] };

export type SubscriptionCheck<T> = { ok: true; fields: T } | SubscriptionRefusal;

/** A new subscription: url and events are required; a secret is generated when none is given. */
export function checkNewSubscription(input: SubscriptionInput, policy: Policy): SubscriptionCheck<SubscriptionFields> {
  if (input.url === undefined) return { ok: false, reason: 'url_required' };
  if (input.events === undefined) return { ok: false, reason: 'events_required' };
  const f = checkFields(input, policy);
  if (!f.ok) return f;
  return {
    ok: true,
    fields: {
      url: f.fields.url ?? '',
      events: f.fields.events ?? [],
      secret: f.fields.secret ?? generateSecret(),
      description: f.fields.description ?? null,
      active: f.fields.active ?? true,
      maxConcurrency: f.fields.maxConcurrency ?? policy.defaultConcurrency,
    },
  };
}

/** Changes to a subscription: any of the fields; the others stay. */
export function checkSubscriptionChanges(input: SubscriptionInput, policy: Policy): SubscriptionCheck<Partial<SubscriptionFields>> {
  return checkFields(input, policy);
}

export function generateSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

function checkFields(b: SubscriptionInput, policy: Policy): SubscriptionCheck<Partial<SubscriptionFields>> {
  const f: Partial<SubscriptionFields> = {};
  if (b.url !== undefined) {
    const url = checkUrl(b.url, policy.allowPrivate);
    if (!url.ok) return url;
    f.url = url.fields;
  }
  if (b.events !== undefined) {
    const events = checkEventList(b.events);
    if (!events.ok) return events;
    f.events = events.fields;
  }
  if (b.secret !== undefined) f.secret = b.secret;
  if (b.description !== undefined) f.description = b.description;
  if (b.active !== undefined) f.active = b.active;
  if (b.max_concurrency !== undefined) f.maxConcurrency = b.max_concurrency;
  return { ok: true, fields: f };
}

/** An http(s) URL; a private or loopback host only when the policy allows it. Returns it normalised. */
function checkUrl(value: string, allowPrivate: boolean): SubscriptionCheck<string> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'invalid_url', problem: 'not_a_url', value };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, reason: 'invalid_url', problem: 'not_http', protocol: url.protocol.replace(/:$/, '') };
  if (!allowPrivate) {
    const host = privateHostOf(url);
    if (host) return { ok: false, reason: 'url_not_allowed', host };
  }
  return { ok: true, fields: url.toString() };
}

/** Known event types (or one flow's flow.succeeded:<id>), de-duplicated; ["*"] when "*" is among them. */
function checkEventList(value: readonly string[]): SubscriptionCheck<string[]> {
  const unknown = value.filter((e) => e !== ALL_EVENTS && !isEventType(e) && !parseScopedEvent(e));
  if (unknown.length) return { ok: false, reason: 'unknown_event_type', unknown };
  const list = [...new Set(value)];
  return { ok: true, fields: list.includes(ALL_EVENTS) ? [ALL_EVENTS] : list };
}
