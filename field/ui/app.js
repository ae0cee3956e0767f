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
  },
};

const state = {
  lang: localStorage.getItem('sweep.lang') || 'zh',
  key: '',
  status: null,
  idleTimer: 0,
  waitTimer: 0,
  today: null,      // UiToday
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
  for (const s of ['unlock', 'today', 'building', 'gone']) $(s).hidden = s !== id;
  $('lock').hidden = id !== 'today' && id !== 'building';
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
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
}

async function openBuilding(key) {
  const r = await api('GET', `/api/building?key=${encodeURIComponent(key)}`);
  if (!r.ok) { handleLocked(r.error); return; }
  state.building = r.data;
  show('building');
  renderBuilding();
}

async function loadToday() {
  const r = await api('GET', '/api/today');
  if (!r.ok) { handleLocked(r.error); return; }
  state.today = r.data;
  renderToday();
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

document.addEventListener('DOMContentLoaded', () => {
  takeKey();
  $('lang').addEventListener('click', () => {
    state.lang = state.lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('sweep.lang', state.lang);
    applyWords();
  });
  $('lock').addEventListener('click', lock);
  $('back').addEventListener('click', () => { state.building = null; render(); loadToday(); });
  $('unlock-go').addEventListener('click', unlock);
  $('pin').addEventListener('keydown', (e) => { if (e.key === 'Enter') unlock(); });
  for (const ev of ['pointerdown', 'keydown']) document.addEventListener(ev, armIdle, { passive: true });
  applyWords();
  refresh().then(() => (state.status && state.status.unlocked ? loadToday() : null)).then(armIdle);
});
