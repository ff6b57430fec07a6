// ocopbot webchat: chat with the bot through the Bot API emulator, as Telegram would show it.
// Message text is only ever set with textContent or text nodes, never as markup.
(() => {
  'use strict';

  const MAX_TEXT = 4096;
  const MAX_UPLOAD = 10 * 1024 * 1024;
  const DEMO_PHONE = '0912345678';
  const SAFE_SCHEMES = ['http:', 'https:', 'tg:', 'mailto:', 'tel:'];

  const byTestID = (id) => document.querySelector(`[data-testid="${id}"]`);
  const ui = {
    users: byTestID('user-list'),
    addUser: byTestID('add-user'),
    status: byTestID('status'),
    whoami: byTestID('whoami'),
    banner: byTestID('banner'),
    messages: byTestID('messages'),
    replyKb: byTestID('reply-keyboard'),
    menu: byTestID('menu'),
    menuList: byTestID('menu-list'),
    form: byTestID('composer-form'),
    composer: byTestID('composer'),
    attach: byTestID('attach'),
    shareContact: byTestID('share-contact'),
    dialog: byTestID('dialog'),
    toast: byTestID('toast'),
  };
  const title = document.querySelector('.chat-title').textContent;

  const state = {
    users: [],
    current: null, // the user the page acts as
    version: -1, // the chat version shown; -1 before the first answer
    allVersion: null,
    gen: 0, // bumped on every switch of user: stale polls stop
    abort: null,
    nodes: new Map(), // message id → element
    sigs: new Map(), // message id → JSON of what the element shows
    days: new Map(),
    replySig: '',
    menuSig: '',
    seen: new Map(), // user id → chat version seen
    toastSeen: new Set(),
    toastReady: false,
    stick: true, // the view follows new messages while scrolled to the bottom
    actionTimer: 0,
    usersSig: '',
    emptyNode: null,
  };

  // ---- HTTP ----

  class APIError extends Error {
    constructor(message, status, code) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(path, opts = {}) {
    let res;
    try {
      res = await fetch('webchat/api/' + path, opts);
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new APIError('Không kết nối được tới máy chủ.', 0, 'network');
    }
    let body = null;
    try {
      body = await res.json();
    } catch (e) {
      if (e.name === 'AbortError') throw e;
    }
    if (!res.ok || body === null) {
      throw new APIError((body && body.error) || `Lỗi máy chủ (${res.status}).`, res.status, body && body.code);
    }
    return body;
  }

  const postJSON = (path, obj) => api(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(obj),
  });

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // ---- DOM helpers ----

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function initials(name) {
    const words = String(name).trim().split(/\s+/).filter(Boolean);
    if (!words.length) return '?';
    const first = Array.from(words[0])[0] || '';
    const last = words.length > 1 ? Array.from(words[words.length - 1])[0] : '';
    return (first + last).toUpperCase();
  }

  function avatar(name, id) {
    const a = el('div', 'avatar c' + (Math.abs(Number(id) || 0) % 7), initials(name));
    a.setAttribute('aria-hidden', 'true');
    return a;
  }

  const pad = (n) => String(n).padStart(2, '0');
  const hhmm = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

  function dayLabel(d) {
    const today = new Date();
    const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (d.toDateString() === today.toDateString()) return 'Hôm nay';
    if (d.toDateString() === yesterday.toDateString()) return 'Hôm qua';
    return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`;
  }

  function safeURL(raw) {
    try {
      const u = new URL(raw, location.href);
      return SAFE_SCHEMES.includes(u.protocol) ? u.href : null;
    } catch {
      return null;
    }
  }

  // ---- Toast and dialog ----

  let toastTimer = 0;
  function toast(message, { error = false, ms = 3500 } = {}) {
    ui.toast.textContent = message;
    ui.toast.classList.toggle('error', error);
    ui.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { ui.toast.hidden = true; }, ms);
  }

  // ask shows a dialog with one input (or none, with input: false) and resolves to the value, or null when
  // cancelled. validate returns an error message to show, or ''.
  function ask({ heading, text = '', value = '', placeholder = '', ok = 'OK', input = true, inputMode = 'text', validate = () => '' }) {
    if (!ui.dialog.hidden) return Promise.resolve(null); // one question at a time
    const box = ui.dialog.querySelector('form');
    const inp = ui.dialog.querySelector('.modal-input');
    const err = ui.dialog.querySelector('.modal-error');
    const cancel = ui.dialog.querySelector('.modal-cancel');
    ui.dialog.querySelector('.modal-title').textContent = heading;
    ui.dialog.querySelector('.modal-text').textContent = text;
    ui.dialog.querySelector('.modal-ok').textContent = ok;
    inp.hidden = !input;
    inp.value = value;
    inp.placeholder = placeholder;
    inp.inputMode = inputMode;
    err.hidden = true;
    cancel.hidden = !input;
    ui.dialog.hidden = false;
    (input ? inp : ui.dialog.querySelector('.modal-ok')).focus();
    if (input) inp.select();
    return new Promise((resolve) => {
      const done = (result) => {
        ui.dialog.hidden = true;
        box.removeEventListener('submit', onSubmit);
        cancel.removeEventListener('click', onCancel);
        ui.dialog.removeEventListener('keydown', onKey);
        ui.composer.focus();
        resolve(result);
      };
      const onSubmit = (e) => {
        e.preventDefault();
        const v = inp.value.trim();
        const problem = input ? validate(v) : '';
        if (problem) {
          err.textContent = problem;
          err.hidden = false;
          return;
        }
        done(input ? v : '');
      };
      const onCancel = () => done(null);
      const onKey = (e) => { if (e.key === 'Escape') done(null); };
      box.addEventListener('submit', onSubmit);
      cancel.addEventListener('click', onCancel);
      ui.dialog.addEventListener('keydown', onKey);
    });
  }

  // ---- Users ----

  function userByID(id) {
    return state.users.find((u) => u.id === id) || null;
  }

  let usersLoading = null;
  function loadUsers() {
    if (!usersLoading) {
      usersLoading = api('users').then((r) => {
        state.users = r.users;
        for (const u of r.users) {
          if (!state.seen.has(u.id)) state.seen.set(u.id, u.version);
        }
        if (state.current !== null) state.seen.set(state.current, Math.max(state.version, 0));
        renderUsers();
        return r;
      }).finally(() => { usersLoading = null; });
    }
    return usersLoading;
  }

  // renderUsers rebuilds the list only when what it shows changed, so that elements stay put under a test's
  // fingers.
  function renderUsers() {
    const unread = (u) => u.id !== state.current && u.version > (state.seen.get(u.id) || 0);
    const sig = JSON.stringify([state.current, state.users.map((u) => [u, unread(u)])]);
    if (sig === state.usersSig) return;
    state.usersSig = sig;
    const items = state.users.map((u) => {
      const li = el('li');
      li.dataset.testid = 'user-' + u.id;
      const b = el('button', 'user' + (u.id === state.current ? ' active' : ''));
      b.type = 'button';
      b.title = `${u.name} — ${u.role}`;
      if (u.id === state.current) b.setAttribute('aria-current', 'true');
      const main = el('div', 'user-main');
      main.append(el('div', 'user-name', u.name), el('div', 'user-role', u.role), el('div', 'user-last', u.last_text || 'Chưa có tin nhắn'));
      const side = el('div', 'user-side');
      side.append(el('div', 'user-time', u.last_date ? hhmm(new Date(u.last_date * 1000)) : ''));
      if (unread(u)) {
        const badge = el('div', 'unread');
        badge.dataset.testid = 'unread';
        badge.title = 'Có tin mới';
        side.append(badge);
      }
      b.append(avatar(u.name, u.id), main, side);
      b.addEventListener('click', () => selectUser(u.id));
      li.append(b);
      return li;
    });
    ui.users.replaceChildren(...items);
  }

  async function addUser() {
    const name = await ask({
      heading: 'Thêm người dùng',
      text: 'Tên hiển thị của tài khoản Telegram giả lập. Người dùng mới có cuộc trò chuyện riêng với bot.',
      placeholder: 'Ví dụ: Trần Thị Bình',
      ok: 'Thêm',
      validate: (v) => (v.length === 0 ? 'Hãy nhập tên.' : Array.from(v).length > 64 ? 'Tên dài quá 64 ký tự.' : ''),
    });
    if (name === null) return;
    try {
      const u = await postJSON('users', { name });
      await loadUsers();
      selectUser(u.id);
    } catch (e) {
      toast(e.message, { error: true });
    }
  }

  function userFromHash() {
    const m = /^#(?:user-|u=)?(\d+)$/.exec(location.hash);
    return m ? Number(m[1]) : null;
  }

  function selectUser(id) {
    const u = userByID(id);
    if (!u) return;
    if (userFromHash() !== id) history.replaceState(null, '', '#' + id);
    if (state.current === id) return;
    state.current = id;
    state.version = -1;
    state.nodes.clear();
    state.sigs.clear();
    state.days.clear();
    state.replySig = '';
    state.menuSig = '';
    state.toastSeen.clear();
    state.toastReady = false;
    state.stick = true;
    state.emptyNode = null;
    ui.messages.replaceChildren();
    ui.messages.dataset.chat = String(id);
    delete ui.messages.dataset.version;
    ui.replyKb.hidden = true;
    ui.menuList.hidden = true;
    ui.menu.hidden = true;
    setAction('');
    ui.whoami.replaceChildren('Bạn đang là ', el('b', '', u.name), ` · ${u.role}`);
    renderUsers();
    state.gen++;
    if (state.abort) state.abort.abort();
    poll(state.gen);
    ui.composer.focus();
  }

  // ---- Chat ----

  async function poll(gen) {
    let failures = 0;
    while (gen === state.gen) {
      const ctrl = new AbortController();
      state.abort = ctrl;
      let q = '';
      if (state.version >= 0) {
        q = `?after=${state.version}`;
        if (state.allVersion !== null) q += `&all=${state.allVersion}`;
      }
      const asked = Date.now();
      try {
        const chat = await api(`chats/${state.current}${q}`, { signal: ctrl.signal });
        if (gen !== state.gen) return;
        failures = 0;
        ui.banner.hidden = true;
        const unchanged = chat.version === state.version && chat.all_version === state.allVersion;
        applyChat(chat);
        // A poll returning quickly with nothing new means the server is stopping: do not spin.
        if (unchanged && Date.now() - asked < 1000) await sleep(1000);
      } catch (e) {
        if (gen !== state.gen || e.name === 'AbortError') return;
        failures++;
        ui.banner.hidden = false;
        if (e.code === 'unknown_user') {
          // The server restarted without this user: show the users it has.
          try {
            await loadUsers();
            if (state.users.length) selectUser(state.users[0].id);
          } catch { /* retried below */ }
        }
        await sleep(Math.min(500 * 2 ** failures, 8000));
      }
    }
  }

  // refresh shows the chat now, whatever the long poll is doing.
  async function refresh() {
    try {
      applyChat(await api(`chats/${state.current}`));
    } catch (e) {
      toast(e.message, { error: true });
    }
  }

  function applyChat(chat) {
    if (chat.chat_id !== state.current || chat.version < state.version) return; // an older answer
    const allChanged = state.allVersion !== null && chat.all_version !== state.allVersion;
    state.version = chat.version;
    state.allVersion = chat.all_version;
    state.seen.set(state.current, chat.version);
    renderMessages(chat.messages);
    renderReplyKeyboard(chat.reply_keyboard);
    renderMenu(chat.commands);
    setAction(chat.action);
    showToast(chat.toast);
    ui.messages.dataset.version = String(chat.version);
    if (allChanged || !state.users.length) loadUsers().catch(() => {});
    else renderUsers();
  }

  function setAction(action) {
    const labels = {
      typing: 'đang nhập…',
      upload_photo: 'đang gửi ảnh…',
      upload_document: 'đang gửi tệp…',
      choose_sticker: 'đang chọn nhãn dán…',
    };
    const label = labels[action] || '';
    ui.status.textContent = label || 'bot';
    ui.status.classList.toggle('busy', !!label);
    clearTimeout(state.actionTimer);
    if (label) state.actionTimer = setTimeout(() => setAction(''), 5000);
  }

  function showToast(t) {
    if (!t) {
      state.toastReady = true;
      return;
    }
    // Answers already there when the chat opened were shown then; only new ones pop up.
    if (state.toastReady && !state.toastSeen.has(t.id)) toast(t.text, { ms: t.alert ? 7000 : 3500 });
    state.toastSeen.add(t.id);
    state.toastReady = true;
  }

  function renderMessages(msgs) {
    const box = ui.messages;
    const nodes = [];
    let lastDay = '';
    for (const m of msgs) {
      if (m.deleted) continue;
      const d = new Date(m.date * 1000);
      const day = d.toDateString();
      if (day !== lastDay) {
        let sep = state.days.get(day);
        if (!sep) {
          sep = el('div', 'day', dayLabel(d));
          state.days.set(day, sep);
        }
        nodes.push(sep);
        lastDay = day;
      }
      const sig = JSON.stringify(m);
      let node = state.nodes.get(m.id);
      if (!node || state.sigs.get(m.id) !== sig) {
        node = renderMessage(m);
        state.nodes.set(m.id, node);
        state.sigs.set(m.id, sig);
      }
      nodes.push(node);
    }
    if (!nodes.length) {
      state.emptyNode = state.emptyNode || emptyState();
      nodes.push(state.emptyNode);
    }
    const same = nodes.length === box.children.length && nodes.every((n, i) => n === box.children[i]);
    if (!same) box.replaceChildren(...nodes);
    if (state.stick) box.scrollTop = box.scrollHeight;
  }

  function emptyState() {
    const u = userByID(state.current);
    const card = el('div', 'empty');
    const av = el('div', 'avatar bot-avatar', initials(title));
    const start = el('button', 'start', 'Bắt đầu');
    start.type = 'button';
    start.dataset.testid = 'start';
    start.addEventListener('click', () => sendText('/start'));
    card.append(
      av,
      el('h2', '', title),
      el('p', '', `Bạn đang trò chuyện với bot trong vai ${u ? u.name : 'người dùng'}${u ? ` (${u.role})` : ''}. ` +
        'Bấm «Bắt đầu» để gửi /start như trên Telegram.'),
      start,
    );
    return card;
  }

  function renderMessage(m) {
    const from = m.from_bot ? 'bot' : 'user';
    const wrap = el('div', 'msg');
    wrap.dataset.testid = 'msg';
    wrap.dataset.from = from;
    wrap.dataset.id = String(m.id);
    const bubble = el('div', 'bubble');
    wrap.append(bubble);

    if (m.photo_url) {
      const a = el('a');
      a.href = m.photo_url;
      a.target = '_blank';
      a.rel = 'noopener';
      const img = el('img', 'photo');
      img.src = m.photo_url;
      img.alt = m.text ? m.text : 'Ảnh';
      img.dataset.testid = 'photo';
      img.addEventListener('load', () => { if (state.stick) ui.messages.scrollTop = ui.messages.scrollHeight; });
      a.append(img);
      bubble.append(a);
    }
    if (m.document_url) {
      const a = el('a', 'doc');
      a.href = m.document_url;
      a.download = m.document_name || 'tep';
      a.dataset.testid = 'doc-link';
      const icon = el('span', 'doc-icon');
      icon.append(svgIcon('M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm-1 7V3.5L18.5 9z'));
      a.append(icon, el('span', 'doc-name', m.document_name || 'tep'));
      bubble.append(a);
    }
    if (m.contact) {
      const u = userByID(state.current);
      const c = el('div', 'contact');
      c.dataset.testid = 'contact';
      const info = el('div');
      info.append(el('div', 'user-name', u ? u.name : 'Liên hệ'), el('div', 'contact-phone', m.contact));
      c.append(avatar(u ? u.name : '?', state.current), info);
      bubble.append(c);
    }
    if (m.sticker) bubble.append(el('div', 'sticker', '👍'));
    // The time goes first and floats right, so that short texts end on its line, as in Telegram.
    const meta = el('span', 'meta');
    meta.textContent = (m.edited ? 'đã sửa ' : '') + hhmm(new Date(m.date * 1000)) + (m.from_bot ? '' : ' ✓✓');
    if (m.text) {
      const t = el('div', 'text');
      t.dataset.testid = 'msg-text';
      renderText(t, m.text, m.entities || []);
      bubble.append(t);
      t.append(meta);
    } else {
      bubble.append(meta);
    }

    if (m.inline_keyboard && m.inline_keyboard.length) {
      const kb = el('div', 'inline-kb');
      for (const row of m.inline_keyboard) {
        const r = el('div', 'inline-row');
        for (const b of row) r.append(inlineButton(m.id, b));
        kb.append(r);
      }
      wrap.append(kb);
    }
    return wrap;
  }

  function svgIcon(d) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.append(path);
    return svg;
  }

  function inlineButton(messageID, b) {
    if (b.url) {
      const href = safeURL(b.url);
      const a = el(href ? 'a' : 'span', 'inline-btn url', b.text);
      a.dataset.testid = 'inline-btn';
      if (href) {
        a.href = href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        a.title = href;
      }
      return a;
    }
    const btn = el('button', 'inline-btn', b.text);
    btn.type = 'button';
    btn.dataset.testid = 'inline-btn';
    btn.dataset.callbackData = b.callback_data;
    btn.addEventListener('click', () => press(messageID, b.callback_data, btn));
    return btn;
  }

  // renderText builds the text with its formatting entities. Offsets count UTF-16 code units, like JavaScript
  // strings.
  function renderText(parent, text, entities) {
    if (!entities.length) {
      parent.append(document.createTextNode(text));
      return;
    }
    const points = new Set([0, text.length]);
    for (const e of entities) {
      points.add(Math.min(Math.max(e.offset, 0), text.length));
      points.add(Math.min(Math.max(e.offset + e.length, 0), text.length));
    }
    const cuts = [...points].sort((a, b) => a - b);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const a = cuts[i];
      const z = cuts[i + 1];
      let node = document.createTextNode(text.slice(a, z));
      const cover = entities.filter((e) => e.offset <= a && e.offset + e.length >= z);
      for (let j = cover.length - 1; j >= 0; j--) node = wrapEntity(cover[j], node, text);
      parent.append(node);
    }
  }

  function wrapEntity(e, child, text) {
    const whole = text.slice(e.offset, e.offset + e.length);
    let w;
    switch (e.type) {
      case 'bold': w = el('b'); break;
      case 'italic': w = el('i'); break;
      case 'underline': w = el('u'); break;
      case 'strikethrough': w = el('s'); break;
      case 'code': w = el('code'); break;
      case 'pre': w = el('pre'); break;
      case 'blockquote':
      case 'expandable_blockquote': w = el('blockquote'); break;
      case 'spoiler':
        w = el('span', 'spoiler');
        w.title = 'Bấm để xem';
        w.addEventListener('click', () => w.classList.add('shown'));
        break;
      case 'text_link':
      case 'url':
      case 'email':
      case 'phone_number': {
        let raw = e.type === 'text_link' ? e.url : whole;
        if (e.type === 'url' && !/^[a-z][a-z0-9+.-]*:/i.test(raw)) raw = 'https://' + raw;
        if (e.type === 'email') raw = 'mailto:' + whole;
        if (e.type === 'phone_number') raw = 'tel:' + whole.replace(/[^\d+]/g, '');
        const href = safeURL(raw);
        if (!href) return child;
        w = el('a');
        w.href = href;
        w.target = '_blank';
        w.rel = 'noopener noreferrer';
        break;
      }
      case 'bot_command':
        w = el('span', 'cmd');
        w.title = 'Gửi ' + whole;
        w.addEventListener('click', () => sendText(whole));
        break;
      case 'mention':
      case 'hashtag':
      case 'cashtag':
      case 'text_mention':
        w = el('span', 'link');
        break;
      default:
        return child;
    }
    w.append(child);
    return w;
  }

  function renderReplyKeyboard(rows) {
    const sig = JSON.stringify(rows);
    if (sig === state.replySig) return;
    state.replySig = sig;
    if (!rows.length) {
      ui.replyKb.hidden = true;
      ui.replyKb.replaceChildren();
      return;
    }
    const out = rows.map((row) => {
      const r = el('div', 'reply-row');
      for (const b of row) {
        const btn = el('button', 'reply-btn' + (b.request_contact ? ' contact-btn' : ''), b.text);
        btn.type = 'button';
        btn.dataset.testid = 'reply-btn';
        if (b.request_contact) btn.dataset.requestContact = 'true';
        btn.addEventListener('click', () => (b.request_contact ? shareContact() : sendText(b.text)));
        r.append(btn);
      }
      return r;
    });
    ui.replyKb.replaceChildren(...out);
    ui.replyKb.hidden = false;
    if (state.stick) ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  function renderMenu(commands) {
    const sig = JSON.stringify(commands);
    if (sig === state.menuSig) return;
    state.menuSig = sig;
    ui.menu.hidden = !commands.length;
    ui.menuList.replaceChildren(...commands.map((c) => {
      const b = el('button', 'menu-cmd');
      b.type = 'button';
      b.dataset.testid = 'menu-cmd';
      b.append(el('b', '', '/' + c.command), el('span', '', c.description));
      b.addEventListener('click', () => {
        ui.menuList.hidden = true;
        sendText('/' + c.command);
      });
      return b;
    }));
    if (!commands.length) ui.menuList.hidden = true;
  }

  // ---- Actions ----

  async function send(path, body) {
    const chat = await postJSON(`chats/${state.current}/${path}`, body);
    state.stick = true;
    applyChat(chat);
  }

  async function sendText(text) {
    if (state.current === null) return false;
    text = text.trim();
    if (!text) return false;
    if (text.length > MAX_TEXT) {
      toast(`Tin nhắn dài quá ${MAX_TEXT} ký tự.`, { error: true });
      return false;
    }
    try {
      await send('text', { text });
      return true;
    } catch (e) {
      toast(e.message, { error: true });
      return false;
    }
  }

  async function press(messageID, data, btn) {
    if (btn.classList.contains('pending')) return;
    btn.classList.add('pending');
    try {
      await send('press', { message_id: messageID, data });
    } catch (e) {
      toast(e.message, { error: true });
      await refresh();
    } finally {
      btn.classList.remove('pending');
    }
  }

  async function shareContact() {
    if (state.current === null) return;
    const phone = await ask({
      heading: 'Chia sẻ số điện thoại',
      text: 'Telegram sẽ gửi số điện thoại của tài khoản này cho bot. Đây là bản thử: nhập số bạn muốn dùng.',
      value: DEMO_PHONE,
      ok: 'Chia sẻ',
      inputMode: 'tel',
      validate: (v) => (/^\+?[\d\s.()-]{8,20}$/.test(v) ? '' : 'Số điện thoại không hợp lệ. Ví dụ: 0912345678.'),
    });
    if (phone === null) return;
    try {
      await send('contact', { phone });
    } catch (e) {
      toast(e.message, { error: true });
    }
  }

  async function upload(file) {
    if (state.current === null || !file) return;
    if (file.size > MAX_UPLOAD) {
      toast('Tệp lớn quá 10 MB.', { error: true });
      return;
    }
    if (file.size === 0) {
      toast('Tệp trống.', { error: true });
      return;
    }
    const form = new FormData();
    form.append('file', file, file.name);
    // What is typed goes as the photo's caption, as in Telegram's send-photo box.
    const caption = ui.composer.value.trim();
    if (caption && file.type.startsWith('image/')) form.append('caption', caption);
    toast(`Đang gửi ${file.name}…`, { ms: 60000 });
    try {
      const chat = await api(`chats/${state.current}/upload`, { method: 'POST', body: form });
      ui.toast.hidden = true;
      if (caption && file.type.startsWith('image/')) {
        ui.composer.value = '';
        autosize();
      }
      state.stick = true;
      applyChat(chat);
    } catch (e) {
      toast(e.message, { error: true });
    }
  }

  function autosize() {
    ui.composer.style.height = 'auto';
    ui.composer.style.height = Math.min(ui.composer.scrollHeight + 2, 160) + 'px';
  }

  // ---- Wiring ----

  ui.form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = ui.composer.value;
    if (!text.trim()) return;
    ui.composer.value = '';
    autosize();
    if (!(await sendText(text))) {
      if (!ui.composer.value) ui.composer.value = text; // give it back to fix and resend
      autosize();
    }
    ui.composer.focus();
  });
  ui.composer.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter breaks the line; never while an input method (Telex, VNI) is composing.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      ui.form.requestSubmit();
    }
  });
  ui.composer.addEventListener('input', autosize);
  ui.attach.addEventListener('change', () => {
    const file = ui.attach.files && ui.attach.files[0];
    upload(file).finally(() => { ui.attach.value = ''; });
  });
  ui.shareContact.addEventListener('click', shareContact);
  ui.addUser.addEventListener('click', addUser);
  ui.menu.addEventListener('click', (e) => {
    e.stopPropagation();
    ui.menuList.hidden = !ui.menuList.hidden;
  });
  document.addEventListener('click', (e) => {
    if (!ui.menuList.hidden && !ui.menuList.contains(e.target)) ui.menuList.hidden = true;
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') ui.menuList.hidden = true;
  });
  ui.messages.addEventListener('scroll', () => {
    const box = ui.messages;
    state.stick = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
  });
  window.addEventListener('hashchange', () => {
    const id = userFromHash();
    if (id !== null && id !== state.current) selectUser(id);
  });
  document.querySelector('.bot-avatar').textContent = initials(title);

  async function start() {
    for (let attempt = 1; ; attempt++) {
      try {
        await loadUsers();
        ui.banner.hidden = true;
        break;
      } catch {
        ui.banner.hidden = false;
        await sleep(Math.min(500 * 2 ** attempt, 8000));
      }
    }
    const wanted = userFromHash();
    const first = userByID(wanted) || state.users[0];
    if (first) {
      selectUser(first.id);
    } else {
      ui.messages.replaceChildren(el('div', 'empty', 'Chưa có người dùng nào. Bấm «Thêm người dùng» để bắt đầu.'));
    }
  }
  start();
})();
