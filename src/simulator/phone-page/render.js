// Renders one message bubble. Untrusted strings only ever go through textContent or
// attribute setters after validation (URLs must be http(s)); never innerHTML.

/** Create an element: el('div', {className: 'x', dataset: {a: 'b'}}, child, 'text', ...). */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'onclick') node.addEventListener('click', v);
    else node[k] = v;
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function safeUrl(u) {
  try {
    const url = new URL(String(u));
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const mediaUrl = (id) => `/_sim/media/${encodeURIComponent(String(id))}`;
const tickText = { accepted: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '⚠' };

/** A media element for a stored id, or a placeholder naming the (not fetched) link. */
function media(kind, obj) {
  if (!obj) return null;
  if (obj.id) {
    const src = mediaUrl(obj.id);
    if (kind === 'image' || kind === 'sticker') return el('img', { className: 'media', src, alt: kind });
    if (kind === 'video') return el('video', { className: 'media', src, controls: true });
    if (kind === 'audio') return el('audio', { src, controls: true });
    return el('a', { href: src, download: obj.filename || 'document' }, '📄 ', obj.filename || 'document');
  }
  const link = safeUrl(obj.link);
  return el(
    'div',
    { className: 'placeholder' },
    `[${kind}${obj.voice ? ' (voice)' : ''}] `,
    link ? el('a', { href: link, target: '_blank', rel: 'noopener noreferrer' }, link) : '(link)',
  );
}

function location(loc) {
  return el('div', {}, '📍 ', [loc.name, loc.address].filter(Boolean).join(', ') || 'Location', ` (${loc.latitude}, ${loc.longitude})`);
}

function contacts(list) {
  return (list || []).map((c) =>
    el(
      'div',
      {},
      '👤 ',
      c?.name?.formatted_name || 'Contact',
      ' ',
      (c?.phones || [])
        .map((p) => p?.phone)
        .filter(Boolean)
        .join(', '),
    ),
  );
}

/** Business message content from the Graph request body (or the rendered template). */
function outboundContent(m, act) {
  const b = m.body || {};
  const parts = [];
  if (m.type === 'text') parts.push(el('div', {}, b.text?.body ?? ''));
  else if (['image', 'video', 'audio', 'document', 'sticker'].includes(m.type)) {
    parts.push(media(m.type, b[m.type]));
    if (b[m.type]?.caption) parts.push(el('div', {}, b[m.type].caption));
  } else if (m.type === 'location') parts.push(location(b.location || {}));
  else if (m.type === 'contacts') parts.push(...contacts(b.contacts));
  else if (m.type === 'interactive') parts.push(...interactive(m, b.interactive || {}, act));
  else if (m.type === 'template' && m.template) parts.push(...template(m, m.template, act));
  else parts.push(el('div', {}, m.text ?? `[${m.type}]`));
  return parts;
}

function interactive(m, i, act) {
  const out = [];
  const h = i.header;
  if (h?.type === 'text') out.push(el('div', { className: 'header-text' }, h.text));
  else if (h?.[h.type]) out.push(media(h.type, h[h.type]));
  out.push(el('div', {}, i.body?.text ?? ''));
  if (i.footer?.text) out.push(el('div', { className: 'footer' }, i.footer.text));
  if (i.type === 'button') {
    const buttons = (i.action?.buttons || []).map((btn) =>
      el(
        'button',
        {
          type: 'button',
          dataset: { action: 'button-reply', buttonId: btn.reply?.id ?? '' },
          onclick: () => act.buttonReply(m.wamid, btn.reply?.id),
        },
        btn.reply?.title ?? '',
      ),
    );
    out.push(el('div', { className: 'wa-buttons' }, buttons));
  } else if (i.type === 'list') {
    const rows = el('div', { className: 'rows', hidden: true });
    for (const s of i.action?.sections || []) {
      if (s.title) rows.append(el('div', { className: 'section' }, s.title));
      for (const r of s.rows || []) {
        rows.append(
          el(
            'button',
            { type: 'button', dataset: { action: 'list-reply', rowId: r.id ?? '' }, onclick: () => act.listReply(m.wamid, r.id) },
            r.title ?? '',
            r.description ? el('small', {}, r.description) : null,
          ),
        );
      }
    }
    out.push(
      el(
        'div',
        { className: 'wa-buttons' },
        el(
          'button',
          { type: 'button', dataset: { action: 'open-list' }, onclick: () => (rows.hidden = !rows.hidden) },
          '☰ ',
          i.action?.button ?? 'Menu',
        ),
      ),
      rows,
    );
  } else if (i.type === 'cta_url') {
    const url = safeUrl(i.action?.parameters?.url);
    const label = i.action?.parameters?.display_text ?? 'Open';
    out.push(
      el(
        'div',
        { className: 'wa-buttons' },
        url ? el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, '↗ ', label) : el('span', {}, label),
      ),
    );
  } else if (i.type === 'location_request_message') {
    out.push(el('div', { className: 'wa-buttons' }, el('button', { type: 'button', onclick: () => act.openAttach() }, '📍 Send location')));
  }
  return out;
}

function template(m, t, act) {
  const out = [];
  const h = t.header;
  if (h?.format === 'TEXT') out.push(el('div', { className: 'header-text' }, h.text ?? ''));
  else if (h?.format === 'LOCATION') out.push(location(h.location || {}));
  else if (h?.media) out.push(media(h.format.toLowerCase(), h.media));
  out.push(el('div', {}, t.body ?? ''));
  if (t.footer) out.push(el('div', { className: 'footer' }, t.footer));
  const buttons = (t.buttons || []).map((b) => {
    if (b.type === 'QUICK_REPLY')
      return el(
        'button',
        {
          type: 'button',
          dataset: { action: 'template-button', payload: b.payload ?? b.text },
          onclick: () => act.templateButton(m.wamid, b.payload ?? b.text),
        },
        b.text,
      );
    if (b.type === 'URL') {
      const url = safeUrl(b.url);
      return url ? el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, '↗ ', b.text) : el('span', {}, b.text);
    }
    if (b.type === 'PHONE_NUMBER') return el('span', {}, '📞 ', b.text, ' ', b.phone_number ?? '');
    if (b.type === 'COPY_CODE') return el('span', {}, '📋 ', b.text, ': ', b.code ?? '');
    return el('span', {}, b.text);
  });
  if (buttons.length) out.push(el('div', { className: 'wa-buttons' }, buttons));
  return out;
}

