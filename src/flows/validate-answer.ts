import type { CountryCode } from 'libphonenumber-js';
import { normalizePhone } from '../core/phone.ts';
import { choiceOptions } from './choice-options.ts';
import type { AskBlock } from './flow-types.ts';
import { checkDate, checkInteger, checkPattern, type AnswerContext } from './validate-answer-rules.ts';

/** What a customer sent, as far as a question cares. */
export interface Answer {
  kind: string; // inbound kind: text, interactive_reply, button, ...
  text: string | null;
  replyId: string | null; // button / list row id
  /** A shared location (kind location). */
  location?: { latitude: number; longitude: number; name?: string; address?: string } | null;
  /** A received media item (kind image, document, ...): the WhatsApp media id, not the bytes. */
  media?: { id: string; mime_type?: string; filename?: string; caption?: string } | null;
}

export type AnswerCheck = { ok: true; value: unknown; display: string } | { ok: false; problem: string };

const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

/**
 * Validates and normalises an answer to a question (pure). `ctx` gives date rules their "today"
 * and business days, and a choice built from data (`options_from`) its variables.
 */
export function validateAnswer(block: AskBlock, answer: Answer, ctx?: AnswerContext & { scope?: unknown }): AnswerCheck {
  const text = (answer.text ?? '').trim();
  if (block.kind === 'choice') return choose(choiceOptions(block, ctx?.scope ?? {}), answer, text);
  if (block.kind === 'location') {
    const l = answer.kind === 'location' ? answer.location : null;
    if (!l) return { ok: false, problem: 'not_a_location' };
    const value = {
      latitude: l.latitude,
      longitude: l.longitude,
      ...(l.name ? { name: l.name } : {}),
      ...(l.address ? { address: l.address } : {}),
    };
    return { ok: true, value, display: `${l.latitude},${l.longitude}` };
  }
  if (block.kind === 'image' || block.kind === 'document') {
    const m = answer.kind === block.kind ? answer.media : null;
    if (!m) return { ok: false, problem: `not_an_${block.kind}` };
    const value = {
      media_id: m.id,
      ...(m.mime_type ? { mime_type: m.mime_type } : {}),
      ...(m.filename ? { filename: m.filename } : {}),
      ...(m.caption ? { caption: m.caption } : {}),
    };
    return { ok: true, value, display: `[${block.kind} ${m.id}]` };
  }
  if (text === '') return { ok: false, problem: 'no_text' };
  switch (block.kind) {
    case 'text':
      if (block.min_length !== undefined && text.length < block.min_length) return { ok: false, problem: 'too_short' };
      if (text.length > (block.max_length ?? 4096)) return { ok: false, problem: 'too_long' };
      {
        const bad = checkPattern(block, text);
        if (bad) return { ok: false, problem: bad };
      }
      return { ok: true, value: text, display: text };
    case 'email': {
      const email = text.toLowerCase();
      return EMAIL.test(email) && email.length <= 254
        ? { ok: true, value: email, display: email }
        : { ok: false, problem: 'invalid_email' };
    }
    case 'phone': {
      const country = isCountry(block.default_country) ? block.default_country : undefined;
      const p = normalizePhone(text, country);
      return p.ok ? { ok: true, value: p.e164, display: p.e164 } : { ok: false, problem: `invalid_phone:${p.reason}` };
    }
    case 'number': {
      const cleaned = text.replace(/\s/g, '').replace(/,(?=\d+$)/, '.');
      if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return { ok: false, problem: 'not_a_number' };
      const n = Number(cleaned);
      if (block.min !== undefined && n < block.min) return { ok: false, problem: 'below_min' };
      if (block.max !== undefined && n > block.max) return { ok: false, problem: 'above_max' };
      const notWhole = checkInteger(block, n);
      if (notWhole) return { ok: false, problem: notWhole };
      return { ok: true, value: n, display: String(n) };
    }
    case 'date': {
      const iso = parseDate(text, block.format ?? 'YYYY-MM-DD');
      if (!iso) return { ok: false, problem: 'invalid_date' };
      const bad = checkDate(block, iso, ctx);
      return bad ? { ok: false, problem: bad } : { ok: true, value: iso, display: iso };
    }
  }
}

function choose(options: ReadonlyArray<{ id: string; title: string }>, answer: Answer, text: string): AnswerCheck {
  const byId = answer.replyId ? options.find((o) => o.id === answer.replyId) : undefined;
  const lower = text.toLowerCase();
  const index = /^\d{1,2}$/.test(text) ? options[Number(text) - 1] : undefined;
  const picked = byId ?? options.find((o) => o.title.toLowerCase() === lower || o.id.toLowerCase() === lower) ?? index;
  return picked ? { ok: true, value: picked.id, display: picked.title } : { ok: false, problem: 'not_an_option' };
}

/** A date typed in the block's format -> YYYY-MM-DD, or null when it is not a real date. */
export function parseDate(text: string, format: string): string | null {
  const sep = format.includes('/') ? '/' : format.includes('.') ? '.' : '-';
  const parts = text.split(sep).map((p) => p.trim());
  const order = format.split(sep);
  if (parts.length !== 3 || order.length !== 3 || !parts.every((p) => /^\d{1,4}$/.test(p))) return null;
  const get = (k: string) => Number(parts[order.indexOf(k)]);
  const y = get('YYYY');
  const m = get('MM');
  const d = get('DD');
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null; // 31/02 and friends
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function isCountry(c: string | undefined): c is CountryCode {
  return typeof c === 'string' && /^[A-Z]{2}$/.test(c);
}
