import type { InboundKind, OutboundContent } from '../channels/channel-types.ts';
import type { BotFlow } from './bot-flow.ts';

export interface BotInput {
  kind: InboundKind;
  text: string | null;
  contactName: string | null;
}

/** Pure: which reply (if any) the flow gives to one inbound message. */
export function runBotFlow(flow: BotFlow, input: BotInput): { ruleId: string; content: OutboundContent } | null {
  for (const rule of flow.rules) {
    const w = rule.when;
    if (w.kind && w.kind !== input.kind) continue;
    if (w.kindIn && !w.kindIn.includes(input.kind)) continue;
    if (w.textMatches && !new RegExp(w.textMatches, 'iu').test(input.text ?? '')) continue;
    const values: Record<string, string> = {
      'contact.name': input.contactName ?? 'there',
      'message.text': input.text ?? '',
      'message.kind': input.kind,
    };
    const text = rule.reply.text.replace(/\{\{\s*([a-z.]+)\s*\}\}/g, (_, key: string) => values[key] ?? '');
    return { ruleId: rule.id, content: { type: 'text', text: text.slice(0, 4096) } };
  }
  return null;
}
