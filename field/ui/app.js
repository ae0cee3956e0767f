// The tablet screen (sweep-field ui). Talks only to the server that served
// it, with the per-launch key from the address's fragment (docs/api.md).
'use strict';

const state = {
  lang: localStorage.getItem('sweep.lang') || 'zh',
  key: '',
  status: null,
  idleTimer: 0,
  waitTimer: 0,
  today: null,      // UiToday
  form: null,       // UiFormOptions
  unit: null,       // the unit tapped in the grid
  returnTo: 'today',
  active: null,     // the form on screen (forms.js), or null
  draftKey: '',     // the draft the open form saves to
  drafts: [],
  edit: null,       // {recordId, version}: the open form saves a new version of it
  photos: [],       // the open form's photos: {sha256, mediaType, size, target, url}
  confirmations: [],  // office sweep: participants who confirmed, {signerId, agency, signerRole, label}
  building: null,   // UiBuilding on screen, or null
  inspections: [],  // UiInspection: a regulator's joint inspections
};

const $ = (id) => document.getElementById(id);
const w = (k) => WORDS[state.lang][k];
// A regulator's tablet records office sweeps only and has no watchlist: no
// rental check is offered; its joint inspections are listed instead.
const isRegulator = () => Boolean(state.status && state.status.role === 'regulator');
const agencyWord = (a) => w('agencies')[a] || a;

function takeKey() {
  const m = /(?:^|[#&])key=([0-9a-f]{64})/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('sweep.key', m[1]);
    history.replaceState(null, '', location.pathname);  // out of the address bar and history
  }
  state.key = sessionStorage.getItem('sweep.key') || '';
}

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { 'X-Sweep-Key': state.key, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    return { ok: false, error: { code: 'offline' } };
  }
  const data = await res.json().catch(() => ({}));
  return res.ok ? { ok: true, data } : { ok: false, status: res.status, error: data };
}

function applyWords() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.querySelectorAll('[data-t]').forEach((el) => { el.textContent = w(el.dataset.t); });
  document.title = w('title');
  buildKeypad();
  render();
  renderToday();
  renderInspections();
  renderBuilding();
  if (state.active && !$(state.active.id).hidden) { renderFormWords(); runCheck(); }
}

function buildKeypad() {
  const pad = $('keypad');
  pad.replaceChildren();
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'back'];
  for (const k of keys) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = /\d/.test(k) ? k : w(k);
    b.dataset.key = k;
    b.addEventListener('click', () => {
      const pin = $('pin');
      if (k === 'clear') pin.value = '';
      else if (k === 'back') pin.value = pin.value.slice(0, -1);
      else pin.value += k;
      pin.focus();
    });
    pad.appendChild(b);
  }
}

