import type { BotFlow } from './bot-flow.ts';

/**
 * The demo bot `npm start` runs until the flow engine lands: greet, echo text, acknowledge the
 * rest. Pure configuration, evaluated by runBotFlow; the pipeline knows nothing about it.
 */
export const demoFlow: BotFlow = {
  id: 'demo',
  name: 'Demo: greet and echo',
  rules: [
    {
      id: 'greeting',
      when: { kind: 'text', textMatches: '^\\s*(hi|hello|hey|hola|buenas|buenos d[ií]as|good (morning|afternoon|evening))\\b' },
      reply: { type: 'text', text: 'Hello {{contact.name}}! This is the Switchboard demo bot. Send me anything and I will echo it back.' },
    },
    { id: 'echo', when: { kind: 'text' }, reply: { type: 'text', text: 'You said: {{message.text}}' } },
    { id: 'reply', when: { kind: 'interactive_reply' }, reply: { type: 'text', text: 'You chose: {{message.text}}' } },
    { id: 'button', when: { kind: 'button' }, reply: { type: 'text', text: 'You tapped: {{message.text}}' } },
    { id: 'location', when: { kind: 'location' }, reply: { type: 'text', text: 'Thanks for sharing your location.' } },
    {
      id: 'media',
      when: { kindIn: ['image', 'audio', 'video', 'document', 'sticker', 'contacts'] },
      reply: { type: 'text', text: 'Thanks, I received your {{message.kind}}.' },
    },
  ],
};
