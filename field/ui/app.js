// The tablet screen (sweep-field ui). Talks only to the server that served
// it, with the per-launch key from the address's fragment (docs/api.md).
'use strict';

const WORDS = {
  zh: {
    title: 'Sweep 反诈走访', switch_lang: 'English', lock: '锁定',
    unlock_title: '解锁', officer: '民警', pin: 'PIN', unlock_go: '解锁',
    today_title: '今日', unsynced: '未同步', records: '记录', device: '设备',
    clear: '清除', back: '退格',
    wrong_pin: (n) => `PIN 错误。还可尝试 ${n} 次，用完后本机数据将被销毁。`,
    wait: (s) => `尝试次数过多，请等待 ${s} 秒后再试。`,
    attempts: (n) => `还可尝试 ${n} 次`,
    shredded: '错误次数过多，本机数据已销毁，请联系所里重新登记本机。',
    unknown_officer: '本机没有该民警。',
    pin_short: 'PIN 至少 6 位。',
    forbidden: '此页面无权访问：请使用 sweep-field ui 打印的地址。',
    offline: '无法连接本机服务，请重新运行 sweep-field ui。',
    internal: '出错了，请重试。',
    versions: (n) => `${n} 条`,
    date: '日期', no_hub: '尚未同步：还没有所里分配的责任区。', revisits: '待复访', beats: '责任区',
    back_today: '← 今日', none: '无',
    covered_of: (c, t, p) => `已覆盖 ${c} / ${t} 户（${p}%）`,
    remaining: (n) => `剩 ${n} 户`,
    building_units: (c, t) => `${c}/${t}`,
    floor: (f) => (f ? `${f} 层` : '楼层不明'),
    reason: { no_answer: '无人应答', refused: '拒绝入户' },
    window: { morning: '上午', afternoon: '下午', evening: '晚上' },
    due: (d) => `${d} 前`,
    overdue: '已逾期', go_now: '现在可去',
    state: { checked: '已核查', vacant: '空置', unvisited: '未走访', no_answer: '无人应答',
             refused: '拒绝', revisit_due: '待复访', den_suspected: '疑似窝点' },
    unit_line: (u, s, who, n) => `${u}：${s}${who ? `，${who}` : ''}${n ? `，本机 ${n} 次` : ''}`,
    extra: '（不在登记册）',
    locked: '已锁定，请先解锁。',
    unknown_building: '本机没有这栋楼的分配或走访记录。',
    back: '← 返回', visit_title: '出租屋核查', address: '地址', unit_status: '户况',
    landlord: '房东', occupants: '住户', add_occupant: '＋ 添加住户', remove: '移除',
    indicators: '窝点迹象', notes: '备注', save: '保存', new_visit: '＋ 新的出租屋核查',
    visit_unit: '核查此户', name: '姓名', id_number: '身份证号', phone: '手机号',
    statuses: { UNIT_STATUS_CHECKED: '已核查', UNIT_STATUS_NO_ANSWER: '无人应答',
                UNIT_STATUS_REFUSED: '拒绝入户', UNIT_STATUS_VACANT: '空置' },
    watch: (n) => `⚠ 布控人员！本次登记中有 ${n} 项命中布控名单，请注意安全，按规定处置并报告。`,
    saved: (id) => `已加密保存（${id.slice(0, 8)}…），同步时上传。`,
    fix_first: (n) => `有 ${n} 处需要核对，仍可保存（会标记）。`,
    sync: '同步', drafts: '未完成的核查', draft_saved: '草稿已加密保存',
    draft_line: (a, t) => `${a || '（未填地址）'} · ${t}`,
    sync_phase: { push: '正在发送记录', files: '正在发送照片', pull: '正在接收所里的更新' },
    sync_count: (d, t) => (t ? `${d} / ${t}` : `${d}`),
    sync_done: (p, d, u) => `同步完成：发送 ${p} 条记录${d ? `（${d} 条所里已有）` : ''}，收到 ${u} 条更新。`,
    sync_error: {
      hub_unreachable: '无法连接所里服务器。记录仍安全保存在本机，稍后再同步。',
      not_enrolled: '本机尚未在所里登记，请先登记。',
      refused: '所里服务器拒绝了本机（可能已被注销），请联系所里。',
      shredded: '本机数据已销毁。',
      locked: '已锁定，请先解锁。',
      internal: '同步出错，请重试。',
    },
  },
  en: {
    title: 'Sweep door-to-door', switch_lang: '中文', lock: 'Lock',
    unlock_title: 'Unlock', officer: 'Officer', pin: 'PIN', unlock_go: 'Unlock',
    today_title: 'Today', unsynced: 'Not synced', records: 'Records', device: 'Device',
    clear: 'Clear', back: 'Back',
    wrong_pin: (n) => `Wrong PIN. ${n} attempts left before this tablet erases its data.`,
    wait: (s) => `Too many wrong PINs: wait ${s} s before the next try.`,
    attempts: (n) => `${n} attempts left`,
    shredded: 'Too many wrong PINs: this tablet has erased its data. Ask the station to re-enroll it.',
    unknown_officer: 'No such officer on this tablet.',
    pin_short: 'The PIN has at least 6 digits.',
    forbidden: 'This page may not use the tablet: open the address sweep-field ui printed.',
    offline: 'The tablet service is not running: start sweep-field ui again.',
    internal: 'Something went wrong; try again.',
    versions: (n) => `${n}`,
    date: 'Date', no_hub: 'Not synced yet: no beats from the station.', revisits: 'Revisits due',
    beats: 'Beats', back_today: '← Today', none: 'None',
    covered_of: (c, t, p) => `${c} of ${t} units covered (${p}%)`,
    remaining: (n) => `${n} left`,
    building_units: (c, t) => `${c}/${t}`,
    floor: (f) => (f ? `floor ${f}` : 'floor unknown'),
    reason: { no_answer: 'no answer', refused: 'refused' },
    window: { morning: 'morning', afternoon: 'afternoon', evening: 'evening' },
    due: (d) => `by ${d}`,
    overdue: 'overdue', go_now: 'go now',
    state: { checked: 'checked', vacant: 'vacant', unvisited: 'not visited', no_answer: 'no answer',
             refused: 'refused', revisit_due: 'revisit due', den_suspected: 'den suspected' },
    unit_line: (u, s, who, n) => `${u}: ${s}${who ? `, ${who}` : ''}${n ? `, ${n} on this tablet` : ''}`,
    extra: ' (not in the register)',
    locked: 'Locked: unlock first.',
    unknown_building: 'No assignment or visit of this building on this tablet.',
    back: '← Back', visit_title: 'Rental check', address: 'Address', unit_status: 'Unit',
    landlord: 'Landlord', occupants: 'Occupants', add_occupant: '+ Add occupant', remove: 'Remove',
    indicators: 'Den indicators', notes: 'Notes', save: 'Save', new_visit: '+ New rental check',
    visit_unit: 'Check this unit', name: 'Name', id_number: 'ID number', phone: 'Mobile',
    statuses: { UNIT_STATUS_CHECKED: 'checked', UNIT_STATUS_NO_ANSWER: 'no answer',
                UNIT_STATUS_REFUSED: 'refused', UNIT_STATUS_VACANT: 'vacant' },
    watch: (n) => `⚠ WATCHLIST! ${n} identifier(s) in this visit are on the watchlist: stay safe, act as ordered and report.`,
    saved: (id) => `Saved, encrypted (${id.slice(0, 8)}…); it goes to the station at the next sync.`,
    fix_first: (n) => `${n} thing(s) to check; you can still save (they are marked).`,
    sync: 'Sync', drafts: 'Unfinished checks', draft_saved: 'Draft saved, encrypted',
    draft_line: (a, t) => `${a || '(no address yet)'} · ${t}`,
    sync_phase: { push: 'Sending records', files: 'Sending photos', pull: 'Receiving the station\'s updates' },
    sync_count: (d, t) => (t ? `${d} / ${t}` : `${d}`),
    sync_done: (p, d, u) => `Synced: ${p} records sent${d ? ` (${d} already at the station)` : ''}, ${u} updates received.`,
    sync_error: {
      hub_unreachable: 'Cannot reach the station\'s server. Your records are safe on this tablet; sync again later.',
      not_enrolled: 'This tablet is not enrolled with a station yet.',
      refused: 'The station refused this tablet (it may have been revoked): call the station.',
      shredded: 'This tablet\'s data has been erased.',
      locked: 'Locked: unlock first.',
      internal: 'Sync failed; try again.',
    },
  },
};

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
  draftKey: '',     // the draft the open form saves to
  drafts: [],
  building: null,   // UiBuilding on screen, or null
};