function show(id) {
  for (const s of ['unlock', 'today', 'building', 'visit', 'office', 'gone']) $(s).hidden = s !== id;
  $('lock').hidden = !['today', 'building', 'visit', 'office'].includes(id);
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.includes('-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

function renderToday() {
  const t = state.today;
  if (!t) return;
  $('today-date').textContent = `${t.today} (${t.cycle})`;
  $('today-unsynced').textContent = w('versions')(Number(t.unsynced || 0));
  $('today-nohub').hidden = Boolean(t.configFromHub);
  const rv = $('revisits');
  rv.replaceChildren();
  for (const r of t.revisits || []) {
    const when = [w('window')[r.window] || '', r.dueDate ? w('due')(r.dueDate) : '',
                  r.overdue ? w('overdue') : (r.open ? w('go_now') : '')].filter(Boolean).join(' · ');
    const b = el('button', { type: 'button', class: `revisit${r.overdue ? ' overdue' : ''}` },
                 `${r.address} ${r.unitKey} — ${w('reason')[r.reason] || r.reason}${when ? ` · ${when}` : ''}`);
    b.addEventListener('click', () => openBuilding(r.buildingKey));
    rv.append(el('li', {}, b));
  }
  if (!rv.children.length) rv.append(el('li', { class: 'hint' }, w('none')));
  const beats = $('beats');
  beats.replaceChildren();
  for (const beat of t.beats || []) {
    const list = el('ul', { class: 'list buildings' });
    for (const b of beat.buildings || []) {
      const pct = b.units ? Math.round((100 * b.covered) / b.units) : 0;
      const btn = el('button', { type: 'button', class: 'building', 'data-key': b.buildingKey },
                     el('span', { class: 'name' }, b.address),
                     el('span', { class: 'bar' }, el('span', { class: 'fill' })),
                     el('span', { class: 'count' }, w('building_units')(b.covered, b.units)));
      btn.querySelector('.fill').style.width = `${pct}%`;
      btn.addEventListener('click', () => openBuilding(b.buildingKey));
      list.append(el('li', {}, btn));
    }
    beats.append(el('h4', {}, `${beat.beat} — ${w('covered_of')(beat.covered, beat.units,
                  beat.units ? Math.round((100 * beat.covered) / beat.units) : 0)}`), list);
  }
  if (!beats.children.length) beats.append(el('p', { class: 'hint' }, w('none')));
}

const STATES = ['checked', 'vacant', 'unvisited', 'no_answer', 'refused', 'revisit_due', 'den_suspected'];

function renderBuilding() {
  const b = state.building;
  if (!b) return;
  $('building-title').textContent = b.address;
  $('building-summary').textContent =
    `${w('covered_of')(b.covered, b.total, Math.round(b.coveragePct || 0))} · ${w('remaining')(b.remaining)}`;
  $('legend').replaceChildren(...STATES.map((s) => el('span', { class: `chip s-${s}` }, w('state')[s])));
  const grid = $('grid');
  grid.replaceChildren();
  const head = el('tr', {}, el('th', {}, ''));
  for (const c of b.columns || []) head.append(el('th', { scope: 'col' }, c));
  grid.append(el('thead', {}, head));
  const body = el('tbody');
  for (const row of b.rows || []) {
    const tr = el('tr', {}, el('th', { scope: 'row' }, w('floor')(row.floor)));
    for (const i of row.cells || []) {
      if (i < 0) { tr.append(el('td', { class: 'empty' }, '')); continue; }
      const u = b.units[i];
      const cell = el('button', { type: 'button', class: `unit s-${u.state}`, 'data-unit': u.unitKey,
                                  title: w('state')[u.state] }, u.room || u.unitKey);
      cell.addEventListener('click', () => {
        state.unit = u;
        $('visit-unit').hidden = isRegulator();
        $('office-unit').hidden = false;
        $('edit-unit').hidden = !u.recordId;
        const who = u.lastOfficerId ? u.lastOfficerId : '';
        $('unit-detail').textContent =
          w('unit_line')(u.unitKey, w('state')[u.state], who, u.localVisits) + (u.registered ? '' : w('extra'));
      });
      tr.append(el('td', {}, cell));
    }
    body.append(tr);
  }
  grid.append(body);
  $('unit-detail').textContent = '';
  for (const b of ['visit-unit', 'office-unit', 'edit-unit']) $(b).hidden = true;
}

async function openBuilding(key) {
  const r = await api('GET', `/api/building?key=${encodeURIComponent(key)}`);
  if (!r.ok) { handleLocked(r.error); return; }
  state.building = r.data;
  show('building');
  renderBuilding();
}

async function loadToday() {
  const st = await api('GET', '/api/status');
  if (st.ok) state.status = st.data;
  const r = await api('GET', '/api/today');
  if (!r.ok) { handleLocked(r.error); return; }
  state.today = r.data;
  render();
  await loadInspections();
  await loadDrafts();
}

// ---- a regulator's joint inspections (GET /api/inspections)

async function loadInspections() {
  state.inspections = [];
  if (isRegulator()) {
    const r = await api('GET', '/api/inspections');
    if (r.ok) state.inspections = r.data.inspections || [];
  }
  renderInspections();
}

function renderInspections() {
  const box = $('inspections-box');
  box.hidden = !isRegulator();
  if (box.hidden) return;
  const list = $('inspections');
  list.replaceChildren();
  for (const i of state.inspections) {
    const os = i.sweep || {};
    list.append(el('li', { class: 'inspection', 'data-record': i.recordId },
      el('div', { class: 'title' }, `${os.companyName || '—'} ${os.creditCode || ''}`),
      el('div', {}, w('inspection_licence')(w('licences')[os.licence || 'LICENCE_STATUS_UNSPECIFIED'])),
      el('div', { class: 'hint' }, (os.address && os.address.raw) || ''),
      ...(os.findings || []).map((f) => el('div', { class: 'finding-line' },
                                           w('inspection_finding')(agencyWord(f.agency), f.summary || ''))),
      ...(i.sealed || []).map((a) => el('div', { class: 'sealed' }, w('sealed_section')(agencyWord(a))))));
  }
  if (!list.children.length) list.append(el('li', { class: 'hint' }, w('none')));
}

// The store locked itself (idle) or refused: back to the PIN.
async function handleLocked(err) {
  if (err && err.code === 'locked') { await refresh(); $('unlock-msg').textContent = w('locked'); return; }
  if (err && err.code === 'unknown_building') { $('unit-detail').textContent = w('unknown_building'); return; }
  showError(err);
}

function render() {
  const s = state.status;
  if (!s) return;
  if (!s.unlocked) {
    show('unlock');
    const select = $('officer');
    const chosen = select.value;
    select.replaceChildren();
    for (const o of s.officers || []) {
      const opt = document.createElement('option');
      opt.value = o.officerId;
      opt.textContent = o.name ? `${o.officerId} ${o.name}` : o.officerId;
      select.appendChild(opt);
    }
    if (chosen) select.value = chosen;
    $('attempts').textContent = s.failedAttempts > 0 ? w('attempts')(s.attemptsLeft) : '';
    startWait(Number(s.waitMs || 0));
    return;
  }
  if (state.active && !$(state.active.id).hidden) return;
  if (state.building) { show('building'); renderBuilding(); return; }
  show('today');
  $('new-visit').hidden = isRegulator();
  $('today').querySelector('.facts dt').textContent = w(isRegulator() ? 'inspector' : 'officer');
  renderToday();
  const me = (s.officers || []).find((o) => o.officerId === s.officerId);
  $('today-officer').textContent = me && me.name ? `${s.officerId} ${me.name}` : s.officerId;
  $('today-unsynced').textContent = w('versions')(Number(s.unsynced || 0));
  $('today-records').textContent = String(Number(s.records || 0));
  $('today-device').textContent = s.deviceId;
}

function startWait(ms) {
  clearInterval(state.waitTimer);
  const go = $('unlock-go');
  if (ms <= 0) { go.disabled = false; return; }
  const until = Date.now() + ms;
  go.disabled = true;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(state.waitTimer);
      go.disabled = false;
      $('unlock-msg').textContent = '';
      return;
    }
    $('unlock-msg').textContent = w('wait')(left);
  };
  tick();
  state.waitTimer = setInterval(tick, 250);
}

