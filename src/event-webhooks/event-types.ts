/**
 * The catalog of events integrators can subscribe to. One list so later features (flows,
 * broadcasts) add their types here and the API accepts them at once.
 */
export const EVENT_TYPES = [
  'message.received',
  'message.status',
  'message.failed',
  'message.unconfirmed',
  'conversation.created',
  'conversation.updated',
  'conversation.assigned',
  'conversation.closed',
  'conversation.bot_paused',
  'conversation.bot_resumed',
  'note.mentioned',
  'contact.opted_out',
  'contact.merged',
  'flow.succeeded',
  'flow.failed',
  'broadcast.started',
  'broadcast.paused',
  'broadcast.completed',
  'broadcast.failed',
  'broadcast.recipient.failed',
  'system.attention',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** `ping` is sent only by POST /api/v1/webhooks/:id/test; nobody subscribes to it. */
export type DeliverableEventType = EventType | 'ping';

/** A subscription's filter: some event types, or every type including ones added later. */
export const ALL_EVENTS = '*';

const known = new Set<string>(EVENT_TYPES);

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && known.has(value);
}

/** Types a subscription may narrow to one source: `flow.succeeded:<flow id>` (results of one flow). */
export const SCOPED_EVENT_TYPES: readonly EventType[] = ['flow.succeeded', 'flow.failed'];

/** `flow.failed:service-request` → its type and scope; plain types have no scope. */
export function parseScopedEvent(value: string): { type: EventType; scope: string } | null {
  const i = value.indexOf(':');
  if (i < 0) return null;
  const type = value.slice(0, i);
  const scope = value.slice(i + 1);
  if (!isEventType(type) || !SCOPED_EVENT_TYPES.includes(type) || !/^[A-Za-z0-9][\w.-]{0,99}$/.test(scope)) return null;
  return { type, scope };
}

/** Does a subscription's filter take this event (of this scope, e.g. the flow it came from)? */
export function subscribesTo(filter: readonly string[], type: DeliverableEventType, scope?: string): boolean {
  return filter.includes(ALL_EVENTS) || filter.includes(type) || (scope !== undefined && filter.includes(`${type}:${scope}`));
}