const $ = (id) => document.getElementById(id);
const w = (k) => WORDS[state.lang][k];

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
  renderBuilding();
  if (!$('visit').hidden) { renderVisitWords(); runCheck(); }
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
  for (const s of ['unlock', 'today', 'building', 'visit', 'gone']) $(s).hidden = s !== id;
  $('lock').hidden = id !== 'today' && id !== 'building' && id !== 'visit';
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
        $('visit-unit').hidden = false;
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
  $('visit-unit').hidden = true;
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
  await loadDrafts();
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
  if (!$('visit').hidden) return;
  if (state.building) { show('building'); renderBuilding(); return; }
  show('today');
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

// ---- the rental-check form: checked as it is typed (POST /api/check, the
// same rules the store applies on save), saved with POST /api/records.

// A reason in the chosen language: the rules write "english / 中文".
function said(message) {
  const parts = String(message || '').split(' / ');
  return parts.length === 2 ? parts[state.lang === 'zh' ? 1 : 0] : message;
}

function personFields(container, prefix) {
  container.replaceChildren();
  for (const [key, label, mode] of [['name', 'name', 'text'], ['idNumber', 'id_number', 'text'],
                                    ['phone', 'phone', 'tel']]) {
    const path = `${prefix}.${key}`;
    const input = el('input', { type: mode, 'data-path': path, 'aria-label': w(label) });
    if (key !== 'name') input.inputMode = key === 'phone' ? 'tel' : 'text';
    input.placeholder = w(label);
    container.append(el('div', { class: 'field' }, input, el('p', { class: 'field-msg', 'data-for': path })));
  }
}