function showError(err) {
  const code = (err && err.code) || 'internal';
  if (code === 'shredded' || code === 'forbidden' || code === 'offline') {
    show('gone');
    $('gone-msg').textContent = w(code);
    return;
  }
  let text = w(code) || w('internal');
  if (code === 'wrong_pin') text = w('wrong_pin')(err.attemptsLeft);
  $('unlock-msg').textContent = typeof text === 'function' ? text(0) : text;
  if (code === 'wait' || (code === 'wrong_pin' && Number(err.waitMs) > 0)) {
    startWait(Number(err.waitMs));
    if (code === 'wrong_pin') $('unlock-msg').textContent = w('wrong_pin')(err.attemptsLeft);
  }
}

async function refresh() {
  const r = await api('GET', '/api/status');
  if (!r.ok) { showError(r.error); return; }
  state.status = r.data;
  render();
}

async function unlock() {
  const pin = $('pin');
  if (pin.value.length < 6) { $('unlock-msg').textContent = w('pin_short'); return; }
  const r = await api('POST', '/api/unlock', { officerId: $('officer').value, pin: pin.value });
  pin.value = '';
  if (!r.ok) {
    await refresh();
    showError(r.error);
    return;
  }
  $('unlock-msg').textContent = '';
  state.status = r.data;
  state.building = null;
  state.active = null;
  render();
  await loadToday();
  armIdle();
}

async function lock() {
  const r = await api('POST', '/api/lock', {});
  state.today = null;
  state.building = null;
  if (r.ok) { state.status = r.data; render(); } else showError(r.error);
}

// Locks after idleLockMs without a touch or a key (the store locks itself
// too, at its next use).
function armIdle() {
  clearTimeout(state.idleTimer);
  const ms = state.status ? Number(state.status.idleLockMs || 0) : 0;
  if (ms > 0 && state.status && state.status.unlocked) state.idleTimer = setTimeout(lock, ms);
}

// ---- sync, started here and followed until it ends (POST/GET /api/sync)

function renderSync(sy) {
  const box = $('sync-box');
  box.hidden = false;
  const bar = $('sync-bar');
  if (sy.running) {
    $('sync').disabled = true;
    const total = Number(sy.total || 0);
    const done = Number(sy.done || 0);
    if (total > 0) { bar.max = total; bar.value = done; } else bar.removeAttribute('value');
    $('sync-msg').textContent = `${w('sync_phase')[sy.phase] || ''} ${w('sync_count')(done, total)}`;
    return;
  }
  $('sync').disabled = false;
  bar.max = 1;
  bar.value = 1;
  if (sy.ok) {
    $('sync-msg').textContent = w('sync_done')(Number(sy.pushed || 0), Number(sy.duplicates || 0),
                                               Number(sy.pulled || 0));
    $('sync-msg').className = 'ok';
  } else {
    const code = (sy.error && sy.error.code) || 'internal';
    $('sync-msg').textContent = w('sync_error')[code] || w('sync_error').internal;
    $('sync-msg').className = 'msg';
  }
}

async function startSync() {
  $('sync-msg').className = '';
  let r = await api('POST', '/api/sync', {});
  if (!r.ok) { showError(r.error); return; }
  while (r.ok && r.data.running) {
    renderSync(r.data);
    await new Promise((done) => setTimeout(done, 200));
    r = await api('GET', '/api/sync');
  }
  if (!r.ok) { showError(r.error); return; }
  renderSync(r.data);
  await loadToday();
}

document.addEventListener('DOMContentLoaded', () => {
  takeKey();
  $('lang').addEventListener('click', () => {
    state.lang = state.lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('sweep.lang', state.lang);
    applyWords();
  });
  $('lock').addEventListener('click', lock);
  $('back').addEventListener('click', () => { state.building = null; render(); loadToday(); });
  $('sync').addEventListener('click', startSync);
  wireForms();
  $('unlock-go').addEventListener('click', unlock);
  $('pin').addEventListener('keydown', (e) => { if (e.key === 'Enter') unlock(); });
  for (const ev of ['pointerdown', 'keydown']) document.addEventListener(ev, armIdle, { passive: true });
  applyWords();
  refresh().then(() => (state.status && state.status.unlocked ? loadToday() : null)).then(armIdle);
});
