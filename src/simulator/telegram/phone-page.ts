import type { FastifyInstance } from 'fastify';

// Same headers as the WhatsApp phone page: no inline script or style, no framing.
const HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Telegram phone (simulator)</title><link rel="stylesheet" href="/phone/style.css"></head>
<body><main>
<header><strong>Telegram</strong> <span id="bot"></span></header>
<section id="who"><label>User <select id="users"></select></label>
<input id="name" placeholder="First name" maxlength="64"><button id="add" type="button">New user</button>
<button id="block" type="button">Block bot</button></section>
<ol id="chat" aria-live="polite"></ol>
<form id="compose"><input id="text" placeholder="Message" autocomplete="off" maxlength="4096"><button type="submit">Send</button>
<button id="loc" type="button" title="Send a location">📍</button></form>
</main><script src="/phone/app.js"></script></body></html>`;

const CSS = `body{margin:0;font-family:system-ui,sans-serif;background:#d7e4ee}main{max-width:420px;margin:0 auto;display:flex;flex-direction:column;height:100vh;background:#eef3f7}
header{background:#517da2;color:#fff;padding:10px}#who{padding:6px;display:flex;gap:4px;flex-wrap:wrap}#chat{flex:1;overflow:auto;list-style:none;margin:0;padding:8px}
li{margin:4px 0;padding:6px 9px;border-radius:10px;max-width:80%;white-space:pre-wrap;word-break:break-word}li.in{background:#fff}li.out{background:#effdde;margin-left:auto}
li .kb{display:flex;flex-wrap:wrap;gap:4px;margin-top:6px}li .kb button{flex:1}form{display:flex;gap:4px;padding:6px}form input{flex:1}`;

const JS = `const $ = (id) => document.getElementById(id);
let current = null; let info = null;
async function api(path, body) {
  const r = await fetch('/_sim' + path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error((await r.json()).error?.message ?? r.status);
  return r.json();
}
async function refreshInfo() {
  info = await api('/info');
  $('bot').textContent = '@' + info.bot.username;
  const sel = $('users'); const keep = current;
  sel.replaceChildren(...info.users.map((u) => { const o = document.createElement('option'); o.value = u.id; o.textContent = u.first_name + ' (' + u.id + ')' + (u.blocked ? ' blocked' : ''); return o; }));
  if (keep) sel.value = keep; current = sel.value || null;
  const me = info.users.find((u) => String(u.id) === current);
  $('block').textContent = me?.blocked ? 'Unblock bot' : 'Block bot';
}
function describe(m) {
  if (m.text) return m.text;
  if (m.caption) return m.caption;
  for (const k of ['photo','video','voice','audio','document','sticker','location','venue','contact']) if (m[k]) return '[' + k + ']';
  return '[message]';
}
async function refreshChat() {
  if (!current) return;
  const { messages } = await api('/users/' + current + '/chat');
  $('chat').replaceChildren(...messages.map((m) => {
    const li = document.createElement('li'); li.className = m.from?.is_bot ? 'out' : 'in';
    li.textContent = describe(m) + (m.edit_date ? ' (edited)' : '');
    const rows = m.reply_markup?.inline_keyboard;
    if (rows) { const kb = document.createElement('div'); kb.className = 'kb';
      for (const b of rows.flat()) { const btn = document.createElement('button'); btn.type = 'button'; btn.textContent = b.text;
        btn.onclick = () => api('/users/' + current + '/press', { message_id: m.message_id, data: b.callback_data }).then(refreshChat); kb.append(btn); }
      li.append(kb); }
    return li; }));
}
$('users').onchange = () => { current = $('users').value; refreshInfo(); refreshChat(); };
$('add').onclick = async () => { const u = await api('/users', { first_name: $('name').value || undefined }); current = String(u.id); await refreshInfo(); refreshChat(); };
$('block').onclick = async () => { const me = info.users.find((u) => String(u.id) === current); if (!me) return; await api('/users/' + current + '/block', { blocked: !me.blocked }); refreshInfo(); };
$('loc').onclick = async () => { if (!current) return; await api('/users/' + current + '/messages', { type: 'location', latitude: 52.52, longitude: 13.405 }); refreshChat(); };
$('compose').onsubmit = async (e) => { e.preventDefault(); const text = $('text').value.trim(); if (!text || !current) return;
  await api('/users/' + current + '/messages', { text }); $('text').value = ''; refreshChat(); };
refreshInfo().then(refreshChat); setInterval(() => { refreshChat().catch(() => {}); }, 1000);
`;

/** A phone-like page for the simulated Telegram users (GET /phone?token=..., like the WhatsApp simulator's). */
export function registerTgPhonePage(app: FastifyInstance): void {
  app.get('/phone', async (_req, reply) => reply.headers(HEADERS).type('text/html; charset=utf-8').send(HTML));
  app.get('/phone/app.js', async (_req, reply) => reply.headers(HEADERS).type('text/javascript; charset=utf-8').send(JS));
  app.get('/phone/style.css', async (_req, reply) => reply.headers(HEADERS).type('text/css; charset=utf-8').send(CSS));
}
