import { foldText } from '../core/fold-text.ts';

/**
 * "Quiero hablar con una persona", "talk to a human", "agente por favor": the customer asks for
 * a person, in Spanish or English, any case, with or without accents.
 */
export function asksForHuman(text: string): boolean {
  const t = ` ${foldText(text).replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
  return PATTERNS.some((p) => p.test(t));
}

const PATTERNS = [
  /\b(human|person|agent|operator|representative|someone real|real person|live agent)\b/,
  /\b(talk|speak|chat) (to|with) (a |an |someone|somebody)/,
  /\b(persona|humano|agente|asesor|asesora|operador|operadora|ejecutivo|ejecutiva|alguien real)\b/,
  /\b(hablar|platicar|comunicarme|comunicar) (con|a) (un|una|alguien|el|la)\b/,
];
