import { defineJob, type JobDefinition } from './job-definition.ts';

/**
 * Every background job Switchboard runs, declared once: name, payload fields, queue, key and
 * attempts. Producers enqueue with enqueueJob(db, jobs, JOBS.x, payload); start-switchboard.ts binds
 * one handler to each (a job without one, or a handler for a job not listed here, fails the start).
 */
export const JOBS = {
  /** An inbound message through the bot, flows and routing, in order with its conversation. */
  messageProcess: defineJob({ name: 'message.process', fields: { messageId: 'string' }, queue: 'conversation', maxAttempts: 25 }),
  /** One attempt to hand an outbound message to the channel; a retry is a new job at its time. */
  messageSend: defineJob({
    name: 'message.send',
    fields: { messageId: 'string' },
    queue: 'conversation',
    key: (p, runAt) => (runAt === undefined ? `send:${p.messageId}` : `send:${p.messageId}:${runAt}`),
    maxAttempts: 25,
  }),
  /** One event webhook delivery; the delivery row, not the engine, decides when it is dead. */
  eventDeliver: defineJob({
    name: 'event.deliver',
    fields: { deliveryId: 'string' },
    queue: 'given',
    key: (p) => `deliver:${p.deliveryId}`,
    maxAttempts: 100,
  }),
  /** Fetch-sync of templates from Meta, one job per period slot (the key names the slot). */
  templatesSync: defineJob({ name: 'templates.sync', fields: {}, queue: 'none', maxAttempts: 1 }),
  /** "Typing…" to the customer while an agent types; momentary, never retried. */
  conversationTyping: defineJob({ name: 'conversation.typing', fields: { conversationId: 'string' }, queue: 'none', maxAttempts: 1 }),
  /** The blue ticks for the customer's latest message when an agent reads the conversation. */
  conversationReadReceipt: defineJob({
    name: 'conversation.read_receipt',
    fields: { messageId: 'string' },
    queue: 'none',
    key: (p) => `read:${p.messageId}`,
    maxAttempts: 25,
  }),
  /** Download of a customer's media file from the Graph API into the media store. */
  mediaFetch: defineJob({
    name: 'media.fetch',
    fields: { messageId: 'string' },
    queue: 'none',
    key: (p) => `media.fetch:${p.messageId}`,
    maxAttempts: 8,
  }),
  /** A flow session moves on from `step`, in order with its conversation's messages. */
  flowResume: defineJob({
    name: 'flow.resume',
    fields: { sessionId: 'string', step: 'number' },
    queue: 'conversation',
    key: (p) => `flow-resume:${p.sessionId}:${p.step}`,
    maxAttempts: 25,
  }),
  /** A flow's wait is over, or an HTTP step's watchdog fired: hands over to flow.resume. */
  flowTimer: defineJob({
    name: 'flow.timer',
    fields: { sessionId: 'string', step: 'number' },
    queue: 'none',
    key: (p) => `flow-timer:${p.sessionId}:${p.step}`,
    maxAttempts: 25,
  }),
  /** One attempt of a flow's outgoing webhook block; a retry is a new job with the next attempt number. */
  flowWebhook: defineJob<{ id: 'string'; url: 'string'; body: 'string'; secret: 'string'; firstAttemptAt: 'number' }, { attempt?: number }>(
    {
      name: 'flow.webhook',
      fields: { id: 'string', url: 'string', body: 'string', secret: 'string', firstAttemptAt: 'number' },
      optional: { attempt: 'number' },
      queue: 'none',
      key: (p) => `flow-webhook:${p.id}:${p.attempt ?? 1}`,
      maxAttempts: 25,
    },
  ),
  /** One tick of a running broadcast: hands its next recipients to the outbound queue (at most its rate per second), then comes back. */
  broadcastRun: defineJob({
    name: 'broadcast.run',
    fields: { broadcastId: 'string' },
    queue: 'given',
    key: (p, runAt) => (runAt === undefined ? `broadcast:${p.broadcastId}` : `broadcast:${p.broadcastId}:${runAt}`),
    maxAttempts: 25,
  }),
} as const;

export const JOB_CATALOG: readonly JobDefinition<object>[] = Object.values(JOBS) as unknown as JobDefinition<object>[];