function addOccupant(values) {
  const list = $('occupants');
  const row = el('div', { class: 'person occupant' });
  const remove = el('button', { type: 'button', class: 'remove' }, w('remove'));
  remove.addEventListener('click', () => { row.remove(); renumberOccupants(); scheduleCheck(); });
  list.append(el('div', { class: 'occupant-row' }, row, remove));
  renumberOccupants();
  if (values) for (const [k, v] of Object.entries(values)) row.querySelector(`[data-path$=".${k}"]`).value = v;
}

function renumberOccupants() {
  [...document.querySelectorAll('#occupants .occupant')].forEach((row, i) => {
    const keep = {};
    row.querySelectorAll('input').forEach((inp) => { keep[inp.dataset.path.split('.').pop()] = inp.value; });
    personFields(row, `occupants[${i}]`);
    row.querySelectorAll('input').forEach((inp) => { inp.value = keep[inp.dataset.path.split('.').pop()] || ''; });
  });
}

function person(prefix) {
  const p = {};
  for (const inp of document.querySelectorAll(`[data-path^="${prefix}."]`)) {
    const v = inp.value.trim();
    if (v) p[inp.dataset.path.slice(prefix.length + 1)] = v;
  }
  return p;
}

function visitBody() {
  const rc = { address: { raw: $('v-address').value.trim() }, unitStatus: $('v-status').value };
  const landlord = person('landlord');
  if (Object.keys(landlord).length) rc.landlord = landlord;
  const occupants = [...document.querySelectorAll('#occupants .occupant')].map((_, i) => person(`occupants[${i}]`))
    .filter((o) => Object.keys(o).length);
  if (occupants.length) rc.occupants = occupants.map((o) => ({ ...o, presentAtVisit: true }));
  const codes = [...document.querySelectorAll('#indicators input:checked')].map((c) => c.value);
  if (codes.length) rc.indicators = codes.map((code) => ({ code, present: true }));
  const notes = $('v-notes').value.trim();
  if (notes) rc.notes = notes;
  return { rentalCheck: rc };
}

