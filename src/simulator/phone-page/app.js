// The simulated customer's phone: pick a number, chat with the business through the
// simulator's /_sim test API, and watch statuses live over Server-Sent Events.
import { el, renderMessage, setReaction, snippet, updateTicks } from './render.js';

const $ = (id) => document.getElementById(id);
const state = { waId: '', name: '', messages: new Map(), nodes: new Map(), source: null, replyTo: null };

function say(text, bad = false) {
  $('status-line').textContent = text;
  $('status-line').classList.toggle('bad', bad);
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data?.error?.message || `${method} ${path}: HTTP ${res.status}`);
  return data;
}

const base = () => `/_sim/customers/${encodeURIComponent(state.waId)}`;

const actions = {
  buttonReply: (wamid, buttonId) => act(() => api('POST', `${base()}/actions/button-reply`, { message_id: wamid, button_id: buttonId })),
  listReply: (wamid, rowId) => act(() => api('POST', `${base()}/actions/list-reply`, { message_id: wamid, row_id: rowId })),
  templateButton: (wamid, payload) => act(() => api('POST', `${base()}/actions/template-button`, { message_id: wamid, payload })),
  react: (wamid, emoji) => sendItem({ type: 'reaction', reaction: { message_id: wamid, emoji } }, false),
  replyTo: (wamid) => {
    state.replyTo = wamid;
    $('reply-text').textContent = snippet(state.messages.get(wamid));
    $('reply-bar').hidden = false;
    $('text').focus();
  },
  openAttach: () => ($('attach').hidden = false),
};

async function act(fn) {
  try {
    await fn();
    say('');
    await sync();
  } catch (e) {
    say(e.message, true);
  }
}

/** Send an inbound item (adds the reply context and the profile name). */
function sendItem(item, withContext = true) {
  if (withContext && state.replyTo) item.context = { id: state.replyTo };
  item.profile_name = state.name || undefined;
  return act(async () => {
    await api('POST', `${base()}/messages`, item);
    if (withContext) cancelReply();
  });
}

function cancelReply() {
  state.replyTo = null;
  $('reply-bar').hidden = true;
}

/** Insert or refresh one message; reactions decorate their target instead of a bubble. */
function upsert(m) {
  const isReaction = m.direction === 'out' ? m.type === 'reaction' : m.item?.type === 'reaction';
  if (isReaction) {
    const r = m.direction === 'out' ? m.body?.reaction : m.item?.reaction;
    state.messages.set(m.wamid, m);
    const target = state.nodes.get(r?.message_id);
    if (target) setReaction(target, r?.emoji, m.direction === 'out');
    return;
  }
  const node = state.nodes.get(m.wamid);
  if (node) {
    state.messages.set(m.wamid, m);
    updateTicks(node, m);
    return;
  }
  state.messages.set(m.wamid, m);
  const bubble = renderMessage(m, (id) => snippet(state.messages.get(id)), actions);
  state.nodes.set(m.wamid, bubble);
  $('messages').append(bubble);
  bubble.scrollIntoView({ block: 'end' });
}

/** Load the whole conversation (initial open, SSE reconnects, after our own sends). */
async function sync() {
  if (!state.waId) return;
  const { data } = await api('GET', `${base()}/messages`);
  for (const m of data) upsert(m);
  markRead();
}

/** The chat is open and visible: the customer reads what the business sent. */
function markRead() {
  if (!state.waId || document.visibilityState !== 'visible') return;
  const unread = [...state.messages.values()].some((m) => m.direction === 'out' && m.status !== 'read' && m.status !== 'failed');
  if (unread) api('POST', `${base()}/read`, {}).catch((e) => say(e.message, true));
}

function listen() {
  state.source?.close();
  const source = new EventSource(`/_sim/events?wa_id=${encodeURIComponent(state.waId)}`);
  state.source = source;
  source.addEventListener('open', () => sync().catch((e) => say(e.message, true)));
  source.addEventListener('outbound', (ev) => {
    upsert(JSON.parse(ev.data));
    markRead();
  });
  source.addEventListener('inbound', (ev) => upsert(JSON.parse(ev.data)));
  source.addEventListener('status', (ev) => {
    const s = JSON.parse(ev.data);
    const m = state.messages.get(s.wamid);
    if (!m) return;
    m.status = s.status;
    if (s.error) m.error = s.error;
    upsert(m);
  });
  source.addEventListener('business_read', (ev) => {
    for (const id of JSON.parse(ev.data).wamids) {
      const m = state.messages.get(id);
      if (!m) continue;
      m.readByBusiness = true;
      upsert(m);
    }
  });
  source.addEventListener('typing', (ev) => ($('typing').hidden = !JSON.parse(ev.data).typing));
}

