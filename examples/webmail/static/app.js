// The webmail page: talks to the JSON API with the session cookie (sent by
// the browser, unreadable here) and the CSRF token (from the login answer
// or /api/session) in the X-CSRF-Token header of every POST. Mail text is
// only ever put into the page as textContent; mail HTML only into the
// sandboxed iframe, from its own endpoint.
'use strict';

const state = { csrf: '', folder: 'INBOX', page: 0, total: 0, pageSize: 50, query: '',
                folders: [], message: null, version: -1 };

const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const init = { credentials: 'same-origin', headers: {} };
  if (options.body !== undefined) {
    init.method = 'POST';
    init.headers['Content-Type'] = 'application/json';
    init.headers['X-CSRF-Token'] = state.csrf;
    init.body = JSON.stringify(options.body);
  }
  const res = await fetch(path, init);
  const data = await res.json().catch(() => ({ error: 'bad answer (HTTP ' + res.status + ')' }));
  if (res.status === 401 && path !== '/api/login') showLogin();
  if (!res.ok) throw new Error(data.error || ('HTTP ' + res.status));
  return data;
}

function query(params) {
  return Object.entries(params).map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&');
}

function status(text) { $('status').textContent = text || ''; }

// The lists load concurrently (clicks, the live-update poll) and answers can
// arrive out of order: only the answer to the newest request of each kind is
// shown, so an older, slower one cannot put back a list from before a change.
const issued = { messages: 0, folders: 0 };
function newest(kind) {
  const n = ++issued[kind];
  return () => n === issued[kind];
}

function showLogin() {
  state.version = -1;
  $('app').hidden = true;
  $('login').hidden = false;
}

async function showApp(user) {
  $('login').hidden = true;
  $('app').hidden = false;
  $('whoami').textContent = user;
  await Promise.all([loadFolders(), loadMessages(), loadQuota()]);
}

function folderLabel(f) {
  const parts = f.delimiter ? f.name.split(f.delimiter) : [f.name];
  return parts[parts.length - 1];
}

async function loadFolders() {
  const current = newest('folders');
  const folders = await api('/api/folders');
  if (!current()) return;
  state.folders = folders;
  const ul = $('folders');
  ul.replaceChildren();
  // Rebuilt on every refresh: keep the target the user picked.
  const select = $('move-select');
  const picked = select.value;
  select.replaceChildren();
  for (const f of state.folders) {
    const li = document.createElement('li');
    const depth = f.delimiter ? f.name.split(f.delimiter).length - 1 : 0;
    li.style.paddingLeft = (0.4 + depth) + 'em';
    li.dataset.folder = f.name;
    li.textContent = folderLabel(f) + (f.unseen ? ' (' + f.unseen + ')' : '');
    if (f.name === state.folder) li.classList.add('current');
    li.addEventListener('click', () => openFolder(f.name));
    ul.appendChild(li);
    const option = document.createElement('option');
    option.value = f.name;
    option.textContent = f.name;
    select.appendChild(option);
  }
  if (picked) select.value = picked;
}

async function openFolder(name) {
  state.folder = name;
  state.page = 0;
  state.query = '';
  $('search').value = '';
  $('message-view').hidden = true;
  await Promise.all([loadFolders(), loadMessages()]);
}

