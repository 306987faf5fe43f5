import type { InboundKind } from '../channels/channel-types.ts';

/** A minimal flow: ordered rules, the first matching one answers. The flow engine replaces it. */
export interface BotFlow {
  id: string;
  name: string;
  rules: BotRule[];
}

export interface BotRule {
  id: string;
  when: { kind?: InboundKind; kindIn?: InboundKind[]; textMatches?: string };
  /** Text with {{contact.name}}, {{message.text}}, {{message.kind}} placeholders. */
  reply: { type: 'text'; text: string };
}