function showProblems(problems, watchlist) {
  document.querySelectorAll('#visit .field-msg').forEach((p) => { p.textContent = ''; });
  document.querySelectorAll('#visit input.bad').forEach((i) => i.classList.remove('bad'));
  const list = $('problems');
  list.replaceChildren();
  for (const p of problems || []) {
    const path = p.field.replace(/^rentalCheck\./, '');
    const slot = document.querySelector(`#visit .field-msg[data-for="${path}"]`);
    const text = said(p.message);
    if (slot) {
      slot.textContent = text;
      const input = document.querySelector(`#visit [data-path="${path}"]`);
      if (input && p.severity === 'SEVERITY_ERROR') input.classList.add('bad');
    }
    list.append(el('li', { class: p.severity === 'SEVERITY_ERROR' ? 'error' : 'warning' }, `${path}: ${text}`));
  }
  const alert = $('watch-alert');
  const hits = watchlist || [];
  alert.hidden = hits.length === 0;
  alert.replaceChildren();
  if (hits.length) {
    alert.append(el('p', {}, w('watch')(hits.length)),
                 el('ul', {}, ...hits.map((h) => el('li', {}, `${h.field.replace(/^rentalCheck\./, '')}: ${said(h.message)}`))));
  }
  if (hits.length && navigator.vibrate) navigator.vibrate([300, 100, 300]);
}

let checkTimer = 0;
function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(runCheck, 250);
}

async function runCheck() {
  saveDraft();
  const r = await api('POST', '/api/check', visitBody());
  if (!r.ok) { handleLocked(r.error); return; }
  showProblems(r.data.problems, r.data.watchlist);
}

// The form as typed, kept sealed in the store (POST /api/drafts) so that a
// crash or a flat battery loses nothing.
function formState() {
  return { body: visitBody(), occupants: document.querySelectorAll('#occupants .occupant').length };
}

function saveDraft() {
  if (!state.draftKey) return Promise.resolve();
  const key = state.draftKey;
  const previous = state.draftSaving || Promise.resolve();
  state.draftSaving = previous.then(async () => {  // one at a time, in order
    const r = await api('POST', '/api/drafts', { key, body: JSON.stringify(formState()) });
    if (r.ok && state.draftKey === key) $('saved-msg').textContent = w('draft_saved');
  });
  return state.draftSaving;
}

function restoreForm(saved) {
  const rc = (saved.body && saved.body.rentalCheck) || {};
  $('v-address').value = (rc.address && rc.address.raw) || '';
  if (rc.unitStatus) $('v-status').value = rc.unitStatus;
  for (const [k, v] of Object.entries(rc.landlord || {})) {
    const inp = document.querySelector(`[data-path="landlord.${k}"]`);
    if (inp) inp.value = v;
  }
  $('occupants').replaceChildren();
  const occupants = rc.occupants || [];
  for (let i = 0; i < Math.max(1, saved.occupants || 0, occupants.length); ++i) {
    const o = { ...(occupants[i] || {}) };
    delete o.presentAtVisit;
    addOccupant(o);
  }
  const codes = new Set((rc.indicators || []).map((i) => i.code));
  document.querySelectorAll('#indicators input').forEach((c) => { c.checked = codes.has(c.value); });
  $('v-notes').value = rc.notes || '';
}

async function loadDrafts() {
  const r = await api('GET', '/api/drafts');
  state.drafts = r.ok ? r.data.drafts || [] : [];
  const list = $('drafts');
  list.replaceChildren();
  for (const d of state.drafts) {
    let address = '';
    try { address = JSON.parse(d.body).body.rentalCheck.address.raw; } catch (e) { address = ''; }
    const when = new Date(Number(d.updatedMs)).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-GB');
    const b = el('button', { type: 'button', class: 'draft', 'data-key': d.key }, w('draft_line')(address, when));
    b.addEventListener('click', () => openVisit(address, d.key));
    list.append(el('li', {}, b));
  }
  $('drafts-box').hidden = state.drafts.length === 0;
}

