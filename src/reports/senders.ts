/** Who sent a message, for the volume report (docs/reports.md "Senders"). */
export const SENDERS = ['customer', 'bot', 'ai', 'agent', 'api', 'broadcast', 'template', 'other'] as const;
export type Sender = (typeof SENDERS)[number];

/**
 * The customer for inbound; otherwise by author: a broadcast's send is `broadcast`, any other
 * template is `template` (whoever sent it), then `bot:`/`bot` bot, `ai:`/`ai` AI, `agent:` agent, `api` an integration.
 */
export function senderOf(m: { direction: string; author: string | null; template_name: string | null }): Sender {
  if (m.direction === 'in') return 'customer';
  const a = m.author ?? '';
  if (a.startsWith('broadcast:')) return 'broadcast';
  if (m.template_name !== null) return 'template';
  if (a === 'bot' || a.startsWith('bot:')) return 'bot';
  if (a === 'ai' || a.startsWith('ai:')) return 'ai';
  if (a.startsWith('agent:')) return 'agent';
  if (a === 'api') return 'api';
  return 'other';
}