/** Customer message content from the webhook item. */
function inboundContent(item) {
  const t = item.type;
  if (t === 'text') return [el('div', {}, item.text?.body ?? '')];
  if (['image', 'video', 'audio', 'document', 'sticker'].includes(t))
    return [media(t, item[t]), item[t]?.caption ? el('div', {}, item[t].caption) : null];
  if (t === 'location') return [location(item.location || {})];
  if (t === 'contacts') return contacts(item.contacts);
  if (t === 'interactive') {
    const r = item.interactive?.button_reply || item.interactive?.list_reply || {};
    return [el('div', {}, '↪ ', r.title ?? '', r.description ? el('small', {}, ' — ', r.description) : null)];
  }
  if (t === 'button') return [el('div', {}, '↪ ', item.button?.text ?? '')];
  return [el('div', {}, `[${t}]`)];
}

/** Full bubble: quote, content, meta line (time + ticks), per-message actions. */
export function renderMessage(m, quoteText, act) {
  const out = m.direction === 'out';
  const node = el('div', { className: `msg ${out ? 'out' : 'in'}`, dataset: { wamid: m.wamid, direction: m.direction, type: m.type } });
  const contextId = out ? m.contextId : m.item?.context?.id;
  if (contextId) node.append(el('div', { className: 'quote' }, quoteText(contextId)));
  node.append(...(out ? outboundContent(m, act) : inboundContent(m.item || {})).filter(Boolean));
  const time = new Date(m.acceptedAt ?? m.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const ticks = el('span', { className: 'ticks' });
  node.append(el('div', { className: 'meta' }, time, ticks));
  node.append(
    el(
      'div',
      { className: 'actions' },
      el('button', { type: 'button', title: 'Reply', dataset: { action: 'reply' }, onclick: () => act.replyTo(m.wamid) }, '↩'),
      ['👍', '❤️', '😂', '🙏'].map((e) =>
        el('button', { type: 'button', title: 'React', dataset: { action: 'react', emoji: e }, onclick: () => act.react(m.wamid, e) }, e),
      ),
      el(
        'button',
        { type: 'button', title: 'Remove reaction', dataset: { action: 'unreact' }, onclick: () => act.react(m.wamid, '') },
        '∅',
      ),
    ),
  );
  updateTicks(node, m);
  return node;
}

/** Business messages show sent/delivered/read/failed; customer messages show read-by-business. */
export function updateTicks(node, m) {
  const ticks = node.querySelector('.ticks');
  const status = m.direction === 'out' ? m.status : m.readByBusiness ? 'read' : 'delivered';
  ticks.dataset.status = status;
  ticks.textContent = tickText[status] ?? status;
  node.classList.toggle('failed', status === 'failed');
  node.querySelector('.error')?.remove();
  if (status === 'failed' && m.error) node.append(el('div', { className: 'error' }, `Not delivered: (#${m.error.code}) ${m.error.title}`));
}

export function setReaction(node, emoji, fromBusiness) {
  let badge = node.querySelector('.reaction');
  if (!emoji) return badge?.remove();
  if (!badge) node.append((badge = el('span', { className: 'reaction' })));
  badge.textContent = emoji;
  badge.title = fromBusiness ? 'Business reaction' : 'Your reaction';
}

/** Short text of a message for quotes. */
export function snippet(m) {
  if (!m) return 'a message';
  if (m.direction === 'out') return m.text ?? `[${m.type}]`;
  const i = m.item || {};
  return (
    i.text?.body ??
    i[i.type]?.caption ??
    i.interactive?.button_reply?.title ??
    i.interactive?.list_reply?.title ??
    i.button?.text ??
    `[${i.type}]`
  );
}