async function openChat(waId, name, identity) {
  state.waId = waId.replace(/\D/g, '');
  state.name = name.trim();
  if (!/^\d{6,15}$/.test(state.waId)) return say('Enter the customer number as 6-15 digits (country code first).', true);
  // A username customer (optionally with the number hidden from the business, docs/whatsapp-identity.md).
  if (identity?.username) {
    try {
      await api('POST', '/_sim/customers', {
        wa_id: state.waId,
        ...(state.name ? { profile_name: state.name } : {}),
        username: identity.username,
        hide_phone: identity.hidePhone,
      });
    } catch (e) {
      return say(e.message, true);
    }
  }
  state.messages.clear();
  state.nodes.clear();
  $('messages').replaceChildren();
  $('chat-title').textContent = `${state.name || 'Customer'} · +${state.waId}`;
  $('text').disabled = false;
  $('send').disabled = false;
  document.body.dataset.chat = state.waId;
  history.replaceState(null, '', `?wa_id=${state.waId}${state.name ? `&name=${encodeURIComponent(state.name)}` : ''}`);
  listen();
  await sync().catch((e) => say(e.message, true));
  loadKnown();
}

async function loadKnown() {
  const { data } = await api('GET', '/_sim/customers').catch(() => ({ data: [] }));
  const select = $('known');
  select.replaceChildren(
    el('option', { value: '' }, 'Known customers…'),
    ...data.map((c) =>
      el(
        'option',
        { value: c.wa_id, dataset: { name: c.profile_name } },
        `${c.profile_name} · +${c.wa_id}${c.window_open ? ' · window open' : ''}`,
      ),
    ),
  );
}

function kindOf(mime) {
  if (mime === 'image/webp') return 'sticker';
  if (mime === 'image/jpeg' || mime === 'image/png') return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime === 'video/mp4' || mime === 'video/3gpp') return 'video';
  return 'document';
}

async function sendFile() {
  const file = $('file').files[0];
  if (!file) return say('Choose a file first.', true);
  // Read and clear the form first: the person may pick the next file while this one uploads.
  const caption = $('caption').value;
  const voice = $('voice').checked;
  $('file').value = '';
  $('caption').value = '';
  const form = new FormData();
  form.append('file', file, file.name);
  const res = await fetch('/_sim/media', { method: 'POST', body: form });
  const up = await res.json();
  if (!res.ok) return say(up?.error?.message || 'upload failed', true);
  const kind = kindOf(up.mime_type);
  const obj = { id: up.id };
  if (caption && ['image', 'video', 'document'].includes(kind)) obj.caption = caption;
  if (kind === 'document') obj.filename = file.name;
  if (kind === 'audio') obj.voice = voice;
  await sendItem({ type: kind, [kind]: obj });
}

$('pick').addEventListener('submit', (e) => {
  e.preventDefault();
  openChat($('wa-id').value, $('profile-name').value, { username: $('username').value.trim(), hidePhone: $('hide-phone').checked });
});
$('known').addEventListener('change', (e) => {
  const opt = e.target.selectedOptions[0];
  if (!opt?.value) return;
  $('wa-id').value = opt.value;
  $('profile-name').value = opt.dataset.name || '';
  openChat(opt.value, opt.dataset.name || '');
});
$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const body = $('text').value;
  if (!body.trim() || !state.waId) return;
  $('text').value = '';
  sendItem({ type: 'text', text: { body } });
});
$('reply-cancel').addEventListener('click', cancelReply);
$('attach-toggle').addEventListener('click', () => ($('attach').hidden = !$('attach').hidden));
$('send-file').addEventListener('click', () => sendFile().catch((e) => say(e.message, true)));
$('send-location').addEventListener('click', () => {
  const latitude = Number($('lat').value);
  const longitude = Number($('lng').value);
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || $('lat').value === '' || $('lng').value === '')
    return say('Latitude and longitude must be numbers.', true);
  const location = { latitude, longitude };
  if ($('loc-name').value) location.name = $('loc-name').value;
  sendItem({ type: 'location', location });
});
$('send-contact').addEventListener('click', () => {
  const name = $('contact-name').value.trim();
  const phone = $('contact-phone').value.trim();
  if (!name) return say('A contact needs a name.', true);
  sendItem({
    type: 'contacts',
    contacts: [
      {
        name: { formatted_name: name, first_name: name.split(' ')[0] },
        phones: phone ? [{ phone, type: 'CELL', wa_id: phone.replace(/\D/g, '') }] : [],
      },
    ],
  });
});
document.addEventListener('visibilitychange', markRead);

/** The simulator's clock; skipping ahead lets a person try the 24-hour window and timed flow steps now. */
async function showClock() {
  const c = await api('GET', '/_sim/clock');
  $('clock-now').textContent = `Clock: ${new Date(c.now).toLocaleString()}`;
  return c;
}
$('clock').addEventListener('submit', (e) => {
  e.preventDefault();
  const hours = Number($('skip-hours').value);
  if (!(hours > 0 && hours <= 8784)) return say('Skip a number of hours above 0 (up to a year).', true);
  api('POST', '/_sim/clock/advance', { ms: Math.round(hours * 3_600_000) })
    .then(async (c) => {
      $('clock-now').textContent = `Clock: ${new Date(c.now).toLocaleString()}`;
      say(`Skipped ${hours} h${c.shared_clock ? " (Switchboard's clock too)" : " (the simulator's clock only)"}`);
      await loadKnown();
      if (state.waId) await sync();
    })
    .catch((err) => say(err.message, true));
});

const params = new URLSearchParams(location.search);
loadKnown();
showClock().catch((e) => say(e.message, true));
if (params.get('wa_id')) {
  $('wa-id').value = params.get('wa_id');
  $('profile-name').value = params.get('name') || '';
  openChat(params.get('wa_id'), params.get('name') || '');
}
