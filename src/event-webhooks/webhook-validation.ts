import { randomBytes } from 'node:crypto';
import { refuseUnknownFields } from '../auth/body-fields.ts';
import { HttpError } from '../core/http-error.ts';
import { privateHostOf } from './address-guard.ts';
import { ALL_EVENTS, EVENT_TYPES, isEventType, parseScopedEvent, SCOPED_EVENT_TYPES } from './event-types.ts';
import type { SubscriptionFields } from './subscription-store.ts';

const FIELDS = new Set(['url', 'events', 'secret', 'description', 'active', 'max_concurrency']);

interface Policy {
  allowPrivate: boolean;
  defaultConcurrency: number;
}

/** POST /api/v1/webhooks body; a secret is generated when none is given. */
export function parseNewSubscription(body: unknown, policy: Policy): SubscriptionFields {
  const b = objectBody(body);
  if (b.url === undefined) throw new HttpError(422, 'url_required', '"url" is required: the http(s) URL that receives the events.');
  if (b.events === undefined) throw new HttpError(422, 'events_required', `"events" is required: a list of event types, or ["${ALL_EVENTS}"] for all.`);
  const f = parseFields(b, policy);
  return {
    url: f.url ?? '',
    events: f.events ?? [],
    secret: f.secret ?? generateSecret(),
    description: f.description ?? null,
    active: f.active ?? true,
    maxConcurrency: f.maxConcurrency ?? policy.defaultConcurrency,
  };
}

/** PATCH /api/v1/webhooks/:id body: any of the fields; the others stay. */
export function parseSubscriptionChanges(body: unknown, policy: Policy): Partial<SubscriptionFields> {
  return parseFields(objectBody(body), policy);
}

export function generateSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_body', 'Send a JSON object like {"url": "https://example.com/hooks", "events": ["message.received"]}.');
  }
  refuseUnknownFields(body, [...FIELDS]);
  return { ...body };
}

function parseFields(b: Record<string, unknown>, policy: Policy): Partial<SubscriptionFields> {
  const f: Partial<SubscriptionFields> = {};
  if (b.url !== undefined) f.url = parseUrl(b.url, policy.allowPrivate);
  if (b.events !== undefined) f.events = parseEventList(b.events);
  if (b.secret !== undefined) {
    if (typeof b.secret !== 'string' || b.secret.length < 16 || b.secret.length > 256 || /\s/.test(b.secret)) {
      throw new HttpError(422, 'invalid_secret', '"secret" must be 16 to 256 characters without spaces (leave it out to have one generated).');
    }
    f.secret = b.secret;
  }
  if (b.description !== undefined) {
    if (b.description !== null && (typeof b.description !== 'string' || b.description.length > 500)) {
      throw new HttpError(422, 'invalid_description', '"description" must be a string of at most 500 characters, or null.');
    }
    f.description = b.description;
  }
  if (b.active !== undefined) {
    if (typeof b.active !== 'boolean') throw new HttpError(422, 'invalid_active', '"active" must be true or false.');
    f.active = b.active;
  }
  if (b.max_concurrency !== undefined) {
    const n = b.max_concurrency;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 16) {
      throw new HttpError(422, 'invalid_max_concurrency', '"max_concurrency" must be a whole number from 1 to 16.');
    }
    f.maxConcurrency = n;
  }
  return f;
}

function parseUrl(value: unknown, allowPrivate: boolean): string {
  if (typeof value !== 'string' || value.length > 2048) throw new HttpError(422, 'invalid_url', '"url" must be a string of at most 2048 characters.');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HttpError(422, 'invalid_url', `"url" is not a valid URL: ${value.slice(0, 100)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpError(422, 'invalid_url', `"url" must be http or https (got ${url.protocol.replace(/:$/, '')}).`);
  if (!allowPrivate) {
    const host = privateHostOf(url);
    if (host) {
      throw new HttpError(422, 'url_not_allowed', `"url" points at a private or loopback address (${host}); set EVENT_WEBHOOKS_ALLOW_PRIVATE=true to allow it.`);
    }
  }
  return url.toString();
}

function parseEventList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((e) => typeof e !== 'string')) {
    throw new HttpError(422, 'invalid_events', `"events" must be a non-empty list of event types, or ["${ALL_EVENTS}"].`);
  }
  const unknown = value.filter((e) => e !== ALL_EVENTS && !isEventType(e) && !parseScopedEvent(e));
  if (unknown.length) {
    throw new HttpError(422, 'unknown_event_type', `Unknown event type ${unknown.map((e) => `"${e}"`).join(', ')}; flow results of one flow are "flow.succeeded:<flow id>" / "flow.failed:<flow id>".`, {
      unknown,
      known: [...EVENT_TYPES],
      scoped: SCOPED_EVENT_TYPES.map((t) => `${t}:<flow id>`),
    });
  }
  const list: string[] = [...new Set(value.filter((e): e is string => typeof e === 'string'))];
  return list.includes(ALL_EVENTS) ? [ALL_EVENTS] : list;
}
