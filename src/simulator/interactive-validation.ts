import { invalid, invalidParam, missing } from './errors.ts';
import type { MediaKind } from './media-types.ts';
import { checkMax, isHttpUrl, isObject, optionalString, requireObject, requireString, type Json } from './validation-helpers.ts';

type MediaCheck = (o: Json, path: string, kinds: readonly MediaKind[]) => void;

const supported = ['button', 'list', 'cta_url', 'location_request_message'] as const;

/**
 * Interactive messages (reference §5.2). Limits come back as 131009 with Meta's "... length
 * invalid" wording. Flow, product and catalog messages are out of scope and refused with 131009.
 * Returns the body text (the readable part).
 */
export function validateInteractive(i: Json, checkMedia: MediaCheck): string {
  const type = requireString(i, 'type', 'interactive');
  if (!(supported as readonly string[]).includes(type))
    throw invalid(`interactive['type'] "${type}" is not supported by the simulator. Supported: ${supported.join(', ')}.`);
  // Contested (UNCONFIRMED): Meta's list page says 4096, libraries enforce 1024; per-type values as documented.
  const bodyMax = type === 'list' ? 4096 : 1024;
  const body = requireObject(i, 'body', 'interactive');
  const text = requireString(body, 'text', "interactive['body']");
  checkMax(text, bodyMax, "interactive['body']['text']", 131009);
  if (i.footer !== undefined) {
    const footer = requireObject(i, 'footer', 'interactive');
    checkMax(requireString(footer, 'text', "interactive['footer']"), 60, "interactive['footer']['text']", 131009);
  }
  if (i.header !== undefined) validateHeader(requireObject(i, 'header', 'interactive'), type, checkMedia);
  const action = type === 'location_request_message' && i.action === undefined ? {} : requireObject(i, 'action', 'interactive');
  switch (type) {
    case 'button':
      validateButtons(action);
      break;
    case 'list':
      validateList(action);
      break;
    case 'cta_url':
      validateCta(action);
      break;
    case 'location_request_message':
      if (action.name !== undefined && action.name !== 'send_location')
        throw invalid(`interactive['action']['name'] must be "send_location".`);
      break;
  }
  return text;
}

function validateHeader(h: Json, type: string, checkMedia: MediaCheck): void {
  const ht = requireString(h, 'type', "interactive['header']");
  if (type === 'location_request_message') throw invalid('location_request_message does not support a header.');
  if (ht === 'text') {
    checkMax(requireString(h, 'text', "interactive['header']"), 60, "interactive['header']['text']", 131009);
    return;
  }
  if (type === 'list') throw invalid(`interactive['header']['type'] must be "text" for list messages.`);
  if (ht !== 'image' && ht !== 'video' && ht !== 'document')
    throw invalid(`interactive['header']['type'] must be one of text, image, video, document.`);
  checkMedia(requireObject(h, ht, "interactive['header']"), `interactive['header']['${ht}']`, [ht]);
}

function validateButtons(action: Json): void {
  const buttons = action.buttons;
  if (buttons === undefined) throw missing(`The parameter interactive['action']['buttons'] is required.`);
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3)
    throw invalid('Buttons count invalid. Min buttons: 1, Max buttons: 3.');
  const ids = new Set<string>();
  const titles = new Set<string>();
  buttons.forEach((b, n) => {
    const p = `interactive['action']['buttons'][${n}]`;
    if (!isObject(b)) throw invalidParam(`(#100) Param ${p} must be a JSON object.`);
    if (b.type !== 'reply') throw invalid(`${p}['type'] must be "reply".`);
    const reply = requireObject(b, 'reply', p);
    const id = requireString(reply, 'id', `${p}['reply']`);
    checkMax(id, 256, `${p}['reply']['id']`, 131009);
    const title = requireString(reply, 'title', `${p}['reply']`);
    if (title.trim() === '') throw invalid(`Button title length invalid. Min length: 1, Max length: 20.`);
    checkMax(title, 20, 'Button title', 131009);
    if (ids.has(id)) throw invalid(`Duplicate button id "${id}": button ids must be unique.`);
    if (titles.has(title)) throw invalid(`Duplicate button title "${title}": button titles must be unique.`);
    ids.add(id);
    titles.add(title);
  });
}

function validateList(action: Json): void {
  const label = requireString(action, 'button', "interactive['action']");
  checkMax(label, 20, 'Button label', 131009);
  const sections = action.sections;
  if (sections === undefined) throw missing(`The parameter interactive['action']['sections'] is required.`);
  if (!Array.isArray(sections) || sections.length < 1 || sections.length > 10)
    throw invalid('Sections count invalid. Min sections: 1, Max sections: 10.');
  let rows = 0;
  const ids = new Set<string>();
  sections.forEach((s, n) => {
    const p = `interactive['action']['sections'][${n}]`;
    if (!isObject(s)) throw invalidParam(`(#100) Param ${p} must be a JSON object.`);
    const title = sections.length > 1 ? requireString(s, 'title', p) : optionalString(s, 'title', p);
    if (title !== undefined) checkMax(title, 24, 'Section title', 131009);
    const r = s.rows;
    if (!Array.isArray(r) || r.length === 0) throw missing(`The parameter ${p}['rows'] is required (a non-empty array).`);
    r.forEach((row, m) => {
      const rp = `${p}['rows'][${m}]`;
      if (!isObject(row)) throw invalidParam(`(#100) Param ${rp} must be a JSON object.`);
      const id = requireString(row, 'id', rp);
      checkMax(id, 200, 'Row id', 131009);
      checkMax(requireString(row, 'title', rp), 24, 'Row title', 131009);
      const d = optionalString(row, 'description', rp);
      if (d !== undefined) checkMax(d, 72, 'Row description', 131009);
      if (ids.has(id)) throw invalid(`Duplicate row id "${id}": row ids must be unique across sections.`);
      ids.add(id);
      rows += 1;
    });
  });
  if (rows > 10) throw invalid(`Total row count exceed max allowed count: 10 (got ${rows}).`);
}

function validateCta(action: Json): void {
  if (action.name !== 'cta_url') throw invalid(`interactive['action']['name'] must be "cta_url".`);
  const params = requireObject(action, 'parameters', "interactive['action']");
  checkMax(requireString(params, 'display_text', "interactive['action']['parameters']"), 20, 'Display text', 131009);
  const url = requireString(params, 'url', "interactive['action']['parameters']");
  if (!isHttpUrl(url)) throw invalid(`interactive['action']['parameters']['url'] must be an absolute http(s) URL.`);
}
