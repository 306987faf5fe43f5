/**
 * The catalog of events integrators can subscribe to. One list so later features (flows,
 * broadcasts) add their types here and the API accepts them at once.
 */
export const EVENT_TYPES = [
  'message.received',
  'message.status',
  'conversation.created',
  'conversation.updated',
  'conversation.assigned',
  'conversation.closed',
  'contact.opted_out',
  'flow.succeeded',
  'flow.failed',
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

export function subscribesTo(filter: readonly string[], type: DeliverableEventType): boolean {
  return filter.includes(ALL_EVENTS) || filter.includes(type);
}