function formatDate(iso) {
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

function fromText(list) {
  if (!list || !list.length) return '';
  return list.map((a) => a.name || a.email).join(', ');
}

async function loadMessages() {
  const current = newest('messages');
  const data = await api('/api/messages?' + query({ folder: state.folder, page: state.page, q: state.query }));
  if (!current()) return;
  state.version = data.version;
  state.total = data.total;
  state.pageSize = data.page_size;
  const ul = $('messages');
  ul.replaceChildren();
  for (const m of data.messages) {
    const li = document.createElement('li');
    li.className = 'message' + (m.seen ? '' : ' unread') + (m.flagged ? ' flagged' : '');
    li.dataset.uid = m.uid;
    if (state.message && state.message.uid === m.uid) li.classList.add('current');
    for (const [cls, text] of [['subject', m.subject || '(no subject)'], ['from', fromText(m.from)],
                               ['date', formatDate(m.date)]]) {
      const div = document.createElement('div');
      div.className = cls;
      div.textContent = text;
      li.appendChild(div);
    }
    li.addEventListener('click', () => openMessage(m.uid));
    ul.appendChild(li);
  }
  const pages = Math.max(1, Math.ceil(state.total / state.pageSize));
  $('page-info').textContent = (state.page + 1) + ' / ' + pages + ' (' + state.total + ')';
  $('prev').disabled = state.page === 0;
  $('next').disabled = state.page + 1 >= pages;
}

async function loadQuota() {
  const q = await api('/api/quota');
  if (q.limit_kib === undefined) {
    $('quota-text').textContent = '';
    return;
  }
  const pct = q.limit_kib ? Math.min(100, Math.round(100 * q.usage_kib / q.limit_kib)) : 0;
  $('quota-fill').style.width = pct + '%';
  $('quota-text').textContent = Math.round(q.usage_kib / 1024) + ' of ' + Math.round(q.limit_kib / 1024) + ' MiB';
}

async function openMessage(uid) {
  const m = await api('/api/message?' + query({ folder: state.folder, uid }));
  state.message = { uid, folder: state.folder, flagged: false, seen: true };
  $('message-view').hidden = false;
  $('msg-subject').textContent = m.subject || '(no subject)';
  $('msg-from').textContent = (m.from || []).map((a) => (a.name ? a.name + ' <' + a.email + '>' : a.email)).join(', ');
  $('msg-to').textContent = (m.to || []).map((a) => a.name || a.email).join(', ');
  $('msg-date').textContent = m.date;
  $('msg-text').textContent = m.text;
  $('msg-text').hidden = m.has_html && !m.text;
  const frame = $('msg-html');
  frame.hidden = !m.has_html;
  frame.src = m.has_html ? '/api/message/html?' + query({ folder: state.folder, uid }) : 'about:blank';
  $('msg-blocked').hidden = !m.blocked_images;
  $('msg-blocked').textContent = m.blocked_images + ' remote image(s) blocked';
  const ul = $('attachments');
  ul.replaceChildren();
  for (const a of m.attachments) {
    const li = document.createElement('li');
    const link = document.createElement('a');
    link.href = '/api/attachment?' + query({ folder: state.folder, uid, part: a.part });
    link.download = a.filename;
    link.textContent = a.filename + ' (' + a.content_type + ', ' + a.size + ' bytes)';
    li.appendChild(link);
    ul.appendChild(li);
  }
  await loadMessages();
  const row = document.querySelector('#messages li[data-uid="' + uid + '"]');
  state.message.flagged = !!(row && row.classList.contains('flagged'));
  updateActionLabels();
  await loadFolders();
}

function updateActionLabels() {
  $('flag-button').textContent = state.message.flagged ? 'Unflag' : 'Flag';
  $('read-button').textContent = state.message.seen ? 'Mark unread' : 'Mark read';
}

async function act(fn) {
  try {
    status('');
    await fn();
  } catch (e) {
    status(e.message);
  }
}

async function setFlag(flag, on) {
  const m = state.message;
  await api('/api/flag', { body: { folder: m.folder, uid: m.uid, flag, set: on } });
  m[flag] = on;
  updateActionLabels();
  await Promise.all([loadMessages(), loadFolders()]);
}

async function moveTo(target) {
  const m = state.message;
  await api('/api/move', { body: { folder: m.folder, uid: m.uid, to: target } });
  closeMessage();
}

async function remove() {
  const m = state.message;
  await api('/api/delete', { body: { folder: m.folder, uid: m.uid } });
  closeMessage();
}

function closeMessage() {
  state.message = null;
  $('message-view').hidden = true;
  return Promise.all([loadMessages(), loadFolders(), loadQuota()]);
}

// Live updates: the server idles (IMAP IDLE) on the open folder and counts
// the changes it is told about; each list answer says which count it is
// current with, and when the count moves past that, the lists reload. When
// the server idles on another folder than the one shown (requests of two
// quick folder clicks reached it in the other order), reloading selects ours
// again. Not polled while logged out: a 401 answer shows the login form,
// which must not replace a login that succeeded meanwhile.
async function poll() {
  if ($('app').hidden || state.version === -1) return;
  try {
    const e = await api('/api/events');
    const elsewhere = e.folder !== '' && e.folder !== state.folder;
    if (elsewhere || e.version !== state.version) await Promise.all([loadMessages(), loadFolders()]);
  } catch (e) {
    // the session ended, or the server is restarting: the next tick tries again
  }
}

function start() {
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    $('login-error').textContent = '';
    api('/api/login', { body: { user: $('user').value, password: $('password').value } })
      .then((s) => { state.csrf = s.csrf_token; $('password').value = ''; return showApp(s.user); })
      .catch((e) => { $('login-error').textContent = e.message; });
  });
  $('logout').addEventListener('click', () => act(async () => {
    await api('/api/logout', { body: {} });
    state.csrf = '';
    showLogin();
  }));
  $('search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.query = $('search').value;
    state.page = 0;
    act(loadMessages);
  });
  $('prev').addEventListener('click', () => act(() => { state.page--; return loadMessages(); }));
  $('next').addEventListener('click', () => act(() => { state.page++; return loadMessages(); }));
  $('flag-button').addEventListener('click', () => act(() => setFlag('flagged', !state.message.flagged)));
  $('read-button').addEventListener('click', () => act(() => setFlag('seen', !state.message.seen)));
  $('move-button').addEventListener('click', () => act(() => moveTo($('move-select').value)));
  $('delete-button').addEventListener('click', () => act(remove));
  setInterval(poll, 1500);
  fetch('/api/session', { credentials: 'same-origin' })
    .then((res) => (res.ok ? res.json() : null))
    .then((s) => { if (s) { state.csrf = s.csrf_token; return showApp(s.user); } showLogin(); })
    .catch(showLogin);
}

document.addEventListener('DOMContentLoaded', start);