async function openVisit(address, key) {
  if (!state.form) {
    const r = await api('GET', '/api/form');
    if (!r.ok) { showError(r.error); return; }
    state.form = r.data;
  }
  state.returnTo = state.building ? 'building' : 'today';
  state.draftKey = key || `rental:${address || `new-${Date.now()}`}`;
  $('v-address').value = address || '';
  $('v-notes').value = '';
  $('saved-msg').textContent = '';
  personFields(document.querySelector('#visit .person[data-prefix="landlord"]'), 'landlord');
  $('occupants').replaceChildren();
  addOccupant();
  renderVisitWords();
  await loadDrafts();
  const draft = state.drafts.find((d) => d.key === state.draftKey);
  if (draft) {
    try { restoreForm(JSON.parse(draft.body)); } catch (e) { /* an unreadable draft: start afresh */ }
  }
  showProblems([], []);
  show('visit');
  if ($('v-address').value) scheduleCheck();
}

function renderVisitWords() {
  const status = $('v-status');
  const chosen = status.value || 'UNIT_STATUS_CHECKED';
  status.replaceChildren(...Object.entries(w('statuses')).map(([v, t]) => el('option', { value: v }, t)));
  status.value = chosen;
  const checks = $('indicators');
  const ticked = new Set([...checks.querySelectorAll('input:checked')].map((c) => c.value));
  checks.replaceChildren();
  for (const i of (state.form && state.form.indicators) || []) {
    const box = el('input', { type: 'checkbox', value: i.code, checked: ticked.has(i.code) });
    checks.append(el('label', { class: `check${i.strong ? ' strong' : ''}` }, box, state.lang === 'zh' ? i.zh : i.en));
  }
  document.querySelectorAll('#visit input[data-path]').forEach((inp) => {
    const key = inp.dataset.path.split('.').pop();
    const label = { name: 'name', idNumber: 'id_number', phone: 'phone' }[key];
    if (label) inp.placeholder = w(label);
  });
  document.querySelectorAll('#occupants .remove').forEach((b) => { b.textContent = w('remove'); });
}

async function saveVisit() {
  clearTimeout(checkTimer);
  const key = state.draftKey;
  state.draftKey = '';  // no more draft saves for this form
  await state.draftSaving;
  const r = await api('POST', '/api/records', visitBody());
  if (!r.ok) { state.draftKey = key; handleLocked(r.error); return; }
  showProblems(r.data.problems, r.data.watchlist);
  if (key) {
    await api('POST', '/api/drafts/delete', { key });
    await loadDrafts();
  }
  const errors = (r.data.problems || []).filter((p) => p.severity === 'SEVERITY_ERROR').length;
  $('saved-msg').textContent = w('saved')(r.data.recordId) + (errors ? ` ${w('fix_first')(errors)}` : '');
  if (state.today) state.today.unsynced = r.data.unsynced;
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

function unitAddress(b, u) {
  const [stair, pos] = u.unitKey.includes('-') ? u.unitKey.split('-') : ['', u.unitKey];
  return `${b.address}${stair ? `${stair}单元` : ''}${u.room || pos}室`;
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
  $('new-visit').addEventListener('click', () => openVisit(''));
  $('sync').addEventListener('click', startSync);
  $('visit-unit').addEventListener('click', () => {
    const u = state.unit;
    if (u) openVisit(unitAddress(state.building, u));
  });
  $('visit-back').addEventListener('click', () => {
    if (state.returnTo === 'building' && state.building) openBuilding(state.building.buildingKey);
    else { state.building = null; show('today'); render(); loadToday(); }
  });
  $('add-occupant').addEventListener('click', () => { addOccupant(); });
  $('save').addEventListener('click', saveVisit);
  $('visit-form').addEventListener('input', scheduleCheck);
  $('visit-form').addEventListener('change', scheduleCheck);
  $('visit-form').addEventListener('submit', (e) => e.preventDefault());
  $('unlock-go').addEventListener('click', unlock);
  $('pin').addEventListener('keydown', (e) => { if (e.key === 'Enter') unlock(); });
  for (const ev of ['pointerdown', 'keydown']) document.addEventListener(ev, armIdle, { passive: true });
  applyWords();
  refresh().then(() => (state.status && state.status.unlocked ? loadToday() : null)).then(armIdle);
});
