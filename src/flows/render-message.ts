import type { OutboundContent } from '../channels/channel-types.ts';
import { choiceOptions, choicePage, currentPage } from './choice-options.ts';
import { interpolate } from './expression.ts';
import type { AskBlock, MessageSpec } from './flow-types.ts';

/** A message spec with its templates filled in, cut to WhatsApp's limits (values can be long). */
export function renderMessage(spec: MessageSpec, scope: unknown): OutboundContent {
  const t = (s: string, max: number) => cut(interpolate(s, scope), max);
  const opt = (s: string | undefined, max: number) => (s === undefined ? undefined : t(s, max));
  if ('text' in spec) return { type: 'text', text: t(spec.text, 4096) };
  if ('media' in spec) {
    const m = spec.media;
    return { type: m.type, link: interpolate(m.url, scope), caption: opt(m.caption, 1024), filename: opt(m.filename, 240) };
  }
  if ('location' in spec) {
    const l = spec.location;
    return { type: 'location', latitude: l.latitude, longitude: l.longitude, name: opt(l.name, 1000), address: opt(l.address, 1000) };
  }
  if ('buttons' in spec) {
    const b = spec.buttons;
    return {
      type: 'buttons',
      body: t(b.body, 1024),
      header: opt(b.header, 60),
      footer: opt(b.footer, 60),
      buttons: b.buttons.map((x) => ({ id: x.id, title: t(x.title, 20) })),
    };
  }
  if ('list' in spec) {
    const l = spec.list;
    return {
      type: 'list',
      body: t(l.body, 4096),
      button: t(l.button, 20),
      header: opt(l.header, 60),
      footer: opt(l.footer, 60),
      sections: l.sections.map((s) => ({
        title: opt(s.title, 24),
        rows: s.rows.map((r) => ({ id: r.id, title: t(r.title, 24), description: opt(r.description, 72) })),
      })),
    };
  }
  const c = spec.cta_url;
  return {
    type: 'cta_url',
    body: t(c.body, 1024),
    displayText: t(c.display_text, 20),
    url: interpolate(c.url, scope),
    header: opt(c.header, 60),
    footer: opt(c.footer, 60),
  };
}

/** The question an ask block sends: text, or buttons / a list for a choice. */
export function renderPrompt(block: AskBlock, text: string, scope: { session: Record<string, unknown> }): OutboundContent {
  const options = block.kind === 'choice' ? choiceOptions(block, scope) : [];
  if (!options.length) return renderMessage({ text }, scope);
  const { style, rows } = choicePage(block, options, currentPage(scope.session));
  if (!block.options_from) {
    if (style === 'buttons')
      return renderMessage({ buttons: { body: text, buttons: rows.map((o) => ({ id: o.id, title: o.title })) } }, scope);
    return renderMessage({ list: { body: text, button: block.button ?? 'Choose', sections: [{ rows }] } }, scope);
  }
  // Titles read from data are shown as they are, not interpolated as templates.
  const body = interpolate(text, scope);
  if (style === 'buttons')
    return { type: 'buttons', body: cut(body, 1024), buttons: rows.map((o) => ({ id: o.id, title: cut(o.title, 20) })) };
  const listRows = rows.map((o) => ({
    id: o.id,
    title: cut(o.title, 24),
    description: o.description === undefined ? undefined : cut(o.description, 72),
  }));
  return {
    type: 'list',
    body: cut(body, 4096),
    button: cut(interpolate(block.button ?? 'Choose', scope), 20),
    sections: [{ rows: listRows }],
  };
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
